/**
 * Slack incoming webhook: a message a person can act on — what happened, to whom, the legal
 * basis, and the transaction hash as copyable code. `text` is the summary (notifications and
 * clients without blocks show it); `blocks` lay out the facts.
 *
 * Answers: 200 `ok`; 400 invalid_payload, 403 action_prohibited, 404 channel_not_found,
 * 410 channel_is_archived (permanent); 429 with `Retry-After` seconds and 5xx (retry).
 * The webhook URL is the secret: it never leaves this closure.
 */
import type { Alert } from '../domain/alert.js';
import type { AlertChannel } from './channel.js';
import { postAlert, urlSecrets, type PostAlert } from './http.js';

export interface SlackChannelOptions {
  readonly name: string;
  readonly webhookUrl: string;
  readonly timeoutMs?: number;
  /** Sends the request (default: from this thread; the daemon passes its alert sender thread's). */
  readonly post?: PostAlert;
}

export function createSlackChannel(opts: SlackChannelOptions): AlertChannel {
  const post = opts.post ?? postAlert;
  const { webhookUrl } = opts;
  const secrets = urlSecrets(webhookUrl);
  return {
    name: opts.name,
    type: 'slack',
    send(alert) {
      return post(webhookUrl, JSON.stringify(slackMessage(alert)), {
        timeoutMs: opts.timeoutMs ?? 10_000,
        secrets,
        delivered: [200],
      });
    },
  };
}

type TextObject = { readonly type: 'mrkdwn' | 'plain_text'; readonly text: string };
export type SlackBlock =
  | { readonly type: 'header'; readonly text: TextObject }
  | { readonly type: 'section'; readonly text: TextObject; readonly fields?: readonly TextObject[] }
  | { readonly type: 'context'; readonly elements: readonly TextObject[] };

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

const TITLES: Readonly<Record<Alert['kind'], string>> = {
  hold_raised: 'Sanctions hold raised',
  match_alert: 'Sanctions match (no hold)',
  hold_orphaned: 'Hold orphaned by a reorg',
  hold_reopened: 'Hold reopened: transaction mined again',
  failed_jobs: 'Failed jobs piling up',
  list_refresh_refused: 'Sanctions list refresh refused',
  follower_lagging: 'Chain follower falling behind',
  hook_delivery_failing: 'Exchange hook not delivering a hold',
  chain_stalled: 'Chain node not answering',
  chain_recovered: 'Chain node answering again',
  block_failed: 'Block failed: not screened',
  list_version_pending: 'Sanctions list version awaits approval',
  hold_basis_changed: "A hold's legal basis was withdrawn or changed",
};

const ICONS: Readonly<Record<Alert['severity'], string>> = {
  critical: ':rotating_light:',
  error: ':red_circle:',
  warning: ':warning:',
  info: ':information_source:',
};

export function slackMessage(alert: Alert): SlackMessage {
  const fields = slackFields(alert).map(([label, value]) => mrkdwn(`*${label}*\n${value}`.slice(0, 2000)));
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: `${TITLES[alert.kind]} (${alert.severity})`.slice(0, 150) } },
    { type: 'section', text: mrkdwn(`${ICONS[alert.severity]} ${escape(alert.summary)}`) },
  ];
  // Slack allows at most 10 fields per section.
  for (let i = 0; i < fields.length; i += 10) {
    blocks.push({ type: 'section', text: mrkdwn(i === 0 ? '*Details*' : ' '), fields: fields.slice(i, i + 10) });
  }
  blocks.push({
    type: 'context',
    elements: [mrkdwn(`Cordon · ${alert.kind} · ${alert.at} · dedup \`${escape(alert.dedupKey)}\``.slice(0, 2000))],
  });
  return { text: alert.summary, blocks };
}

