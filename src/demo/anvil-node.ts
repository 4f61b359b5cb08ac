/**
 * A local Ethereum node for the demo: anvil (Foundry), from the npm package
 * `@foundry-rs/anvil` (its per-platform binary package), on a free local port. Killed on
 * `stop()` and, as a safety net, when this process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { DemoError } from './demo-error.js';

/** anvil's default dev accounts (mnemonic "test test ... junk"): 10,000 ETH each, unlocked. */
export const DEV_ACCOUNTS = [
  '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
  '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
  '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc',
  '0x90f79bf6eb2c4f870365e785982e1f101e93b906',
] as const;

export const ANVIL_CHAIN_ID = 31337;

export interface AnvilNode {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly binary: string;
  rpc<T>(method: string, params?: readonly unknown[]): Promise<T>;
  /** Kills the node; resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

/** The anvil binary: `CORDON_DEMO_ANVIL`, else the one `npm ci` installed for this platform. */
export function anvilBinary(env: NodeJS.ProcessEnv = process.env): string {
  const given = env['CORDON_DEMO_ANVIL'];
  if (given !== undefined && given !== '') {
    if (!existsSync(given)) throw new DemoError(`CORDON_DEMO_ANVIL=${given}: no such file`);
    return given;
  }
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  const file = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  try {
    return createRequire(import.meta.url).resolve(`${pkg}/bin/${file}`);
  } catch {
    throw new DemoError(
      `anvil is not installed (looked for the npm package ${pkg}). Run \`npm ci\` in the repository ` +
        '(it installs @foundry-rs/anvil), or set CORDON_DEMO_ANVIL to an anvil binary.',
    );
  }
}

/** A port nobody listens on right now (the OS picks it; anvil needs an explicit one). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

interface RpcAnswer {
  readonly result?: unknown;
  readonly error?: { readonly code: number; readonly message: string };
}

export async function startAnvil(args: readonly string[] = []): Promise<AnvilNode> {
  const binary = anvilBinary();
  let lastError: unknown;
  // Another process can take the port between freePort() and anvil's bind: try a few times.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(binary, await freePort(), args);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

async function launch(binary: string, port: number, extra: readonly string[]): Promise<AnvilNode> {
  const child = spawn(binary, ['--silent', '--host', '127.0.0.1', '--port', String(port), ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 4_000) stderr += d.toString();
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      running.delete(child);
      resolve();
    });
    child.once('error', (err) => {
      stderr += err.message;
    });
  });

  const url = `http://127.0.0.1:${port}`;
  let nextId = 1;
  const rpc = async <T>(method: string, params: readonly unknown[] = []): Promise<T> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
    });
    if (!res.ok) throw new Error(`anvil ${method}: HTTP ${res.status}`);
    const answer = (await res.json()) as RpcAnswer;
    if (answer.error !== undefined) throw new Error(`anvil ${method}: ${answer.error.code} ${answer.error.message}`);
    return answer.result as T;
  };
  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exit;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (exited) throw new DemoError(`anvil (${binary}) exited during start: ${stderr.trim() || 'no message'}`);
    try {
      await rpc('eth_chainId');
      return { url, binary, rpc, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new DemoError(`anvil did not answer on ${url} within 15 s: ${stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
