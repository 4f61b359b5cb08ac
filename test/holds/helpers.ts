import type { AssetUnits } from '../../src/domain/amount.js';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { NormalisedAddress } from '../../src/domain/address.js';
import { blockHash, type BlockHash } from '../../src/domain/block.js';
import type { ListPolicy, Match } from '../../src/domain/match.js';
import { listId, type EntryDraft, type SanctionEntry } from '../../src/domain/sanction-entry.js';
import type { Asset } from '../../src/domain/transfer.js';
import { createLogger, type Logger } from '../../src/log/logger.js';
import { openStore, type Store } from '../../src/store/store.js';
import { openPostgresTestStore } from '../helpers/pg-schema.js';

export type Backend = 'pglite' | 'postgres';
export const BACKENDS: readonly Backend[] = ['pglite', 'postgres'];

export { PG_URL } from '../helpers/pg-schema.js';

export interface TestStore {
  readonly store: Store;
  /** Closes the store and, for postgres, drops its schema. */
  close(): Promise<void>;
}

/** A migrated, empty store: PGlite in memory, or a fresh PostgreSQL schema dropped on close. */
export async function openTestStore(backend: Backend): Promise<TestStore> {
  if (backend === 'pglite') {
    const store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
    return { store, close: () => store.close() };
  }
  return openPostgresTestStore('cordon_holds', 4);
}

/** Tests build addresses by hand; production code gets them only from the normaliser. */
export function addr(raw: string): NormalisedAddress {
  return raw as NormalisedAddress;
}

export const TORNADO = addr('0x8589427373d6d84e98730d7795d8f6f8731fda16');
export const DEPOSIT_ADDRESS = addr('0x1111111111111111111111111111111111111111');
export const USDT = addr('0xdac17f958d2ee523a2206206994597c13d831ec7');

export const tornadoEntry: EntryDraft = {
  entryUid: `sdn:30518:ETH:${TORNADO}`,
  address: TORNADO,
  family: 'evm',
  ticker: 'ETH',
  entityName: 'TORNADO CASH',
  programs: ['CYBER2', 'DPRK3'],
  source: { file: 'lists/sdn_advanced.xml', element: 'DistinctParty[FixedRef=30518]/Feature[ID=100412]' },
};

/** Stores an `ofac-sdn` snapshot with the Tornado entry (holds reference a stored entry). */
export async function seedSdn(store: Store): Promise<SanctionEntry> {
  const id = listId('ofac-sdn');
  const version = await store.lists.insertSnapshot({
    listId: id,
    contentHash: `sha256:${randomBytes(8).toString('hex')}`,
    source: 'lists/sdn_advanced.xml',
    entries: [tornadoEntry],
    addedCount: 1,
    removedCount: 0,
  });
  return { ...tornadoEntry, listId: id, listVersion: version };
}

export function hash(n: number): BlockHash {
  return blockHash(`0x${n.toString(16).padStart(64, '0')}`);
}

let txCounter = 0;
/** A fresh transaction hash, so each test has its own transfer. */
export function freshTx(): string {
  txCounter += 1;
  return `0x${randomBytes(28).toString('hex')}${txCounter.toString(16).padStart(8, '0')}`;
}

export interface MatchOptions {
  readonly entry: SanctionEntry;
  readonly txHash: string;
  readonly accountId?: string | null;
  readonly policy?: ListPolicy;
  readonly block?: { readonly number: bigint; readonly hash: BlockHash };
  readonly asset?: Asset;
  readonly amount?: bigint;
  readonly units?: AssetUnits | null;
}

/** A deposit from Tornado Cash into an exchange deposit address. */
export function depositMatch(o: MatchOptions): Match {
  const block = o.block ?? { number: 19_000_000n, hash: hash(1) };
  return {
    transfer: {
      chain: 'ethereum',
      blockNumber: block.number,
      blockHash: block.hash,
      txHash: o.txHash,
      position: 'tx',
      kind: 'native',
      asset: o.asset ?? { kind: 'native' },
      from: TORNADO,
      to: DEPOSIT_ADDRESS,
      amount: o.amount ?? 100_000_000_000_000_000_000n,
      txFrom: TORNADO,
    },
    direction: 'deposit',
    accountId: o.accountId === undefined ? 'acct-7731' : o.accountId,
    exchangeAddress: DEPOSIT_ADDRESS,
    counterparty: TORNADO,
    entry: o.entry,
    policy: o.policy ?? 'hold',
    authority: 'OFAC',
    units: o.units ?? null,
  };
}

/** A JSON logger writing to memory: `text()` is everything logged so far. */
export function memoryLogger(): { log: Logger; lines: Record<string, unknown>[]; text: () => string } {
  const raw: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) {
        raw.push(l);
        lines.push(JSON.parse(l) as Record<string, unknown>);
      }
      done();
    },
  });
  const log = createLogger({ level: 'trace', pretty: false }, stream);
  return { log, lines, text: () => raw.join('\n') };
}
