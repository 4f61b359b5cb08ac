/**
 * The fake Bitcoin Core answers like the real one where Cordon depends on it: auth, JSON-RPC
 * framing and status codes per version, error codes and texts, REST paths and their errors.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startBitcoinCoreServer, type BitcoinCoreServer } from '../../helpers/bitcoin-core-server.js';
import { SHARED_FIXTURES } from '../../helpers/fixtures.js';
import { buildScenario, idOf } from './regtest-chain.js';

const AUTH = `Basic ${Buffer.from('cordon:secret').toString('base64')}`;
const FIXTURE = readFileSync(`${SHARED_FIXTURES}bitcoin/block413567.raw`);
const FIXTURE_HASH = '0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069';

let core: BitcoinCoreServer;
const scenario = buildScenario();

async function rpc(body: unknown, auth: string | null = AUTH): Promise<{ status: number; json: unknown; headers: Headers; text: string }> {
  const res = await fetch(core.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: auth }) }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, json, headers: res.headers, text };
}

const call = (method: string, params: unknown[] = [], jsonrpc = '2.0') => rpc({ jsonrpc, id: 7, method, params });

beforeAll(async () => {
  core = await startBitcoinCoreServer({ network: 'regtest' });
  for (const b of [scenario.blocks.b0, scenario.blocks.b1, scenario.blocks.b2]) core.addBlock(b);
});
afterAll(async () => core?.close());

describe('fake Bitcoin Core: JSON-RPC', () => {
  it('refuses requests without the right credentials: 401, WWW-Authenticate, empty body', async () => {
    for (const auth of [null, `Basic ${Buffer.from('cordon:wrong').toString('base64')}`]) {
      const r = await rpc({ method: 'getblockcount' }, auth);
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Basic realm="jsonrpc"');
      expect(r.text).toBe('');
    }
  });

  it('answers only POST on the RPC port (405)', async () => {
    const res = await fetch(core.url, { headers: { authorization: AUTH } });
    expect(res.status).toBe(405);
    expect(await res.text()).toBe('JSONRPC server handles only POST requests');
  });

  it('answers JSON-RPC 2.0 requests with HTTP 200 and only result or error (Core ≥ 28)', async () => {
    expect((await call('getblockcount')).json).toEqual({ jsonrpc: '2.0', result: 2, id: 7 });
    const r = await call('getblockhash', [9]);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ jsonrpc: '2.0', error: { code: -8, message: 'Block height out of range' }, id: 7 });
  });

  it('answers legacy requests with both members, and HTTP 500 / 404 for a single failed call', async () => {
    expect((await rpc({ id: 1, method: 'getbestblockhash', params: [] })).json).toEqual({ result: idOf(scenario.blocks.b2), error: null, id: 1 });
    const notFound = await rpc({ id: 1, method: 'getblockheader', params: ['00'.repeat(32)] });
    expect(notFound.status).toBe(500);
    expect(notFound.json).toEqual({ result: null, error: { code: -5, message: 'Block not found' }, id: 1 });
    const noMethod = await rpc({ id: 1, method: 'sendtoaddress', params: [] });
    expect(noMethod.status).toBe(404);
    expect(noMethod.json).toEqual({ result: null, error: { code: -32601, message: 'Method not found' }, id: 1 });
    const parse = await rpc('{not json');
    expect(parse.status).toBe(500);
    expect(parse.json).toMatchObject({ error: { code: -32700, message: 'Parse error' } });
  });

  it('answers a batch with HTTP 200 and one reply per call, errors included', async () => {
    const r = await rpc([
      { jsonrpc: '2.0', id: 1, method: 'getblockhash', params: [0] },
      { jsonrpc: '2.0', id: 2, method: 'getblockhash', params: ['zero'] },
      { jsonrpc: '2.0', id: 3, method: 'nosuchmethod', params: [] },
    ]);
    expect(r.status).toBe(200);
    expect(r.json).toEqual([
      { jsonrpc: '2.0', result: idOf(scenario.blocks.b0), id: 1 },
      { jsonrpc: '2.0', error: { code: -3, message: 'JSON value of type string is not of expected type number' }, id: 2 },
      { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: 3 },
    ]);
  });

  it('checks hash parameters like ParseHashV (-8) and unknown blocks (-5)', async () => {
    expect((await call('getblock', ['abc'])).json).toMatchObject({ error: { code: -8, message: "blockhash must be of length 64 (not 3, for 'abc')" } });
    expect((await call('getblock', ['zz'.repeat(32)])).json).toMatchObject({ error: { code: -8, message: `blockhash must be hexadecimal string (not '${'zz'.repeat(32)}')` } });
    expect((await call('getblock', ['11'.repeat(32), 0])).json).toMatchObject({ error: { code: -5, message: 'Block not found' } });
  });

  it('serves headers (verbose and raw) and blocks at verbosity 0-3, prevouts at 3', async () => {
    const h1 = idOf(scenario.blocks.b1);
    const header = (await call('getblockheader', [h1])).json as { result: Record<string, unknown> };
    expect(header.result).toMatchObject({ hash: h1, height: 1, confirmations: 2, previousblockhash: idOf(scenario.blocks.b0), nextblockhash: idOf(scenario.blocks.b2), nTx: 3 });
    expect((await call('getblockheader', [h1, false])).json).toEqual({ jsonrpc: '2.0', result: scenario.blocks.b1.subarray(0, 80).toString('hex'), id: 7 });
    expect((await call('getblock', [h1, 0])).json).toEqual({ jsonrpc: '2.0', result: scenario.blocks.b1.toString('hex'), id: 7 });
    const v1 = (await call('getblock', [h1])).json as { result: { tx: unknown[] } };
    expect(v1.result.tx).toEqual([scenario.txids.cb1, scenario.txids.tx1, scenario.txids.tx2]);
    const v3 = (await call('getblock', [h1, 3])).json as { result: { tx: { vin: { prevout?: { value: number; scriptPubKey: { hex: string } } }[] }[] } };
    expect(v3.result.tx[1]?.vin.map((i) => i.prevout?.value)).toEqual([50, 25]);
    const v2 = (await call('getblock', [h1, 2])).json as { result: { tx: { vin: { prevout?: unknown }[] }[] } };
    expect(v2.result.tx[1]?.vin[0]?.prevout).toBeUndefined();
  });

  it('answers verbosity 3 like 2 (no prevouts) when it plays Core 24', async () => {
    core.settings.version = 240100;
    try {
      const v3 = (await rpc({ id: 1, method: 'getblock', params: [idOf(scenario.blocks.b1), 3] })).json as { result: { tx: { vin: { prevout?: unknown }[] }[] } };
      expect(v3.result.tx[1]?.vin[0]?.prevout).toBeUndefined();
    } finally {
      core.settings.version = 280100;
    }
  });

  it('finds transactions with getrawtransaction only with txindex or a block hash, with Core’s -5 texts', async () => {
    const txid = scenario.txids.tx1;
    expect((await call('getrawtransaction', [txid, false])).json).toMatchObject({
      error: { code: -5, message: 'No such mempool transaction. Use -txindex or provide a block hash to enable blockchain transaction queries. Use gettransaction for wallet transactions.' },
    });
    const inBlock = (await call('getrawtransaction', [txid, false, idOf(scenario.blocks.b1)])).json as { result: string };
    expect(typeof inBlock.result).toBe('string');
    expect((await call('getrawtransaction', [txid, false, idOf(scenario.blocks.b2)])).json).toMatchObject({
      error: { code: -5, message: 'No such transaction found in the provided block. Use gettransaction for wallet transactions.' },
    });
    core.settings.txindex = true;
    try {
      expect((await call('getrawtransaction', [txid, false])).json).toEqual(inBlock);
      expect((await call('getrawtransaction', ['12'.repeat(32)])).json).toMatchObject({ error: { code: -5, message: 'No such mempool or blockchain transaction. Use gettransaction for wallet transactions.' } });
    } finally {
      core.settings.txindex = false;
    }
  });

  it('takes credentials from a cookie file it rewrites on restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cordon-cookie-'));
    const cookieFile = join(dir, '.cookie');
    const node = await startBitcoinCoreServer({ auth: { cookieFile } });
    try {
      node.addBlock(scenario.blocks.b0);
      const cookie = () => `Basic ${Buffer.from(readFileSync(cookieFile, 'utf8')).toString('base64')}`;
      const before = cookie();
      const ask = (auth: string) => fetch(node.url, { method: 'POST', headers: { authorization: auth }, body: JSON.stringify({ id: 1, method: 'getblockcount' }) });
      expect((await ask(before)).status).toBe(200);
      expect(readFileSync(cookieFile, 'utf8')).toMatch(/^__cookie__:[0-9a-f]{64}$/);
      node.rotateCookie();
      expect((await ask(before)).status).toBe(401);
      expect((await ask(cookie())).status).toBe(200);
    } finally {
      await node.close();
    }
  });
});

describe('fake Bitcoin Core: REST', () => {
  const get = async (path: string) => {
    const res = await fetch(`${core.url}/rest/${path}`);
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') };
  };

  it('serves a block as bin, hex and json without credentials', async () => {
    const h = idOf(scenario.blocks.b2);
    const bin = await get(`block/${h}.bin`);
    expect(bin.status).toBe(200);
    expect(bin.body.equals(scenario.blocks.b2)).toBe(true);
    expect((await get(`block/${h}.hex`)).body.toString()).toBe(`${scenario.blocks.b2.toString('hex')}\n`);
    expect(JSON.parse((await get(`block/${h}.json`)).body.toString())).toMatchObject({ hash: h, height: 2 });
  });

  it('writes Core’s REST errors: 404 "<hash> not found", 400 "Invalid hash", unknown format', async () => {
    const missing = '22'.repeat(32);
    expect(await get(`block/${missing}.bin`)).toMatchObject({ status: 404, type: 'text/plain' });
    expect((await get(`block/${missing}.bin`)).body.toString()).toBe(`${missing} not found\r\n`);
    expect((await get('block/xyz.bin')).body.toString()).toBe('Invalid hash: xyz\r\n');
    expect((await get('block/xyz.bin')).status).toBe(400);
    expect((await get(`block/${missing}.xml`)).body.toString()).toBe('output format not found (available: .bin, .hex, .json)\r\n');
  });

  it('serves linked headers by count (new and deprecated paths) and hashes by height', async () => {
    const h0 = idOf(scenario.blocks.b0);
    const three = await get(`headers/${h0}.bin?count=3`);
    expect(three.body.length).toBe(240);
    expect(three.body.subarray(160, 240).equals(scenario.blocks.b2.subarray(0, 80))).toBe(true);
    expect((await get(`headers/2/${h0}.bin`)).body.length).toBe(160);
    expect((await get(`headers/${h0}.bin?count=0`)).body.toString()).toBe('Header count is invalid or out of acceptable range (1-2000): 0\r\n');
    expect((await get(`headers/${'33'.repeat(32)}.bin?count=5`)).body.length).toBe(0);
    expect((await get('blockhashbyheight/1.hex')).body.toString()).toBe(`${idOf(scenario.blocks.b1)}\n`);
    expect((await get('blockhashbyheight/1.bin')).body.equals(Buffer.from(idOf(scenario.blocks.b1), 'hex').reverse())).toBe(true);
    expect(await get('blockhashbyheight/99.bin')).toMatchObject({ status: 404 });
    expect((await get('blockhashbyheight/99.bin')).body.toString()).toBe('Block height out of range\r\n');
  });

  it('has no REST handlers at all when -rest is off: 404 with an empty body', async () => {
    core.settings.rest = false;
    try {
      const r = await get(`block/${idOf(scenario.blocks.b0)}.bin`);
      expect(r.status).toBe(404);
      expect(r.body.length).toBe(0);
    } finally {
      core.settings.rest = true;
    }
  });

  it('serves the recorded mainnet block at its height, bytes unchanged', async () => {
    const node = await startBitcoinCoreServer({ network: 'mainnet' });
    try {
      const served = node.addBlock(FIXTURE, { height: 413567 });
      expect(served.hash).toBe(FIXTURE_HASH);
      const res = await fetch(`${node.url}/rest/block/${FIXTURE_HASH}.bin`);
      expect(Buffer.from(await res.arrayBuffer()).equals(FIXTURE)).toBe(true);
      const count = await fetch(node.url, { method: 'POST', headers: { authorization: AUTH }, body: JSON.stringify({ id: 1, method: 'getblockcount' }) });
      expect(((await count.json()) as { result: number }).result).toBe(413567);
    } finally {
      await node.close();
    }
  });
});
