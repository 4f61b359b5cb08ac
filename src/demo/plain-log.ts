import { Writable } from 'node:stream';

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
/** Fields a newcomer does not need on one line. */
const HIDDEN = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname', 'holdKey', 'txid', 'hash']);

/**
 * A destination for Cordon's logger that prints each JSON log record as one plain line,
 * `  cordon warn: hold raised (component=pipeline, account=acct-alice, ...)`, so the demo's
 * output stays readable while it still shows what the service itself says.
 */
export function plainLogStream(write: (line: string) => void): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      pending += chunk.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const record = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (record.trim() !== '') write(formatRecord(record));
      }
      done();
    },
  });
}

export function formatRecord(record: string): string {
  let obj: unknown;
  try {
    obj = JSON.parse(record) as unknown;
  } catch {
    return `  cordon: ${record}`;
  }
  if (typeof obj !== 'object' || obj === null) return `  cordon: ${record}`;
  const fields = obj as Record<string, unknown>;
  const level = typeof fields['level'] === 'number' ? (LEVELS[fields['level']] ?? String(fields['level'])) : 'log';
  const extra = Object.entries(fields)
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'object' && v !== null ? shortJson(v) : String(v)}`);
  return `  cordon ${level}: ${String(fields['msg'] ?? '')}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
}

function shortJson(v: object): string {
  const message = (v as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  const s = JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 119)}…` : s;
}
