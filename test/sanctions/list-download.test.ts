/**
 * Downloading list sources from a real (local) HTTP server: OFAC's firewall and the
 * User-Agent, a size cap that keeps the last good snapshot, gzip in every form, redirects.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';

import { listConfigSchema } from '../../src/config/schema.js';
import { listId } from '../../src/domain/sanction-entry.js';
import { loadList, type ListSourceSpec } from '../../src/sanctions/load-list.js';
import { refreshList, type RefreshRequest } from '../../src/sanctions/refresh-list.js';
import { openStore, type Store } from '../../src/store/index.js';
import { SDN_ADVANCED_GZ } from './sdn-advanced-fixtures.js';
import { LISTED_ETH, PLAIN_LIST, startFakeListServer, WAF_PASSES, type FakeListServer } from './fake-list-server.js';

const log = pino({ level: 'silent' });
let server: FakeListServer;

beforeAll(async () => {
  server = await startFakeListServer();
});
afterAll(async () => {
  await server.close();
});

function plain(path: string, extra: Partial<ListSourceSpec> = {}): ListSourceSpec {
  return { format: 'plain', source: `${server.base}${path}`, programs: [], timeout: 10_000, ...extra };
}

const lastUserAgent = (): string | undefined => server.seen.at(-1)?.headers['user-agent'];

describe("OFAC's firewall and the User-Agent", () => {
  it("Cordon's default User-Agent passes the firewall and names Cordon and its version", async () => {
    const r = await loadList(plain('/waf/sanctioned_addresses_ETH.txt'));
    expect(r.entries.map((e) => e.address)).toEqual(LISTED_ETH);
    const ua = lastUserAgent();
    expect(WAF_PASSES(ua)).toBe(true);
    expect(ua).toMatch(/^Mozilla\/5\.0 .*Cordon\/0\.1\.0/);
  });

  it('sends a configured User-Agent', async () => {
    const ua = 'Mozilla/5.0 (X11; Linux x86_64) ExampleExchange-Compliance/2.1';
    const r = await loadList(plain('/waf/sanctioned_addresses_ETH.txt', { userAgent: ua }));
    expect(r.entries).toHaveLength(3);
    expect(lastUserAgent()).toBe(ua);
    expect(r.notes ?? []).toEqual([]);
  });

  it('uses a configured User-Agent the firewall would refuse, with a warning; a refusal says why', async () => {
    const r = await loadList(plain('/plain/sanctioned_addresses_ETH.txt', { userAgent: 'compliance-bot/1' }));
    expect(r.entries).toHaveLength(3);
    expect(lastUserAgent()).toBe('compliance-bot/1');
    expect(r.notes).toEqual([expect.stringMatching(/userAgent "compliance-bot\/1" does not start with "Mozilla\/" and a digit: OFAC's list service refuses/)]);

    await expect(loadList(plain('/waf/sanctioned_addresses_ETH.txt', { userAgent: 'Mozilla/5.0 short' }))).rejects.toThrow(
      /HTTP 403 Forbidden from http:\/\/127\.0\.0\.1:\d+\/waf\/sanctioned_addresses_ETH\.txt: the User-Agent sent \("Mozilla\/5\.0 short"\) is 17 characters long, shorter than 40/,
    );
  });

  it('a configured User-Agent is validated as a header value; maxBytes takes sizes', () => {
    const base = { id: 'x', format: 'plain', source: 'x.txt', policy: 'alert', authority: 'a' };
    expect(listConfigSchema.safeParse({ ...base, userAgent: 'bad\nagent' }).success).toBe(false);
    expect(listConfigSchema.parse({ ...base, maxBytes: '200MiB' }).maxBytes).toBe(200 * 1024 * 1024);
    expect(listConfigSchema.parse({ ...base, maxBytes: 1000 }).maxBytes).toBe(1000);
  });
});

describe('a size cap on downloads and files', () => {
  let store: Store;
  let n = 0;
  beforeAll(async () => {
    store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
  });
  afterAll(async () => {
    await store.close();
  });

  /** A list with one good version (from /plain), then a refresh from `path` with a 1 MiB cap. */
  async function refreshAfterGood(path: string): Promise<{ id: ReturnType<typeof listId>; result: Awaited<ReturnType<typeof refreshList>> }> {
    const id = listId(`capped-${++n}`);
    const req = (p: string): RefreshRequest => ({ listId: id, maxDropShare: 0.1, ...plain(p, { ticker: 'ETH', maxBytes: 1024 * 1024 }) });
    expect(await refreshList(store.lists, log, req('/plain/sanctioned_addresses_ETH.txt'))).toMatchObject({ outcome: 'accepted', version: 1 });
    return { id, result: await refreshList(store.lists, log, req(path)) };
  }

  it.each([
    ['announced by content-length', '/big/sanctioned_addresses_ETH.txt', /the server announces \d+ bytes, larger than the list's maxBytes \(1048576 bytes, 1\.0 MiB\)/],
    ['streamed without a length', '/big/sanctioned_addresses_ETH.txt?chunked=1', /the download is larger than the list's maxBytes \(1048576 bytes/],
    ['a gzip bomb sent as content-encoding', '/bomb/sanctioned_addresses_ETH.txt', /the decompressed content is larger than the list's maxBytes/],
    ['a gzip bomb sent as a .gz file', '/bomb/sanctioned_addresses_ETH.txt.gz', /the decompressed content is larger than the list's maxBytes/],
  ])('a body past maxBytes (%s) is refused and the last good snapshot stays', async (_what, path, reason) => {
    const { id, result } = await refreshAfterGood(path);
    expect(result).toMatchObject({ outcome: 'rejected', keptVersion: 1, reason: expect.stringMatching(reason) });
    expect(result.outcome === 'rejected' && result.reason).toMatch(/raise maxBytes/);
    expect((await store.lists.latestSnapshot(id))?.version).toBe(1);
    const [attempt] = await store.lists.refreshAttempts(id, 1);
    expect(attempt).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(reason) });
  });

  it('a download that stalls after its first bytes is refused at the timeout', async () => {
    await expect(loadList(plain('/stall/sanctioned_addresses_ETH.txt', { timeout: 300 }))).rejects.toThrow(
      /download did not finish within 300 ms \(the list's timeout; \d+ bytes received\)/,
    );
  });

  it('a local file past maxBytes is refused too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cordon-cap-'));
    try {
      const file = join(dir, 'sanctioned_addresses_ETH.txt');
      writeFileSync(file, PLAIN_LIST + '#'.repeat(4096));
      await expect(loadList({ format: 'plain', source: file, programs: [], timeout: 1000, maxBytes: 1024 })).rejects.toThrow(
        /the file is larger than the list's maxBytes \(1024 bytes/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('gzip sources', () => {
  it("a local .gz file loads (OFAC's real advanced XML, 2025-11-19)", async () => {
    const r = await loadList({ format: 'ofac-advanced-xml', source: SDN_ADVANCED_GZ('2025-11-19'), programs: [], timeout: 1000 });
    expect(r.entries).toHaveLength(760);
  });

  it("a download sent with content-encoding: gzip loads (OFAC's real advanced XML)", async () => {
    const r = await loadList({ format: 'ofac-advanced-xml', source: `${server.base}/xml/SDN_ADVANCED.XML`, programs: [], timeout: 30_000 });
    expect(r.entries).toHaveLength(760);
    expect(server.seen.at(-1)?.headers['accept-encoding']).toBe('gzip');
  });

  it('a downloaded .gz file loads, as does a .gz file in a plain-list folder', async () => {
    const r = await loadList(plain('/plain-gz/sanctioned_addresses_ETH.txt.gz'));
    expect(r.entries.map((e) => e.address)).toEqual(LISTED_ETH);
    const dir = mkdtempSync(join(tmpdir(), 'cordon-gz-'));
    try {
      writeFileSync(join(dir, 'sanctioned_addresses_ETH.txt.gz'), gzipSync(PLAIN_LIST));
      const local = await loadList({ format: 'plain', source: dir, programs: [], timeout: 1000 });
      expect(local.entries.map((e) => e.address)).toEqual(LISTED_ETH);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a truncated .gz file is refused, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cordon-gz-'));
    try {
      const file = join(dir, 'sanctioned_addresses_ETH.txt.gz');
      const gz = gzipSync(PLAIN_LIST.repeat(50));
      writeFileSync(file, gz.subarray(0, gz.length - 20));
      await expect(loadList({ format: 'plain', source: file, programs: [], timeout: 1000 })).rejects.toThrow(
        `list source ${file} refused: not a readable .gz (truncated or corrupt)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('redirects', () => {
  it('follows a redirect to a relative Location', async () => {
    const r = await loadList(plain('/moved/sanctioned_addresses_ETH.txt', { ticker: 'ETH' }));
    expect(r.entries).toHaveLength(3);
  });

  it('reports a redirect loop as one, naming each hop', async () => {
    const a = `${server.base}/loop/a`;
    await expect(loadList(plain('/loop/a', { ticker: 'ETH' }))).rejects.toThrow(
      `download failed: redirect loop: ${a} → ${server.base}/loop/b → ${a}`,
    );
  });

  it('gives up after 5 redirects', async () => {
    await expect(loadList(plain('/hop/0', { ticker: 'ETH' }))).rejects.toThrow(
      `download failed: too many redirects (more than 5): ${[0, 1, 2, 3, 4, 5, 6].map((i) => `${server.base}/hop/${i}`).join(' → ')}`,
    );
  });
});
