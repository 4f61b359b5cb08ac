import { Writable } from 'node:stream';
import { holdRaisedAlert, type HoldFacts } from '../../src/domain/alert.js';
import { createLogger, type Logger } from '../../src/log/logger.js';

export const TORNADO = '0x8589427373D6D84E98730D7795D8f6f8731FDA16';

let seq = 0;

/** A hold on a deposit from Tornado Cash; each call a distinct transfer unless `n` is given. */
export function holdFacts(n: number = ++seq): HoldFacts {
  const txid = `0x${n.toString(16).padStart(64, '0')}`;
  const transferId = `ethereum:${txid}:tx`;
  const entryUid = `sdn:30518:ETH:${TORNADO}`;
  return {
    holdKey: `acct-42|${transferId}|${entryUid}`,
    accountId: 'acct-42',
    chain: 'ethereum',
    txid,
    transferId,
    direction: 'deposit',
    counterparty: TORNADO,
    exchangeAddress: '0x1111111111111111111111111111111111111111',
    listId: 'ofac-sdn',
    listVersion: 7,
    entryUid,
    entityName: 'TORNADO CASH',
    programs: ['CYBER2', 'DPRK3'],
    authority: 'OFAC',
    amount: '1500000000000000000',
    amountInUnits: '1.5',
    symbol: 'ETH',
    asset: 'native',
    block: '21000000',
    blockHash: `0x${'ab'.repeat(32)}`,
  };
}

export const holdAlert = (n?: number) => holdRaisedAlert(holdFacts(n), new Date('2025-03-01T12:00:00Z'));

/** A JSON logger whose every line is kept as text, to search for secrets. */
export function captureLog(): { log: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger({ level: 'debug', pretty: false }, stream), lines, text: () => lines.join('\n') };
}
