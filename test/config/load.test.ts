import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { PROJECT_ROOT } from '../helpers/fixtures.js';

function configFile(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-config-'));
  const file = join(dir, 'cordon.yaml');
  writeFileSync(file, yaml);
  return file;
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('works from the embedded defaults alone: PGlite under ./data, local Redis, the OFAC list kept in the repo', () => {
    const { config } = loadConfig({ env: {} });
    expect(config.store).toEqual({ driver: 'pglite', dataDir: join(PROJECT_ROOT, 'data/cordon') });
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.lists[0]).toMatchObject({ id: 'ofac-sdn', policy: 'hold', maxDropShare: 0.1, refresh: 86_400_000 });
    expect(config.lists[0]).toMatchObject({ format: 'ofac-compact-json', authority: expect.stringMatching(/^US Treasury OFAC/) });
    expect(config.lists[0]?.source).toBe(join(PROJECT_ROOT, 'lists/ofac-sdn-digital-currency.json'));
  });

  it('accepts the production example once its secrets are in the environment', () => {
    const env = {
      CORDON_PG_PASSWORD: 'pw',
      ETH_PROVIDER_TOKEN: 'tok',
      PAGERDUTY_ROUTING_KEY: 'R0UT1NGKEY',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.example/T/B/x',
      CORDON_SIEM_WEBHOOK_SECRET: 'a-very-long-siem-secret',
      CORDON_EXCHANGE_HOOK_SECRET: 'a-very-long-exchange-secret',
    };
    const { config } = loadConfig({ file: join(PROJECT_ROOT, 'config/production.example.yaml'), env });
    expect(config.store).toMatchObject({ driver: 'postgres', url: 'postgres://cordon:pw@db.internal:5432/cordon' });
    expect(config.chains.map((c) => c.id)).toEqual(['ethereum', 'tron', 'polygon', 'bitcoin']);
    // The presets filled in what the example leaves out; its own keys won.
    expect(config.chains.map((c) => [c.id, c.family, c.network, c.finality, c.reorgDepth])).toEqual([
      ['ethereum', 'evm', 1, 64, 64],
      ['tron', 'tron', 728126428, 19, 32],
      ['polygon', 'evm', 137, 256, 256],
      ['bitcoin', 'bitcoin', 'mainnet', 6, 12],
    ]);
    const tron = config.chains[1];
    expect(tron?.tokens?.map((t) => [t.address, t.symbol, t.decimals])).toEqual([
      ['TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', 'USDT', 6],
      ['TEkxiTehnzSmSe2XqrBj4w32RUN966rdz8', 'USDC', 6],
    ]);
    expect(tron?.native).toEqual({ symbol: 'TRX', decimals: 6, minHold: '1' });
    expect(config.chains[0]?.tokens?.map((t) => t.minHold)).toEqual(['1', '1']);
    expect(config.alerts.channels.map((c) => c.type)).toEqual(['pagerduty', 'slack', 'webhook']);
    expect(config.lists[0]?.timeout).toBe(300_000);
  });

  it('names the file and the variable when a ${VAR} secret is missing', () => {
    const out = problems(() => loadConfig({ file: join(PROJECT_ROOT, 'config/production.example.yaml'), env: {} }));
    expect(out).toContainEqual(expect.stringMatching(/production\.example\.yaml: store\.url: environment variable CORDON_PG_PASSWORD is not set/));
    expect(out).toContainEqual(expect.stringMatching(/alerts\.channels\[0\]\.routingKey: environment variable PAGERDUTY_ROUTING_KEY is not set/));
  });

  it('refuses an unknown key with the file and key path', () => {
    const file = configFile('redis:\n  url: redis://127.0.0.1:6379\n  pasword: x\n');
    expect(problems(() => loadConfig({ file, env: {} }))).toEqual([`${file}: redis: unknown key(s) "pasword"`]);
  });

  it('refuses a wrong type with the key path and what was expected', () => {
    const file = configFile('lists:\n  - id: x\n    format: plain\n    source: ./x\n    policy: block\n    authority: me\n    maxDropShare: lots\n');
    const out = problems(() => loadConfig({ file, env: {} }));
    expect(out).toContainEqual(expect.stringMatching(new RegExp(`^${file}: lists\\[0\\]\\.policy: .*"hold"`)));
    expect(out).toContainEqual(expect.stringMatching(new RegExp(`^${file}: lists\\[0\\]\\.maxDropShare: .*expected number`)));
  });

  it('refuses YAML that does not parse, and a missing file', () => {
    expect(problems(() => loadConfig({ file: configFile('lists: [\n'), env: {} }))[0]).toMatch(/cordon\.yaml: /);
    expect(problems(() => loadConfig({ file: '/nonexistent/cordon.yaml', env: {} }))).toEqual(['/nonexistent/cordon.yaml: file not found']);
  });

  it('lets the environment override one key, switching the store driver cleanly', () => {
    const { config } = loadConfig({
      env: { CORDON_LOG__LEVEL: 'debug', CORDON_STORE__DRIVER: 'postgres', CORDON_STORE__URL: 'postgres://u@h:5432/db' },
    });
    expect(config.log.level).toBe('debug');
    expect(config.store).toEqual({ driver: 'postgres', url: 'postgres://u@h:5432/db', poolSize: 10 });
  });

  it('finds the key an environment override means however its words are broken: DATADIR, DATA_DIR, POOL_SIZE', () => {
    expect(loadConfig({ env: { CORDON_STORE__DATADIR: '/var/lib/cordon' } }).config.store).toEqual({ driver: 'pglite', dataDir: '/var/lib/cordon' });
    expect(loadConfig({ env: { CORDON_STORE__DATA_DIR: '/var/lib/cordon' } }).config.store).toEqual({ driver: 'pglite', dataDir: '/var/lib/cordon' });
    const { config } = loadConfig({ env: { CORDON_STORE__DRIVER: 'postgres', CORDON_STORE__URL: 'postgres://u@h/db', CORDON_STORE__POOLSIZE: '3' } });
    expect(config.store).toMatchObject({ poolSize: 3 });
  });

  it('blames a misspelt override on the environment variable, not on the defaults file', () => {
    const out = problems(() => loadConfig({ env: { CORDON_STOER__DRIVER: 'postgres' } }));
    expect(out).toEqual(['environment (CORDON_STOER__DRIVER): (top level): unknown section "stoer"']);
    const key = problems(() => loadConfig({ env: { CORDON_STORE__DATADRI: '/x' } }));
    expect(key).toEqual([expect.stringMatching(/^.*default\.yaml or the environment \(CORDON_STORE__DATADRI\): store: unknown key\(s\) "datadri"$/)]);
  });

  it('resolves relative list paths against the file that names them', () => {
    const file = configFile('lists:\n  - id: mine\n    format: plain\n    source: ./lists/mine.txt\n    policy: alert\n    authority: compliance\n');
    const { config } = loadConfig({ file, env: {} });
    expect(config.lists[0]?.source).toBe(join(file, '..', 'lists/mine.txt'));
  });

  it('refuses duplicate list ids', () => {
    const list = '  - {id: a, format: plain, source: ./a, policy: hold, authority: x}\n';
    const out = problems(() => loadConfig({ file: configFile(`lists:\n${list}${list}`), env: {} }));
    expect(out).toContainEqual(expect.stringMatching(/lists\[1\]\.id: duplicate id "a"/));
  });
});
