import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEMO = join(ROOT, 'dist/demo/run-demo.js');
/** The e2e suites use Redis databases 11-16 and the demo's own default is 9. */
const REDIS_URL = 'redis://127.0.0.1:6379/10';

function runDemo(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (!existsSync(DEMO)) throw new Error(`${DEMO} is missing: run \`npm run build\` first (npm test does)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('npm run demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-demo-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs end to end: two holds (deposit + withdrawal) with their legal basis, two alerts, two hook deliveries, exit 0', async () => {
    const { code, stdout, stderr } = await runDemo({ CORDON_DEMO_REDIS_URL: REDIS_URL, CORDON_DEMO_DIR: dir, CORDON_API_TOKEN: '' });
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toContain('using redis://127.0.0.1:6379/10: database 10, flushed now');
    expect(stdout).toContain('ofac-sdn v1: 760 addresses from lists/ofac-sdn-digital-currency.json');
    expect(stdout).toContain('  2 holds:');
    expect(stdout).toMatch(/hold #\d+ {2}OPEN {2}account acct-alice {2}deposit {2}2 ETH\n {4}counterparty: {4}0x098b716b8aaf21512996dc57eb0615e2383e2f96\n {4}list \+ entry: {4}ofac-sdn v1, entry sdn:27307:ETH:0x098b716b8aaf21512996dc57eb0615e2383e2f96\n {4}legal authority: US Treasury OFAC, .*; programs DPRK3\n/);
    expect(stdout).toMatch(/hold #\d+ {2}OPEN {2}account acct-bob {2}withdrawal {2}1 ETH\n {4}counterparty: {4}0xa0e1c89ef1a489c9c7de96311ed5ce5d32c20e4b\n/);
    expect(stdout).toContain('is Lazarus Group [DPRK3] on list ofac-sdn v1');
    expect(count(stdout, '→ on-call alert received: hold_raised (critical, signature ok)')).toBe(2);
    expect(stdout).toContain('HOLD on account acct-alice: counterparty 0x098b716b8aaf21512996dc57eb0615e2383e2f96');
    expect(stdout).toContain('HOLD on account acct-bob: counterparty 0xa0e1c89ef1a489c9c7de96311ed5ce5d32c20e4b');
    expect(count(stdout, '→ exchange hook received: hold #')).toBe(2);
    expect(stdout).not.toContain('BAD SIGNATURE');
    expect(stdout).toContain('raised nothing, as it should');
    expect(stdout).toContain('anvil stopped');
    expect(existsSync(join(dir, 'cordon.yaml'))).toBe(true);
    // It ends by saying where the console was and how to sign in.
    expect(stdout.trimEnd().split('\n').slice(-3).join('\n')).toMatch(
      /^Console: http:\/\/127\.0\.0\.1:\d+\/console \(served while the demo ran; `npm run demo -- --keep` keeps it serving until Ctrl-C\)\n {2}sign in with any name and the API token [0-9a-f]{32}\n/,
    );
  }, 120_000);

  it('with --keep, keeps serving the console with both holds until Ctrl-C, then exits 0', async () => {
    if (!existsSync(DEMO)) throw new Error(`${DEMO} is missing: run \`npm run build\` first (npm test does)`);
    const child = spawn(process.execPath, [DEMO, '--keep'], {
      cwd: ROOT,
      env: { ...process.env, CORDON_DEMO_REDIS_URL: REDIS_URL, CORDON_DEMO_DIR: join(dir, 'keep'), CORDON_API_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 90_000;
      while (!stdout.includes('Serving until Ctrl-C.')) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the demo did not get to serving:\n${stdout}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const url = /Console: (http:\/\/127\.0\.0\.1:\d+)\/console/.exec(stdout)?.[1];
      const token = /the API token ([0-9a-f]{32})/.exec(stdout)?.[1];
      expect(url, stdout).toBeDefined();
      expect(token, stdout).toBeDefined();
      // Well after the demo's own steps: still serving.
      await new Promise((r) => setTimeout(r, 1_000));
      const signIn = await fetch(`${url}/console/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ analyst: 'Demo Analyst', token: token ?? '', next: '/console/holds' }).toString(),
      });
      expect(signIn.status).toBe(303);
      const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const queue = await fetch(`${url}/console/holds`, { headers: { cookie } });
      expect(queue.status).toBe(200);
      const page = await queue.text();
      expect(page).toContain('acct-alice');
      expect(page).toContain('acct-bob');
      expect(page).toContain('Lazarus Group');
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);

  it('says plainly how to start Redis when it is not answering, and exits 3', async () => {
    const { code, stderr } = await runDemo({ CORDON_DEMO_REDIS_URL: 'redis://127.0.0.1:1/10', CORDON_DEMO_DIR: join(dir, 'no-redis') });
    expect(code).toBe(3);
    expect(stderr).toContain('Redis is not answering at redis://127.0.0.1:1/10');
    expect(stderr).toContain('redis-server');
  }, 30_000);
});
