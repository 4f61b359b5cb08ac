/**
 * A small local JSON-RPC proxy in front of a real node (anvil) that injects faults per
 * method: the one place in the tests where a fake is right, because real nodes misbehave
 * only at random.
 *
 *   const proxy = await startRpcFaultServer({ upstream: node.url });
 *   proxy.inject({ method: 'eth_getBlockReceipts', fault: { kind: 'wrong-block' }, times: 1 });
 *   // point a source at proxy.url ...
 *   proxy.count('eth_getBlockReceipts'); // calls seen, faulty or not
 *   proxy.maxInFlight('eth_getBlockByNumber'); // most requests holding such a call at once
 *   await proxy.close();
 *
 * Whole-request faults (timeout, http, garbage, slow) hit the HTTP request that contains a
 * matching call; per-call faults (rpc-error, wrong-block, rewrite) change only that call's answer, the
 * rest of the batch is forwarded. A rule with `times` is used up after that many requests
 * (per-call rules: calls); without, it applies until `clear()`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  /** Never answer (the client's timeout fires). */
  | { readonly kind: 'timeout' }
  /** An HTTP error status, e.g. 429 with Retry-After. */
  | { readonly kind: 'http'; readonly status: number; readonly body?: string; readonly headers?: Readonly<Record<string, string>> }
  /** The real answer, `ms` late (to hold requests open, e.g. to count them in flight). */
  | { readonly kind: 'slow'; readonly ms: number }
  /** 200 with a body that is not JSON. */
  | { readonly kind: 'garbage'; readonly body?: string }
  /** A JSON-RPC error object for the call. */
  | { readonly kind: 'rpc-error'; readonly code: number; readonly message: string }
  /** The real answer with its block hash replaced everywhere by another hash. */
  | { readonly kind: 'wrong-block'; readonly hash?: string }
  /** The real answer passed through a function. */
  | { readonly kind: 'rewrite'; readonly fn: (result: unknown, params: readonly unknown[]) => unknown };

export interface FaultRule {
  /** A method name, a pattern, or '*' for every call. */
  readonly method: string | RegExp;
  readonly fault: Fault;
  readonly times?: number;
  /** Only calls whose params satisfy this. */
  readonly when?: (params: readonly unknown[]) => boolean;
}

export interface RpcFaultServer {
  readonly url: string;
  inject(rule: FaultRule): void;
  clear(): void;
  /** Calls seen per method (every call, faulty or not). */
  count(method: string): number;
  /** Faults applied so far, per kind. */
  applied(kind: Fault['kind']): number;
  /** The most HTTP requests holding a call of `method` that were open at once. */
  maxInFlight(method: string): number;
  close(): Promise<void>;
}

interface Call {
  readonly jsonrpc?: string;
  readonly id?: unknown;
  readonly method: string;
  readonly params?: readonly unknown[];
}

interface LiveRule {
  readonly rule: FaultRule;
  remaining: number;
}

const WHOLE_REQUEST = new Set<Fault['kind']>(['timeout', 'http', 'garbage', 'slow']);
export const OTHER_BLOCK_HASH = `0x${'ab'.repeat(32)}`;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The block hash an answer is about: its blockHash, or a block's own hash. */
function blockHashIn(v: unknown): string | undefined {
  if (Array.isArray(v)) {
    for (const x of v) {
      const h = blockHashIn(x);
      if (h !== undefined) return h;
    }
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o['blockHash'] === 'string') return o['blockHash'];
  if (typeof o['hash'] === 'string' && typeof o['parentHash'] === 'string') return o['hash'];
  for (const x of Object.values(o)) {
    const h = blockHashIn(x);
    if (h !== undefined) return h;
  }
  return undefined;
}

