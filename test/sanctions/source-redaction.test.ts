/**
 * Credentials in a list's source URL (`user:password@`, `?apikey=`) are used to download it and
 * never appear in a log line, a stored refresh record or snapshot, or an alert.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { refreshRequestFor } from '../../src/cli/list-requests.js';
import { listConfigSchema } from '../../src/config/schema.js';
import { listRefreshRefusedAlert } from '../../src/domain/alert.js';
import { listId } from '../../src/domain/sanction-entry.js';
import { createLogger } from '../../src/log/logger.js';
import { refreshList } from '../../src/sanctions/refresh-list.js';
import { redactSourceUrl, redactUrlsIn } from '../../src/sanctions/source-url.js';
import { openStore, type Store } from '../../src/store/index.js';
import { startFakeListServer, type FakeListServer } from './fake-list-server.js';

const SECRETS = ['SECRETKEY123', 'hunter2'];

describe('redactSourceUrl', () => {
  it.each([
    ['https://host/x.xml?apikey=K&v=2', 'https://host/x.xml?apikey=***&v=***'],
    ['https://user:pass@host:8443/a/b.csv', 'https://***@host:8443/a/b.csv'],
    ['https://user:pass@host/x?token=T#frag', 'https://***@host/x?token=***#***'],
    ['http://host/x?SECRET', 'http://host/x?***'],
    ['https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN_ADVANCED.XML', 'https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN_ADVANCED.XML'],
    ['/etc/cordon/watchlist.csv', '/etc/cordon/watchlist.csv'],
    ['https://u:p@[not a url?k=v', 'https://***@[not a url?k=***'],
  ])('%s → %s', (source, shown) => {
    expect(redactSourceUrl(source)).toBe(shown);
  });

  it('redacts every URL inside a message', () => {
    expect(redactUrlsIn('GET http://a:b@h/x?key=1 failed, then https://h/y?t=2.')).toBe('GET http://***@h/x?key=*** failed, then https://h/y?t=***');
  });
});

describe('credentials in a source URL', () => {
  let server: FakeListServer;
  let store: Store;
  let n = 0;
  beforeAll(async () => {
    server = await startFakeListServer();
    store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
  });
  afterAll(async () => {
    await server.close();
    await store.close();
  });

  /** A configured list with `source`, refreshed through the wiring `cordon run` uses, logs captured. */
  async function refresh(source: string) {
    const id = `secret-${++n}`;
    const list = listConfigSchema.parse({ id, format: 'plain', ticker: 'ETH', source, policy: 'hold', authority: 'test', timeout: '10s' });
    const lines: string[] = [];
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const result = await refreshList(store.lists, createLogger({ level: 'trace', pretty: false }, out), refreshRequestFor(list));
    return { id: listId(id), result, logs: lines.join('') };
  }

  const expectNoSecret = (text: string) => {
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  };

  it('are used for the download and kept out of the log, the snapshot and its entries', async () => {
    const { id, result, logs } = await refresh(`http://cordon:hunter2@${server.base.slice(7)}/auth/sanctioned_addresses_ETH.txt?apikey=SECRETKEY123`);
    expect(result).toMatchObject({ outcome: 'accepted', entries: 3 });
    expect(logs).toContain('list snapshot stored');
    expectNoSecret(logs);
    const snap = await store.lists.latestSnapshot(id);
    expect(snap?.source).toBe(`http://***@${server.base.slice(7)}/auth/sanctioned_addresses_ETH.txt?apikey=***`);
    const entries = await store.lists.snapshotEntries(id, 1);
    expect(entries).toHaveLength(3);
    expectNoSecret(JSON.stringify(entries));
  });

  it.each([
    ['a refusal (HTTP 403)', '/deny/sanctioned_addresses_ETH.txt', /HTTP 403 Forbidden from http:\/\/\*\*\*@127\.0\.0\.1:\d+\/deny\/sanctioned_addresses_ETH\.txt\?apikey=\*\*\*/],
    ['a redirect loop', '/loop/a', /redirect loop: http:\/\/127\.0\.0\.1:\d+\/loop\/a\?apikey=\*\*\* → \S+\/loop\/b → \S+\/loop\/a → \S+\/loop\/b;/],
    ['no server', null, /download failed: connect ECONNREFUSED/],
  ])('are kept out of the log, the refused refresh record and the alert after %s', async (_what, path, reason) => {
    const source = path === null ? 'http://cordon:hunter2@127.0.0.1:1/x.txt?apikey=SECRETKEY123' : `http://cordon:hunter2@${server.base.slice(7)}${path}?apikey=SECRETKEY123`;
    const { id, result, logs } = await refresh(source);
    expect(result).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(reason) });
    expect(logs).toContain('list refresh refused');
    expectNoSecret(logs);
    const attempts = await store.lists.refreshAttempts(id, 10);
    expect(attempts).toHaveLength(1);
    expectNoSecret(JSON.stringify(attempts));
    if (result.outcome !== 'rejected') return;
    const alert = listRefreshRefusedAlert({ listId: result.listId, keptVersion: result.keptVersion, reason: result.reason, contentHash: null }, new Date());
    expect(alert.summary).toMatch(reason);
    expectNoSecret(JSON.stringify(alert));
  });
});
