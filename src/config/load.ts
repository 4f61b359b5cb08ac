import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { checkedConfigSchema, configSchema, type CordonConfig } from './schema.js';
import { keyForEnvWord, schemaKeys } from './schema-keys.js';

const KNOWN_KEYS = schemaKeys(configSchema);

export const DEFAULT_CONFIG_FILE = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));

/** A config that cannot be used: every problem names the file, the key path and what was expected. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** A config file whose top-level sections replace the defaults' sections of the same name. */
  readonly file?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export interface LoadedConfig {
  readonly config: CordonConfig;
  /** The files read, defaults first. */
  readonly files: readonly string[];
}

type Plain = Record<string, unknown>;
const ENV_ORIGIN = 'environment';

/**
 * Defaults (config/default.yaml) ← the --config file, section by section ← `CORDON_A__B=value`
 * environment overrides. `${VAR}` and `${VAR:-fallback}` in strings read the environment, so
 * secrets never live in the file. Relative paths are relative to the file that names them.
 */
export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const problems: string[] = [];
  const files = [DEFAULT_CONFIG_FILE];
  const merged: Plain = {};
  const origin = new Map<string, string>(); // top-level section → file it came from
  const envNames = new Map<string, string[]>(); // top-level section → the CORDON_… variables that set it

  const take = (file: string) => {
    const doc = readYaml(file, problems);
    for (const [section, value] of Object.entries(doc)) {
      merged[section] = value;
      origin.set(section, file);
    }
  };
  take(DEFAULT_CONFIG_FILE);
  if (opts.file) {
    const file = resolve(cwd, opts.file);
    files.push(file);
    take(file);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const substituted = substituteEnv(merged, env, [], (path, msg) => problems.push(`${origin.get(String(path[0])) ?? '?'}: ${formatPath(path)}: ${msg}`));
  const fileOrigin = new Map(origin);
  applyEnvOverrides(substituted, env, origin, envNames);
  resolvePaths(substituted, origin, cwd);
  if (problems.length > 0) throw new ConfigError(problems);

  const parsed = checkedConfigSchema.safeParse(substituted);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.flatMap((issue) => describeIssue(issue, fileOrigin, envNames)));
  }
  return { config: parsed.data, files };
}

function readYaml(file: string, problems: string[]): Plain {
  if (!existsSync(file)) {
    problems.push(`${file}: file not found`);
    return {};
  }
  const doc = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) problems.push(`${file}: ${e.message.split('\n')[0]}`);
    return {};
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${file}: expected a mapping of sections at the top level`);
    return {};
  }
  return value as Plain;
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, path: (string | number)[], fail: (path: (string | number)[], msg: string) => void): unknown {
  if (typeof value === 'string') {
    return value.replace(VAR, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      fail(path, `environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, [...path, i], fail));
  if (value !== null && typeof value === 'object') {
    const out: Plain = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, [...path, k], fail);
    return out;
  }
  return value;
}

/**
 * `CORDON_STORE__DATA_DIR=/var/lib/cordon` (or `…__DATADIR`) sets store.dataDir: each word is
 * matched to a key the schema knows, ignoring case and underscores. Values are read as YAML
 * scalars.
 */
function applyEnvOverrides(target: unknown, env: NodeJS.ProcessEnv, origin: Map<string, string>, envNames: Map<string, string[]>): void {
  if (!isPlain(target)) return;
  const overrides = Object.entries(env)
    .filter((e): e is [string, string] => e[0].startsWith('CORDON_') && e[0].includes('__') && e[1] !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
  for (const [name, raw] of overrides) {
    const keys = name.slice('CORDON_'.length).split('__').map((w) => keyForEnvWord(w, KNOWN_KEYS));
    const section = keys[0];
    if (section === undefined) continue;
    // Switching the store driver replaces the whole section: the old driver's keys do not apply.
    if (keys.length === 2 && section === 'store' && keys[1] === 'driver') target['store'] = {};
    let node: Plain = target;
    for (const key of keys.slice(0, -1)) {
      if (!isPlain(node[key])) node[key] = {};
      node = node[key] as Plain;
    }
    node[keys[keys.length - 1] as string] = parseScalar(raw);
    origin.set(section, ENV_ORIGIN);
    envNames.set(section, [...(envNames.get(section) ?? []), name]);
  }
}

function parseScalar(raw: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return raw;
}

function resolvePaths(cfg: unknown, origin: Map<string, string>, cwd: string): void {
  if (!isPlain(cfg)) return;
  const base = (section: string) => {
    const file = origin.get(section);
    return file === undefined || file === ENV_ORIGIN ? cwd : dirname(file);
  };
  const store = cfg['store'];
  if (isPlain(store) && typeof store['dataDir'] === 'string' && !store['dataDir'].startsWith('memory://')) {
    store['dataDir'] = resolve(base('store'), store['dataDir']);
  }
  const lists = cfg['lists'];
  if (Array.isArray(lists)) {
    for (const list of lists) {
      if (isPlain(list) && typeof list['source'] === 'string' && !/^https?:\/\//.test(list['source']) && !isAbsolute(list['source'])) {
        list['source'] = resolve(base('lists'), list['source']);
      }
    }
  }
}

/**
 * `<where>: <key path>: <what was expected>`, where is the file that set the section, or the
 * environment variables that did (an override can misspell a section or key as well as a file).
 */
function describeIssue(issue: z.core.$ZodIssue, fileOrigin: ReadonlyMap<string, string>, envNames: ReadonlyMap<string, string[]>): string[] {
  const where = (section: string): string => {
    const vars = envNames.get(section);
    const file = fileOrigin.get(section);
    if (vars === undefined) return file ?? DEFAULT_CONFIG_FILE;
    return file === undefined ? `environment (${vars.join(', ')})` : `${file} or the environment (${vars.join(', ')})`;
  };
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    // Unknown top-level sections each come from somewhere of their own.
    if (issue.path.length === 0) return issue.keys.map((k) => `${where(k)}: (top level): unknown section "${k}"`);
    return [`${where(String(issue.path[0]))}: ${path}: unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`];
  }
  return [`${where(String(issue.path[0]))}: ${path || '(top level)'}: ${issue.message}`];
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
