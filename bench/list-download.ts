/**
 * Peak memory of refreshing OFAC's advanced XML from a URL: a local server serves a ~200 MB
 * document (the real 2025-11-19 XML, padded with comments after its root element) and a child
 * process loads it, sampling its RSS. Prints numbers; asserts nothing.
 *   npx tsx bench/list-download.ts [--mb 200] [--gzip]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};

if (args[0] === '--child') {
  const { loadList } = await import('../src/sanctions/load-list.js');
  const url = args[1] ?? '';
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const result = await loadList({ format: 'ofac-advanced-xml', source: url, programs: [], timeout: 600_000 });
  const ms = performance.now() - t0;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  process.stdout.write(
    `${JSON.stringify({ entries: result.entries.length, ms: Math.round(ms), rssBeforeMB: mb(before), rssPeakSampledMB: mb(peak), vmHwmMB: hwm === undefined ? null : Math.round(Number(hwm) / 1024) })}\n`,
  );
  process.exit(0);
}

function mb(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}

const targetMb = Number(flag('--mb') ?? 200);
const gzip = args.includes('--gzip');
const fixture = fileURLToPath(new URL('../test/fixtures/real/ofac/sdn-advanced-2025-11-19/sdn_advanced.xml.gz', import.meta.url));
const xml = gunzipSync(readFileSync(fixture));
const comment = Buffer.from(`<!-- ${'padding '.repeat(127)} -->\n`);
const padCount = Math.max(0, Math.ceil((targetMb * 1024 * 1024 - xml.length) / comment.length));
const plainBody = Buffer.concat([xml, Buffer.from('\n'), Buffer.alloc(padCount * comment.length, comment)]);
const body = gzip ? gzipSync(plainBody, { level: 1 }) : plainBody;

const server = createServer((req, res) => {
  res.writeHead(200, {
    'content-type': 'application/xml',
    'content-length': body.length,
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  });
  res.end(body);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/SDN_ADVANCED.XML`;
console.log(`serving ${mb(plainBody.length)} MB of XML${gzip ? ` gzipped to ${mb(body.length)} MB (content-encoding: gzip)` : ''} at ${url}`);

const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', url], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
child.stdout.on('data', (d: Buffer) => (out += d.toString()));
const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
server.close();
console.log(code === 0 ? `child: ${out.trim()}` : `child failed (exit ${code}): ${out.trim()}`);
