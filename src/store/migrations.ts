import { createHash } from 'node:crypto';
import type { Db } from './db.js';
import { MigrationError } from './errors.js';
import { toDate } from './convert.js';
import { migration001 } from './migrations/001-initial.js';
import { migration002 } from './migrations/002-hold-delivery.js';
import { migration003 } from './migrations/003-orphaned-blocks.js';
import { migration004 } from './migrations/004-alert-claims.js';
import { migration005 } from './migrations/005-exchange-utxos.js';
import { migration006 } from './migrations/006-watched-address-versions.js';
import { migration007 } from './migrations/007-watched-address-pages.js';
import { migration008 } from './migrations/008-hold-asset-units.js';
import { migration009 } from './migrations/009-bnb-beacon-family.js';
import { migration010 } from './migrations/010-handed-blocks.js';
import { migration011 } from './migrations/011-hold-revisions.js';
import { migration012 } from './migrations/012-list-approvals.js';
import { migration013 } from './migrations/013-attributed-transfers.js';
import { migration014 } from './migrations/014-list-version-effects.js';
import { migration015 } from './migrations/015-drop-transfers-seen.js';

export interface Migration {
  /** 1, 2, 3 … without gaps; applied in this order. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Every migration this build knows, in order. Append; never edit a released one. */
export const MIGRATIONS: readonly Migration[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
  migration007,
  migration008,
  migration009,
  migration010,
  migration011,
  migration012,
  migration013,
  migration014,
  migration015,
];

export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
  readonly appliedAt: Date;
}

export interface MigrateResult {
  /** Versions applied by this call (empty when the schema was already current). */
  readonly applied: number[];
  readonly current: number;
}

export function checksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

interface MigrationRow {
  version: number;
  name: string;
  checksum: string;
  applied_at: Date;
}

/**
 * Brings the schema up to date in one transaction. An advisory lock (per schema) makes
 * concurrent starts wait for each other, so each migration runs exactly once.
 */
export async function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrateResult> {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new MigrationError(`migration list out of order: position ${i + 1} holds version ${m.version}`);
    }
  });

  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('cordon.migrations:' || current_schema()))`);
    await tx.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version     INTEGER     PRIMARY KEY,
        name        TEXT        NOT NULL,
        checksum    TEXT        NOT NULL,
        applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    const rows = await tx.query<MigrationRow>(
      'SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version',
    );

    const known = new Map(migrations.map((m) => [m.version, m]));
    for (const row of rows) {
      const m = known.get(row.version);
      if (m === undefined) {
        throw new MigrationError(
          `database schema is at version ${row.version} (${row.name}) but this Cordon knows only up to ` +
            `${migrations.length}; run a newer Cordon against this database`,
        );
      }
      if (checksum(m.sql) !== row.checksum) {
        throw new MigrationError(
          `migration ${m.version} (${m.name}) was changed after it was applied to this database; ` +
            `released migrations are frozen — put the change in a new migration`,
        );
      }
    }

    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      try {
        await tx.exec(m.sql);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new MigrationError(`migration ${m.version} (${m.name}) failed: ${reason}`, { cause: err });
      }
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        checksum(m.sql),
      ]);
      applied.push(m.version);
    }
    return { applied, current: migrations.length };
  });
}

/** What `schema_migrations` records, oldest first. */
export async function appliedMigrations(db: Db): Promise<AppliedMigration[]> {
  const rows = await db.query<MigrationRow>(
    'SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version',
  );
  return rows.map((r) => ({
    version: r.version,
    name: r.name,
    checksum: r.checksum,
    appliedAt: toDate(r.applied_at, 'schema_migrations.applied_at'),
  }));
}