function slackFields(alert: Alert): [string, string][] {
  switch (alert.kind) {
    case 'hold_raised':
    case 'match_alert':
    case 'hold_orphaned':
    case 'hold_reopened': {
      const d = alert.details;
      const account = d.accountId ?? `none (hot wallet ${d.exchangeAddress ?? 'unknown'})`;
      const rows: [string, string][] = [
        ['Account', escape(account)],
        ['Legal basis', escape(`${d.entityName ?? 'unnamed entry'} — ${d.programs.join(', ') || 'no program stated'}`)],
        ['List', escape(`${d.listId} v${d.listVersion} (${d.authority}), entry ${d.entryUid}`)],
        ['Counterparty', code(d.counterparty)],
        ['Transfer', escape(`${d.chain} ${d.direction}, ${d.amount} ${d.asset} (base units)`)],
        ['Transaction', code(d.txid)],
        ['Block', escape(`${d.block} `) + code(d.blockHash)],
      ];
      if (d.exchangeAddress !== null) rows.push(['Exchange address', code(d.exchangeAddress)]);
      if (alert.kind === 'hold_orphaned') rows.push(['Why orphaned', escape(alert.details.reason)]);
      if (alert.kind === 'hold_reopened') rows.push(['Why reopened', escape(alert.details.reason)], ['State', escape(alert.details.state)]);
      return rows;
    }
    case 'failed_jobs':
      return [
        ['Queue', escape(alert.details.queue)],
        ['Failed jobs', String(alert.details.count)],
      ];
    case 'list_refresh_refused':
      return [
        ['List', escape(alert.details.listId)],
        ['Still active', alert.details.keptVersion === null ? '*nothing*' : `version ${alert.details.keptVersion}`],
        ['Reason', escape(alert.details.reason)],
        ['Refused content', alert.details.contentHash === null ? 'not downloaded' : code(alert.details.contentHash)],
      ];
    case 'follower_lagging':
      return [
        ['Chain', escape(alert.details.chain)],
        ['Behind by', `${alert.details.lag} blocks (allowed ${alert.details.maxLag})`],
        ['Processed', alert.details.processed],
        ['Head', alert.details.head],
      ];
    case 'hook_delivery_failing': {
      const d = alert.details;
      return [
        ['Hold', escape(`${d.holdId} `) + code(d.holdKey)],
        ['Account', escape(d.accountId)],
        ['Exchange answered', escape(d.error)],
        ['Failed attempts', String(d.failedAttempts)],
        ['Hook', escape(d.target)],
        ['Next attempt', escape(d.nextAttemptAt)],
        ['Transaction', escape(`${d.chain} `) + code(d.txid)],
      ];
    }
    case 'chain_stalled':
      return [
        ['Chain', escape(alert.details.chain)],
        ['No head read for', `${alert.details.ageSeconds} s (allowed ${alert.details.maxHeadAgeSeconds} s)`],
        ['Last head read', escape(alert.details.lastHeadAt)],
        ['Last error', escape(alert.details.lastError ?? 'none recorded')],
      ];
    case 'chain_recovered':
      return [
        ['Chain', escape(alert.details.chain)],
        ['Stalled since', escape(alert.details.stalledSince)],
        ['Stalled for', `${alert.details.stalledSeconds} s`],
      ];
    case 'block_failed':
      return [
        ['Chain', escape(alert.details.chain)],
        ['Block', escape(`${alert.details.block} `) + code(alert.details.blockHash)],
        ['Queue', escape(`${alert.details.queue} (job ${alert.details.jobId}, ${alert.details.attempts} attempts)`)],
        ['Error', escape(alert.details.error)],
        ['Fix', escape(alert.details.fix ?? 'fix the cause, then `cordon queues --retry-failed`')],
      ];
    case 'list_version_pending': {
      const d = alert.details;
      const parties = (ps: typeof d.removedParties) =>
        ps.length === 0 ? 'none' : escape(ps.slice(0, 10).map((p) => `${p.name ?? '(unnamed)'}${p.sdnId === null ? '' : `, SDN ${p.sdnId}`}: ${p.count}`).join('\n'));
      return [
        ['List', escape(d.listId)],
        ['Still active', d.keptVersion === null ? '*nothing*' : `version ${d.keptVersion}`],
        ['Awaiting approval', escape(`pending #${d.pendingId}, ${d.entries} entries, ${d.about ?? `downloaded ${d.fetchedAt}`}`)],
        ['Changes', `+${d.added} −${d.removed} ~${d.changed}`],
        ['Removes', parties(d.removedParties)],
        ['Changes programs of', parties(d.changedParties)],
        ['Why refused', escape(d.reason)],
        ['Approve', code(`cordon lists approve ${d.listId} --by <name> --reason <text>`)],
      ];
    }
    case 'hold_basis_changed': {
      const d = alert.details;
      return [
        ['Hold', escape(`${d.holdId} (${d.holdState}) `) + code(d.holdKey)],
        ['Account', escape(d.accountId)],
        ['Basis', escape(d.basis === 'withdrawn' ? `withdrawn by ${d.listId} v${d.newVersion}` : `changed by ${d.listId} v${d.newVersion}`)],
        ['Entry', escape(`${d.entityName ?? 'unnamed entry'}, ${d.entryUid} (raised under v${d.citedVersion})`)],
        ['Programs', escape(`${d.programsBefore.join(', ') || '-'} → ${d.programsAfter === null ? 'no longer listed' : d.programsAfter.join(', ') || '-'}`)],
        ['Counterparty', code(d.counterparty)],
        ['Transaction', escape(`${d.chain} `) + code(d.txid)],
      ];
    }
  }
}

function mrkdwn(text: string): TextObject {
  return { type: 'mrkdwn', text };
}

/** Slack's three control characters in mrkdwn. */
function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function code(s: string): string {
  return `\`${escape(s.replace(/`/g, "'"))}\``;
}
