import type { Db } from './db.js';

export const ALERT_STATUSES = ['sent', 'failed', 'suppressed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export interface AlertsRepo {
  /**
   * Records an alert for (channel, dedupKey). True when this is the first record, or when the
   * only earlier record is a failed send (a retry may page); false for a duplicate.
   */
  recordAlertSent(channel: string, dedupKey: string, kind: string, status: AlertStatus): Promise<boolean>;
}

export function alertsRepo(db: Db): AlertsRepo {
  return {
    async recordAlertSent(channel, dedupKey, kind, status) {
      const rows = await db.query<{ channel: string }>(
        `INSERT INTO alerts_sent (channel, dedup_key, kind, status) VALUES ($1, $2, $3, $4)
         ON CONFLICT (channel, dedup_key) DO UPDATE
           SET kind = EXCLUDED.kind, status = EXCLUDED.status, sent_at = now()
           WHERE alerts_sent.status = 'failed'
         RETURNING channel`,
        [channel, dedupKey, kind, status],
      );
      return rows.length === 1;
    },
  };
}
