import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('logging', () => {
  it('writes structured JSON with component child loggers', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'info', pretty: 'auto' }, stream);
    log.child({ component: 'sanctions' }).info({ list: 'ofac-sdn', version: 3 }, 'list snapshot stored');
    expect(lines[0]).toMatchObject({ level: 30, service: 'cordon', component: 'sanctions', list: 'ofac-sdn', version: 3, msg: 'list snapshot stored' });
  });

  it('never writes a secret, at the top level or nested in a channel or hook object', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'info', pretty: false }, stream);
    log.info(
      {
        secret: 's3cret-top',
        channel: { name: 'oncall', routingKey: 'R0UTING-KEY-123', webhookUrl: 'https://hooks.slack.example/T0/B0/xyz' },
        hook: { request: { headers: { authorization: 'Bearer tok-abc' } } },
        cfg: { exchangeHook: { secret: 'hook-secret-456' } },
      },
      'delivering',
    );
    const text = JSON.stringify(lines);
    for (const s of ['s3cret-top', 'R0UTING-KEY-123', 'hooks.slack.example', 'tok-abc', 'hook-secret-456']) expect(text).not.toContain(s);
    expect(lines[0]).toMatchObject({ channel: { name: 'oncall', routingKey: '[redacted]' } });
    log.child({ endpoint: { url: 'http://node', token: 'child-tok-789' } }).warn('rpc error');
    expect(JSON.stringify(lines[1])).not.toContain('child-tok-789');
  });
});
