import type { NormalisedAddress } from '../domain/address.js';
import type { Db } from './db.js';
import { toBigInt, toSafeNumber } from './convert.js';

/** An output paying one of the exchange's addresses, as the block that created it showed it. */
export interface ExchangeUtxo {
  readonly chain: string;
  readonly txid: string;
  readonly vout: number;
  readonly blockHash: string;
  readonly blockNumber: bigint;
  readonly address: NormalisedAddress;
  readonly value: bigint;
  /** The transaction that spent it, or null while unspent. */
  readonly spentIn: string | null;
  /** The block that spend was seen in. */
  readonly spentBlockHash: string | null;
}

export interface NewExchangeUtxo {
  readonly txid: string;
  readonly vout: number;
  readonly address: NormalisedAddress;
  readonly value: bigint;
}

export interface UtxoSpend {
  /** The outpoint spent. */
  readonly txid: string;
  readonly vout: number;
  /** The spending transaction. */
  readonly spentIn: string;
}

/**
 * The exchange's unspent outputs on Bitcoin-family chains (migration 005), kept per block by the
 * extract stage. Every write is idempotent (a replayed or retried block changes nothing), and
 * rows of blocks in `orphaned_blocks` count for nothing:
 * - an output created in an orphaned block is not owned (unless the transaction was mined again
 *   in a canonical block, which records a row of its own);
 * - a spend seen in an orphaned block does not make the output spent.
 */
export interface UtxosRepo {
  /** Records outputs created in `block`; returns how many were new. */
  recordOutputs(chain: string, block: { readonly hash: string; readonly number: bigint }, outputs: readonly NewExchangeUtxo[]): Promise<number>;
  /**
   * Marks the recorded outputs among `spends` as spent in `blockHash` (spends of outputs that
   * are not the exchange's are ignored); returns how many rows were marked.
   */
  markSpent(chain: string, blockHash: string, spends: readonly UtxoSpend[]): Promise<number>;
  /**
   * Which of `outpoints` (`txid:vout`) are the exchange's and unspent, as seen by block
   * `asOf` that spends them: created in a block not orphaned, and not spent, or spent only in
   * `asOf` itself (a replay) or in orphaned blocks.
   */
  ownedAmong(chain: string, outpoints: readonly string[], asOf: string): Promise<string[]>;
  /** Rows on `chain` (unspent only, by default), oldest block first: for tests and tooling. */
  listUtxos(chain: string, opts?: { readonly includeSpent?: boolean }): Promise<ExchangeUtxo[]>;
}

interface UtxoRow {
  chain: string;
  txid: string;
  vout: number;
  block_hash: string;
  block_number: string;
  address: string;
  value: string;
  spent_in: string | null;
  spent_block_hash: string | null;
}

function toUtxo(r: UtxoRow): ExchangeUtxo {
  return {
    chain: r.chain,
    txid: r.txid,
    vout: toSafeNumber(r.vout, 'exchange_utxos.vout'),
    blockHash: r.block_hash,
    blockNumber: toBigInt(r.block_number, 'exchange_utxos.block_number'),
    address: r.address as NormalisedAddress,
    value: toBigInt(r.value, 'exchange_utxos.value'),
    spentIn: r.spent_in,
    spentBlockHash: r.spent_block_hash,
  };
}

/** `txid:vout` → its parts; anything else is a programming error. */
function splitOutpoint(key: string): { txid: string; vout: number } {
  const i = key.lastIndexOf(':');
  const vout = Number(key.slice(i + 1));
  if (i <= 0 || !Number.isSafeInteger(vout) || vout < 0) throw new RangeError(`not an outpoint key (txid:vout): ${key}`);
  return { txid: key.slice(0, i), vout };
}

const ORPHANED = (column: string): string =>
  `EXISTS (SELECT 1 FROM orphaned_blocks ob WHERE ob.chain = u.chain AND ob.block_hash = ${column})`;

export function utxosRepo(db: Db): UtxosRepo {
  return {
    async recordOutputs(chain, block, outputs) {
      if (outputs.length === 0) return 0;
      const rows = await db.query<{ txid: string }>(
        `INSERT INTO exchange_utxos (chain, txid, vout, block_hash, block_number, address, value)
         SELECT $1, t, v, $2, $3::bigint, a, val::numeric
         FROM unnest($4::text[], $5::int[], $6::text[], $7::text[]) AS o(t, v, a, val)
         ON CONFLICT (chain, txid, vout, block_hash) DO NOTHING
         RETURNING txid`,
        [
          chain,
          block.hash,
          block.number.toString(),
          outputs.map((o) => o.txid),
          outputs.map((o) => o.vout),
          outputs.map((o) => o.address),
          outputs.map((o) => o.value.toString()),
        ],
      );
      return rows.length;
    },

    async markSpent(chain, blockHash, spends) {
      if (spends.length === 0) return 0;
      const rows = await db.query<{ txid: string }>(
        `UPDATE exchange_utxos u SET spent_in = s.spent_in, spent_block_hash = $2
         FROM unnest($3::text[], $4::int[], $5::text[]) AS s(txid, vout, spent_in)
         WHERE u.chain = $1 AND u.txid = s.txid AND u.vout = s.vout
           AND (u.spent_block_hash IS NULL OR u.spent_block_hash = $2 OR ${ORPHANED('u.spent_block_hash')})
         RETURNING u.txid`,
        [chain, blockHash, spends.map((s) => s.txid), spends.map((s) => s.vout), spends.map((s) => s.spentIn)],
      );
      return rows.length;
    },

    async ownedAmong(chain, outpoints, asOf) {
      if (outpoints.length === 0) return [];
      const parts = [...new Set(outpoints)].map(splitOutpoint);
      const rows = await db.query<{ txid: string; vout: number }>(
        `SELECT DISTINCT u.txid, u.vout
         FROM exchange_utxos u
         JOIN unnest($2::text[], $3::int[]) AS o(txid, vout) ON u.txid = o.txid AND u.vout = o.vout
         WHERE u.chain = $1
           AND NOT ${ORPHANED('u.block_hash')}
           AND (u.spent_block_hash IS NULL OR u.spent_block_hash = $4 OR ${ORPHANED('u.spent_block_hash')})`,
        [chain, parts.map((p) => p.txid), parts.map((p) => p.vout), asOf],
      );
      return rows.map((r) => `${r.txid}:${toSafeNumber(r.vout, 'exchange_utxos.vout')}`);
    },

    async listUtxos(chain, opts = {}) {
      const rows = await db.query<UtxoRow>(
        `SELECT chain, txid, vout, block_hash, block_number::text AS block_number, address, value::text AS value, spent_in, spent_block_hash
         FROM exchange_utxos u
         WHERE chain = $1 AND ($2::boolean OR spent_in IS NULL)
         ORDER BY block_number, txid, vout, block_hash`,
        [chain, opts.includeSpent === true],
      );
      return rows.map(toUtxo);
    },
  };
}