export async function startRpcFaultServer(opts: { readonly upstream: string }): Promise<RpcFaultServer> {
  let rules: LiveRule[] = [];
  const counts = new Map<string, number>();
  const appliedCounts = new Map<string, number>();
  const open = new Map<string, number>();
  const mostOpen = new Map<string, number>();
  const held = new Set<ServerResponse>();

  const matches = (r: LiveRule, c: Call): boolean => {
    if (r.remaining <= 0) return false;
    const m = r.rule.method;
    const ok = m === '*' || (typeof m === 'string' ? m === c.method : m.test(c.method));
    return ok && (r.rule.when === undefined || r.rule.when(c.params ?? []));
  };
  const use = (r: LiveRule): Fault => {
    r.remaining--;
    appliedCounts.set(r.rule.fault.kind, (appliedCounts.get(r.rule.fault.kind) ?? 0) + 1);
    return r.rule.fault;
  };

  async function forward(calls: readonly Call[]): Promise<Record<string, unknown>[]> {
    if (calls.length === 0) return [];
    const res = await fetch(opts.upstream, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(calls) });
    const body = (await res.json()) as unknown;
    return (Array.isArray(body) ? body : [body]) as Record<string, unknown>[];
  }

  /** Counts the request as open for each method it holds until it is answered. */
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const methods = new Set<string>();
    try {
      await answer(req, res, methods);
    } finally {
      for (const m of methods) open.set(m, (open.get(m) ?? 1) - 1);
    }
  }

  async function answer(req: IncomingMessage, res: ServerResponse, methods: Set<string>): Promise<void> {
    const text = await readBody(req);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      res.writeHead(400).end('bad json');
      return;
    }
    const single = !Array.isArray(parsed);
    const calls = (single ? [parsed] : parsed) as Call[];
    for (const c of calls) counts.set(c.method, (counts.get(c.method) ?? 0) + 1);
    for (const m of new Set(calls.map((c) => c.method))) {
      methods.add(m);
      open.set(m, (open.get(m) ?? 0) + 1);
      mostOpen.set(m, Math.max(mostOpen.get(m) ?? 0, open.get(m) as number));
    }

    // Whole-request faults first.
    for (const r of rules) {
      if (!WHOLE_REQUEST.has(r.rule.fault.kind) || !calls.some((c) => matches(r, c))) continue;
      const f = use(r);
      if (f.kind === 'timeout') {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      if (f.kind === 'http') {
        res.writeHead(f.status, { 'content-type': 'text/plain', ...f.headers }).end(f.body ?? `HTTP ${f.status}`);
        return;
      }
      if (f.kind === 'slow') {
        await new Promise((r) => setTimeout(r, f.ms));
        continue;
      }
      if (f.kind === 'garbage') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(f.body ?? '{"jsonrpc":"2.0","id":1,"result":{"hash":"0x12');
        return;
      }
    }

    // Per-call faults.
    const plan = calls.map((c) => {
      const r = rules.find((x) => !WHOLE_REQUEST.has(x.rule.fault.kind) && matches(x, c));
      return r === undefined ? undefined : use(r);
    });
    const toForward = calls.filter((_, i) => plan[i]?.kind !== 'rpc-error');
    const answers = await forward(toForward);
    const byId = new Map(answers.map((a) => [a['id'], a]));
    const out = calls.map((c, i) => {
      const f = plan[i];
      if (f?.kind === 'rpc-error') return { jsonrpc: '2.0', id: c.id, error: { code: f.code, message: f.message } };
      const a = byId.get(c.id) ?? { jsonrpc: '2.0', id: c.id, error: { code: -32603, message: 'proxy: no upstream answer' } };
      if (f === undefined || !('result' in a)) return a;
      if (f.kind === 'rewrite') return { ...a, result: f.fn(a['result'], c.params ?? []) };
      if (f.kind === 'wrong-block') {
        const real = blockHashIn(a['result']);
        if (real === undefined) return a;
        const fake = f.hash ?? OTHER_BLOCK_HASH;
        return { ...a, result: JSON.parse(JSON.stringify(a['result']).split(real).join(fake)) as unknown };
      }
      return a;
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(single ? out[0] : out));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    inject(rule) {
      rules.push({ rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
    },
    clear() {
      rules = [];
    },
    count: (method) => counts.get(method) ?? 0,
    applied: (kind) => appliedCounts.get(kind) ?? 0,
    maxInFlight: (method) => mostOpen.get(method) ?? 0,
    async close() {
      for (const r of held) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
