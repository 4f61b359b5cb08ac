import type { Db } from './db.js';

export const ALERT_STATUSES = ['sent', 'failed', 'suppressed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export type AlertClaim = 'claimed' | 'sent' | 'busy';

export interface AlertsRepo {
  /**
   * Claims the right to send (channel, dedupKey) for `leaseMs`. `claimed` when nobody sent it
   * yet, the last attempt failed, or an earlier claim's lease ran out (its process died);
   * `sent` when it was delivered (or suppressed) already; `busy` while another sender's lease
   * runs — try again later. The claimer extends the lease while it works and records the
   * outcome with `finishAlert`.
   */
  claimAlert(channel: string, dedupKey: string, kind: string, leaseMs: number): Promise<AlertClaim>;
  extendClaim(channel: string, dedupKey: string, leaseMs: number): Promise<void>;
  finishAlert(channel: string, dedupKey: string, status: AlertStatus): Promise<void>;
  /**
   * `claimAlert` for several (channel, dedupKey) pairs in one statement, answers in their
   * order. Each pair at most once per call.
   */
  claimAlerts(claims: readonly AlertToClaim[], leaseMs: number): Promise<AlertClaim[]>;
  /** `finishAlert` for several pairs in one statement. Each pair at most once per call. */
  finishAlerts(outcomes: readonly AlertOutcome[]): Promise<void>;
}

export interface AlertToClaim {
  readonly channel: string;
  readonly dedupKey: string;
  readonly kind: string;
}

export interface AlertOutcome {
  readonly channel: string;
  readonly dedupKey: string;
  readonly status: AlertStatus;
}

/**
 * Channels, dedup keys and one more field, as three arrays for `unnest`, in one loop of this
 * module: callbacks made per call lose their optimised code with the call's closures, and a
 * replay sends thousands of alerts a minute.
 */
function pairColumns<T extends { readonly channel: string; readonly dedupKey: string }>(items: readonly T[], third: (item: T) => string): [string[], string[], string[]] {
  const channels: string[] = [];
  const keys: string[] = [];
  const thirds: string[] = [];
  for (const item of items) {
    channels.push(item.channel);
    keys.push(item.dedupKey);
    thirds.push(third(item));
  }
  return [channels, keys, thirds];
}

const kindOf = (c: AlertToClaim): string => c.kind;
const statusOf = (o: AlertOutcome): string => o.status;

export function alertsRepo(db: Db): AlertsRepo {
  return {
    async claimAlert(channel, dedupKey, kind, leaseMs) {
      const rows = await db.query<{ channel: string }>(
        `INSERT INTO alerts_sent (channel, dedup_key, kind, status, lease_until)
         VALUES ($1, $2, $3, 'sending', now() + $4 * interval '1 millisecond')
         ON CONFLICT (channel, dedup_key) DO UPDATE
           SET kind = EXCLUDED.kind, status = 'sending', lease_until = EXCLUDED.lease_until, sent_at = now()
           WHERE alerts_sent.status = 'failed'
              OR (alerts_sent.status = 'sending' AND alerts_sent.lease_until < now())
         RETURNING channel`,
        [channel, dedupKey, kind, leaseMs],
      );
      if (rows.length === 1) return 'claimed';
      const [row] = await db.query<{ status: string }>(
        `SELECT status FROM alerts_sent WHERE channel = $1 AND dedup_key = $2`,
        [channel, dedupKey],
      );
      // A claim that expired between the two statements is retried by the caller as busy.
      return row?.status === 'sent' || row?.status === 'suppressed' ? 'sent' : 'busy';
    },
    async extendClaim(channel, dedupKey, leaseMs) {
      await db.query(
        `UPDATE alerts_sent SET lease_until = now() + $3 * interval '1 millisecond'
         WHERE channel = $1 AND dedup_key = $2 AND status = 'sending'`,
        [channel, dedupKey, leaseMs],
      );
    },
    async claimAlerts(claims, leaseMs) {
      if (claims.length === 0) return [];
      // The outer SELECT sees alerts_sent as it was before the INSERT: a pair not claimed keeps
      // the status that refused it.
      const rows = await db.query<{ channel: string; dedup_key: string; claimed: boolean; status: string | null }>(
        `WITH input AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS i (channel, dedup_key, kind)
         ), claimed AS (
           INSERT INTO alerts_sent (channel, dedup_key, kind, status, lease_until)
           SELECT channel, dedup_key, kind, 'sending', now() + $4 * interval '1 millisecond' FROM input
           ON CONFLICT (channel, dedup_key) DO UPDATE
             SET kind = EXCLUDED.kind, status = 'sending', lease_until = EXCLUDED.lease_until, sent_at = now()
             WHERE alerts_sent.status = 'failed'
                OR (alerts_sent.status = 'sending' AND alerts_sent.lease_until < now())
           RETURNING channel, dedup_key
         )
         SELECT i.channel, i.dedup_key, c.channel IS NOT NULL AS claimed, s.status
         FROM input i
         LEFT JOIN claimed c ON c.channel = i.channel AND c.dedup_key = i.dedup_key
         LEFT JOIN alerts_sent s ON s.channel = i.channel AND s.dedup_key = i.dedup_key`,
        [...pairColumns(claims, kindOf), leaseMs],
      );
      const answer = new Map<string, (typeof rows)[number]>();
      for (const r of rows) answer.set(`${r.channel}\u0000${r.dedup_key}`, r);
      const out: AlertClaim[] = [];
      for (const c of claims) {
        const r = answer.get(`${c.channel}\u0000${c.dedupKey}`);
        out.push(r?.claimed === true ? 'claimed' : r?.status === 'sent' || r?.status === 'suppressed' ? 'sent' : 'busy');
      }
      return out;
    },
    async finishAlerts(outcomes) {
      if (outcomes.length === 0) return;
      await db.query(
        `UPDATE alerts_sent a SET status = i.status, sent_at = now(), lease_until = NULL
         FROM unnest($1::text[], $2::text[], $3::text[]) AS i (channel, dedup_key, status)
         WHERE a.channel = i.channel AND a.dedup_key = i.dedup_key`,
        pairColumns(outcomes, statusOf),
      );
    },
    async finishAlert(channel, dedupKey, status) {
      await db.query(
        `UPDATE alerts_sent SET status = $3, sent_at = now(), lease_until = NULL WHERE channel = $1 AND dedup_key = $2`,
        [channel, dedupKey, status],
      );
    },
  };
}
