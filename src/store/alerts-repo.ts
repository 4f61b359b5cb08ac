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
}

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
    async finishAlert(channel, dedupKey, status) {
      await db.query(
        `UPDATE alerts_sent SET status = $3, sent_at = now(), lease_until = NULL WHERE channel = $1 AND dedup_key = $2`,
        [channel, dedupKey, status],
      );
    },
  };
}
