import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './fixtures.js';

export const CLI = join(PROJECT_ROOT, 'dist/cli.js');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `cordon` CLI (what `npx cordon` runs) as a user would. */
export function runCli(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {}): Promise<CliRun> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: opts.cwd ?? PROJECT_ROOT, env: { ...process.env, ...opts.env }, maxBuffer: 32 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err && typeof err.code === 'number' ? err.code : err ? -1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** A config file in a fresh temp folder; returns its path. */
export function writeConfig(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-cli-'));
  const file = join(dir, 'cordon.yaml');
  writeFileSync(file, yaml);
  return file;
}

export { PG_URL } from './pg-schema.js';
