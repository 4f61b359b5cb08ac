/**
 * A real Ethereum node for tests: anvil (Foundry) on a free local port.
 *
 *   const node = await startAnvil();            // mines a block per transaction by default
 *   await node.rpc('anvil_mine', ['0x5']);
 *   const head = await node.rpc<string>('eth_blockNumber', []);
 *   await node.stop();
 *
 * `startAnvil` resolves once the node answers `eth_chainId`. Every node is killed on `stop()`
 * and, as a safety net, when the test process exits. `rpc` throws `AnvilRpcError` (with the
 * node's code and message) for a JSON-RPC error answer. The 10 dev accounts (`DEV_ACCOUNTS`)
 * are unlocked, so `eth_sendTransaction` works without keys.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

import { anvilBinary, freePort } from '../../src/demo/anvil-node.js';

// The same binary the demo runs (the platform's @foundry-rs/anvil package, or CORDON_DEMO_ANVIL).
const ANVIL_BIN = anvilBinary();

/** anvil's default dev accounts (mnemonic "test test ... junk"), 10,000 ETH each, unlocked. */
export const DEV_ACCOUNTS = [
  '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
  '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
  '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc',
  '0x90f79bf6eb2c4f870365e785982e1f101e93b906',
  '0x15d34aaf54267db7d7c367839aaf71a00a2c6a65',
  '0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc',
  '0x976ea74026e726554db657fa54763abd0c3a0aa9',
  '0x14dc79964da2c08b23698b3d3cc7ca32193d9955',
  '0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f',
  '0xa0ee7a142d267c1f36714e4a8f75612f20a79720',
] as const;

export interface AnvilOptions {
  /** Mine a block per transaction (anvil's default). false: blocks only via `anvil_mine`/`evm_mine`. */
  readonly automine?: boolean;
  /** Interval mining, seconds (`--block-time`). */
  readonly blockTime?: number;
  readonly chainId?: number;
  /** Dev accounts to create (default 10). */
  readonly accounts?: number;
  readonly gasLimit?: bigint;
  /** More anvil flags, passed as given. */
  readonly args?: readonly string[];
  /** How long to wait for the node to answer, ms (default 15,000). */
  readonly startTimeoutMs?: number;
  /** Listen on this port (e.g. a node restarted behind the same URL); default a free one. */
  readonly port?: number;
}

export interface Anvil {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** One JSON-RPC call; resolves with `result`, throws AnvilRpcError on an error answer. */
  rpc<T = unknown>(method: string, params?: readonly unknown[]): Promise<T>;
  /** Several calls in one JSON-RPC batch; results in request order (throws on any error). */
  rpcBatch<T = unknown>(calls: readonly { method: string; params: readonly unknown[] }[]): Promise<T[]>;
  /** Kills the node; resolves when the process has exited. Idempotent. */
  stop(): Promise<void>;
}

export class AnvilRpcError extends Error {
  override readonly name = 'AnvilRpcError';
  constructor(
    readonly method: string,
    readonly code: number,
    readonly rpcMessage: string,
  ) {
    super(`anvil ${method} failed: ${code} ${rpcMessage}`);
  }
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export { freePort };

interface RpcAnswer {
  readonly id?: unknown;
  readonly result?: unknown;
  readonly error?: { readonly code: number; readonly message: string };
}

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`anvil HTTP ${res.status}: ${await res.text()}`);
  return res.json();
}

function resultOf<T>(method: string, answer: RpcAnswer): T {
  if (answer.error !== undefined) throw new AnvilRpcError(method, answer.error.code, answer.error.message);
  return answer.result as T;
}

export async function startAnvil(opts: AnvilOptions = {}): Promise<Anvil> {
  if (!existsSync(ANVIL_BIN)) throw new Error(`anvil binary not found at ${ANVIL_BIN}; run npm install`);
  installExitHook();
  const args = ['--silent', '--host', '127.0.0.1'];
  if (opts.automine === false) args.push('--no-mining');
  if (opts.blockTime !== undefined) args.push('--block-time', String(opts.blockTime));
  if (opts.chainId !== undefined) args.push('--chain-id', String(opts.chainId));
  if (opts.accounts !== undefined) args.push('--accounts', String(opts.accounts));
  if (opts.gasLimit !== undefined) args.push('--gas-limit', opts.gasLimit.toString());
  args.push(...(opts.args ?? []));

  if (opts.port !== undefined) return launch(opts.port, [...args, '--port', String(opts.port)], opts.startTimeoutMs ?? 15_000);
  // Another process can take the port between freePort() and anvil's bind: retry a few times.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await launch(port, [...args, '--port', String(port)], opts.startTimeoutMs ?? 15_000);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

async function launch(port: number, args: readonly string[], timeoutMs: number): Promise<Anvil> {
  const child = spawn(ANVIL_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 4_000) stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running.delete(child);
      resolve();
    });
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const url = `http://127.0.0.1:${port}`;
  let nextId = 1;
  const rpc = async <T>(method: string, params: readonly unknown[] = []): Promise<T> => {
    const answer = (await post(url, { jsonrpc: '2.0', id: nextId++, method, params })) as RpcAnswer;
    return resultOf<T>(method, answer);
  };
  const rpcBatch = async <T>(calls: readonly { method: string; params: readonly unknown[] }[]): Promise<T[]> => {
    if (calls.length === 0) return [];
    const first = nextId;
    nextId += calls.length;
    const body = calls.map((c, i) => ({ jsonrpc: '2.0', id: first + i, method: c.method, params: c.params }));
    const answers = (await post(url, body)) as RpcAnswer[];
    const byId = new Map(answers.map((a) => [a.id, a]));
    return calls.map((c, i) => {
      const a = byId.get(first + i);
      if (a === undefined) throw new Error(`anvil batch: no answer for ${c.method} (id ${first + i})`);
      return resultOf<T>(c.method, a);
    });
  };
  const stop = async (): Promise<void> => {
    if (hasExited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (hasExited) throw new Error(`anvil exited during start (port ${port}): ${stderr.trim()}`);
    try {
      await rpc('eth_chainId');
      return { url, port, rpc, rpcBatch, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`anvil did not answer on ${url} within ${timeoutMs} ms: ${stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The parts of a receipt the tests read. */
export interface MinedReceipt {
  readonly blockNumber: string;
  readonly blockHash: string;
  readonly status: string;
}

/**
 * The receipt once the node has mined `tx`. With automine, `eth_sendTransaction` may answer
 * before the block is sealed (seen under load), so a test that reads the head right after
 * sending must wait here first.
 */
export async function minedReceipt(node: Pick<Anvil, 'rpc'>, tx: string, timeoutMs = 30_000): Promise<MinedReceipt> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const receipt = await node.rpc<MinedReceipt | null>('eth_getTransactionReceipt', [tx]);
    if (receipt !== null) return receipt;
    if (Date.now() > deadline) throw new Error(`transaction ${tx} not mined within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
