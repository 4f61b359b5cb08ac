/**
 * What a newly active list version means for the holds that cite it: a hold whose entry the
 * version removes gets a `withdrawn` basis event, one whose entry's programs it changes a
 * `changed` one (append-only, naming the version), and on-call is told once per hold. The
 * hold's state never changes here: release stays a person's decision, with a reason.
 *
 * Runs after the activation has committed, wherever a version becomes active (an accepted
 * refresh or import, an approval). Keyed on (hold, list, version): running it again adds nothing.
 */
import { holdBasisChangedAlert, type HoldBasisChangedAlert } from '../domain/alert.js';
import type { EntryDraft, ListId } from '../domain/sanction-entry.js';
import type { Logger } from '../log/logger.js';
import type { HoldBasisEvent, HoldsRepo, StoredHold } from '../store/holds-repo.js';

/** An activated list version's removals and changes (the sanctions diff, as plain entries). */
export interface ListVersionChange {
  readonly listId: ListId;
  /** The version now active. */
  readonly version: number;
  readonly removed: readonly EntryDraft[];
  readonly changed: readonly { readonly before: EntryDraft; readonly after: EntryDraft }[];
}

export interface HoldBasisChange {
  readonly hold: StoredHold;
  readonly event: HoldBasisEvent;
  /** False when an earlier run already recorded it. */
  readonly created: boolean;
}

function sameProgramSet(a: readonly string[], b: readonly string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((p, i) => p === y[i]);
}

function programsText(programs: readonly string[]): string {
  return programs.length === 0 ? 'no program stated' : programs.join(', ');
}

/**
 * Appends a basis event to every hold not released that cites an entry `change` removes or
 * whose programs it changes. Returns every such hold with its event for this version, whether
 * recorded now or by an earlier run (so a caller that crashed before alerting alerts on a re-run;
 * alerts are keyed, so nobody is paged twice).
 */
export async function applyListChangeToHolds(repo: HoldsRepo, change: ListVersionChange): Promise<HoldBasisChange[]> {
  const removed = new Map(change.removed.map((e) => [e.entryUid, e]));
  const changed = new Map(
    change.changed.filter((c) => !sameProgramSet(c.before.programs, c.after.programs)).map((c) => [c.after.entryUid, c]),
  );
  const uids = [...removed.keys(), ...changed.keys()];
  const out: HoldBasisChange[] = [];
  for (const hold of await repo.holdsCitingEntries(change.listId, uids)) {
    // A hold raised under this version or a later one already cites what is in force.
    if (hold.listVersion >= change.version) continue;
    const gone = removed.get(hold.entryUid);
    const moved = changed.get(hold.entryUid);
    const entity = hold.entityName ?? 'unnamed entry';
    const result =
      gone !== undefined
        ? await repo.recordBasisChange(hold.id, {
            listId: change.listId,
            listVersion: change.version,
            entryUid: hold.entryUid,
            basis: 'withdrawn',
            programsBefore: [...gone.programs],
            programsAfter: null,
            reason:
              `basis withdrawn: list ${change.listId} v${change.version} no longer lists entry ${hold.entryUid} ` +
              `(${entity} [${programsText(gone.programs)}]); the hold stays ${hold.state} until a person decides`,
          })
        : moved !== undefined
          ? await repo.recordBasisChange(hold.id, {
              listId: change.listId,
              listVersion: change.version,
              entryUid: hold.entryUid,
              basis: 'changed',
              programsBefore: [...moved.before.programs],
              programsAfter: [...moved.after.programs],
              reason:
                `basis changed: list ${change.listId} v${change.version} changed the programs of entry ${hold.entryUid} ` +
                `(${entity}) from [${programsText(moved.before.programs)}] to [${programsText(moved.after.programs)}]`,
            })
          : null;
    if (result !== null) out.push(result);
  }
  return out;
}

/** The page for each hold whose basis a list version withdrew or changed (one per hold and version). */
export function holdBasisAlerts(changes: readonly HoldBasisChange[], at: Date): HoldBasisChangedAlert[] {
  return changes.map(({ hold, event }) =>
    holdBasisChangedAlert(
      {
        holdId: hold.id,
        holdKey: hold.holdKey,
        accountId: hold.accountId,
        holdState: hold.state,
        chain: hold.chain,
        txid: hold.txid,
        counterparty: hold.counterparty,
        listId: event.listId,
        citedVersion: hold.listVersion,
        entryUid: hold.entryUid,
        entityName: hold.entityName,
        basis: event.basis,
        newVersion: event.listVersion,
        programsBefore: event.programsBefore,
        programsAfter: event.programsAfter,
      },
      at,
    ),
  );
}

/**
 * After a list version became active (committed): records the basis events of the holds it
 * affects and hands each hold's page to `tell` (queue it, or dispatch it). A page that cannot
 * be handed on is logged and the rest still go; the events are recorded either way.
 */
export async function afterListActivation(
  repo: HoldsRepo,
  change: ListVersionChange,
  tell: (alert: HoldBasisChangedAlert) => Promise<unknown>,
  log: Logger,
): Promise<HoldBasisChange[]> {
  const changes = await applyListChangeToHolds(repo, change);
  for (const c of changes) {
    log.warn(
      {
        hold: c.hold.id,
        holdKey: c.hold.holdKey,
        state: c.hold.state,
        list: change.listId,
        version: change.version,
        basis: c.event.basis,
        entryUid: c.hold.entryUid,
        recordedNow: c.created,
      },
      c.event.basis === 'withdrawn' ? "hold's list entry withdrawn; hold stays until a person decides" : "hold's list entry changed its programs",
    );
  }
  for (const alert of holdBasisAlerts(changes, new Date())) {
    await tell(alert).catch((err: unknown) =>
      log.error({ err, hold: alert.details.holdId, dedupKey: alert.dedupKey }, 'cannot hand on the hold basis alert; the basis event is recorded'),
    );
  }
  return changes;
}
