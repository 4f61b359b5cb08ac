import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listId } from '../../src/domain/sanction-entry.js';
import { loadActiveLists } from '../../src/sanctions/active-lists.js';
import { refreshList, type RefreshRequest } from '../../src/sanctions/refresh-list.js';
import { screenAddress } from '../../src/sanctions/screen-address.js';
import { openStore, type Store } from '../../src/store/index.js';
import { SDN_CSV_2021, SDN_CSV_MIXED } from '../helpers/fixtures.js';

const log = pino({ level: 'silent' });
let SDN = listId('ofac-sdn');
let runs = 0;
const TIAN_XBT = '134r8iHv69xdT6p5qVKTsHrcUEuBVZAYak';

function request(source: string, extra: Partial<RefreshRequest> = {}): RefreshRequest {
  return { listId: SDN, format: 'ofac-sdn-csv', source, programs: [], timeout: 2_000, maxDropShare: 0.1, ...extra };
}

/** A folder holding a copy of the 2021 set, with sdn.csv replaced by `sdn`. */
function variant(sdn: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-sdn-'));
  writeFileSync(join(dir, 'sdn.csv'), sdn);
  copyFileSync(join(SDN_CSV_2021, 'sdn_comments.csv'), join(dir, 'sdn_comments.csv'));
  return dir;
}

async function isListed(store: Store, address: string): Promise<boolean> {
  const active = await loadActiveLists(store.lists, new Set([SDN]));
  return screenAddress(active.index, address).matches.length > 0;
}

describe('list refresh keeps the last good snapshot when a source is bad', () => {
  let store: Store;
  const sdnText = readFileSync(join(SDN_CSV_2021, 'sdn.csv'), 'utf8');
  const dirs: string[] = [];
  const tmp = (sdn: string) => {
    const d = variant(sdn);
    dirs.push(d);
    return d;
  };

  // One embedded store for the suite (starting PGlite takes seconds); a fresh list id per test.
  beforeAll(async () => {
    store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
  });
  beforeEach(async () => {
    SDN = listId(`ofac-sdn-${++runs}`);
    // sdn-csv-2021 has 97 addresses, one of them kept as an exact string (39 hex digits, as OFAC wrote it).
    const first = await refreshList(store.lists, log, request(SDN_CSV_2021));
    expect(first).toMatchObject({ outcome: 'accepted', version: 1, entries: 97 });
  });
  afterAll(async () => {
    await store.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function expectRefusedAndKept(result: Awaited<ReturnType<typeof refreshList>>, reason: RegExp) {
    expect(result).toMatchObject({ outcome: 'rejected', keptVersion: 1, reason: expect.stringMatching(reason) });
    expect((await store.lists.latestSnapshot(SDN))?.version).toBe(1);
    expect(await isListed(store, TIAN_XBT)).toBe(true);
    const [attempt] = await store.lists.refreshAttempts(SDN, 1);
    expect(attempt).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(reason) });
  }

  it('refuses a file truncated mid-record', async () => {
    const cut = sdnText.slice(0, Math.floor(sdnText.length * 0.6));
    await expectRefusedAndKept(await refreshList(store.lists, log, request(tmp(cut))), /never closed|truncated/);
  });

  it('refuses a file truncated at a record boundary (too many entries would disappear)', async () => {
    const lines = sdnText.split('\r\n');
    const half = `${lines.slice(0, Math.floor(lines.length / 2)).join('\r\n')}\r\n`;
    await expectRefusedAndKept(await refreshList(store.lists, log, request(tmp(half))), /would remove \d+ of 97 entries/);
  });

  it('refuses garbage', async () => {
    const html = '<!doctype html><html><body>Service Unavailable</body></html>\n';
    await expectRefusedAndKept(await refreshList(store.lists, log, request(tmp(html))), /refused/);
  });

  it('refuses a source that is missing', async () => {
    await expectRefusedAndKept(await refreshList(store.lists, log, request('/nonexistent/sdn')), /cannot read/);
  });

  it('stores a real new version with its diff, and reports an unchanged one as unchanged', async () => {
    const again = await refreshList(store.lists, log, request(SDN_CSV_2021));
    expect(again).toMatchObject({ outcome: 'unchanged', version: 1 });
    const mixed = await refreshList(store.lists, log, request(SDN_CSV_MIXED, { allowDrop: true, approval: { by: 'A. Analyst', reason: 'a real new version' } }));
    expect(mixed.outcome).toBe('accepted');
    if (mixed.outcome !== 'accepted') return;
    expect(mixed.version).toBe(2);
    expect(mixed.diff.added.length).toBeGreaterThan(0);
    expect(mixed.diff.removed.length).toBeGreaterThan(0);
    const snap = await store.lists.latestSnapshot(SDN);
    expect(snap).toMatchObject({ version: 2, entryCount: 205, addedCount: mixed.diff.added.length, removedCount: mixed.diff.removed.length });
  });
});

describe('list refresh from a URL', () => {
  let server: Server;
  let base: string;
  let mode: 'ok' | '503' | 'hang' = 'ok';
  const files: Record<string, string> = {
    '/SDN.CSV': readFileSync(join(SDN_CSV_2021, 'sdn.csv'), 'utf8'),
    '/SDN_COMMENTS.CSV': readFileSync(join(SDN_CSV_2021, 'sdn_comments.csv'), 'utf8'),
  };

  beforeAll(async () => {
    // A fake server only for faults a real publisher cannot be made to produce on demand.
    server = createServer((req, res) => {
      if (mode === 'hang') return; // never answers
      if (mode === '503') return void res.writeHead(503).end('unavailable');
      const body = files[req.url ?? ''];
      if (body === undefined) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/csv' }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('downloads sdn.csv and its sibling comments file; a 503 or a hang later keeps the snapshot', async () => {
    const store = await openStore({ driver: 'pglite', dataDir: 'memory://' });
    mode = 'ok';
    expect(await refreshList(store.lists, log, request(`${base}/SDN.CSV`))).toMatchObject({ outcome: 'accepted', entries: 97 });
    mode = '503';
    expect(await refreshList(store.lists, log, request(`${base}/SDN.CSV`))).toMatchObject({
      outcome: 'rejected',
      keptVersion: 1,
      reason: expect.stringMatching(/HTTP 503/),
    });
    mode = 'hang';
    expect(await refreshList(store.lists, log, request(`${base}/SDN.CSV`, { timeout: 300 }))).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(/no answer within 300 ms/),
    });
    expect(await isListed(store, TIAN_XBT)).toBe(true);
    await store.close();
  });
});
