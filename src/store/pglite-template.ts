/**
 * A new embedded store starts from a template: the data directory of an empty, migrated
 * PGlite database, made once by `npm run build` (dist/pglite-template/) and copied, instead of
 * running initdb at every new data directory (initdb in WebAssembly takes seconds and peaks
 * near 900 MB). A template made by another PGlite version, or with migrations that differ from
 * this build's, is not used; migrations newer than the template are applied at open as usual.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checksum, migrate, MIGRATIONS } from './migrations.js';

/** Beside the compiled code: dist/pglite-template/ (src/ has none; tests from source run initdb). */
const TEMPLATE = fileURLToPath(new URL('../pglite-template', import.meta.url));
const ABOUT = fileURLToPath(new URL('../pglite-template.json', import.meta.url));
/** Copied last: PGlite takes a directory with it for a database, so a copy cut short is redone. */
const PG_VERSION = 'PG_VERSION';

interface TemplateAbout {
  /** The PGlite version that wrote the template: its data files are that version's. */
  readonly pglite: string;
  readonly migrations: readonly { readonly version: number; readonly checksum: string }[];
}

function installedPgliteVersion(): string {
  const entry = import.meta.resolve('@electric-sql/pglite');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', entry), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error('@electric-sql/pglite/package.json names no version');
  return pkg.version;
}

function aboutThisBuild(): TemplateAbout {
  return { pglite: installedPgliteVersion(), migrations: MIGRATIONS.map((m) => ({ version: m.version, checksum: checksum(m.sql) })) };
}

/** Whether a template described by `about` fits this build: same PGlite, its migrations a prefix of ours. */
function fits(about: TemplateAbout, build: TemplateAbout): boolean {
  return (
    about.pglite === build.pglite &&
    about.migrations.length <= build.migrations.length &&
    about.migrations.every((m, i) => m.version === build.migrations[i]?.version && m.checksum === build.migrations[i]?.checksum)
  );
}

/**
 * Fills a new data directory (no PG_VERSION yet) from the template; false when there is none
 * that fits this build (PGlite then runs initdb).
 */
export async function copyPgliteTemplate(dataDir: string): Promise<boolean> {
  try {
    const about = JSON.parse(await readFile(ABOUT, 'utf8')) as TemplateAbout;
    if (!fits(about, aboutThisBuild()) || !existsSync(join(TEMPLATE, PG_VERSION))) return false;
  } catch {
    return false;
  }
  for (const entry of await readdir(TEMPLATE)) {
    if (entry !== PG_VERSION) await cp(join(TEMPLATE, entry), join(dataDir, entry), { recursive: true });
  }
  await cp(join(TEMPLATE, PG_VERSION), join(dataDir, PG_VERSION));
  return true;
}

/** Makes the template unless one that fits this build with every migration is there already. */
export async function writePgliteTemplate(): Promise<'written' | 'current'> {
  const build = aboutThisBuild();
  try {
    const about = JSON.parse(await readFile(ABOUT, 'utf8')) as TemplateAbout;
    if (fits(about, build) && about.migrations.length === build.migrations.length && existsSync(join(TEMPLATE, PG_VERSION))) return 'current';
  } catch {
    // None yet, or unreadable: make it.
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { dbOverPglite, PARSERS } = await import('./pglite.js');
  // No description while the template is replaced: a half-made one is never used.
  await rm(ABOUT, { force: true });
  const work = await mkdtemp(join(dirname(TEMPLATE), '.pglite-template-'));
  const pg = await PGlite.create({ dataDir: work, parsers: PARSERS });
  try {
    await migrate(dbOverPglite(pg));
  } finally {
    await pg.close();
  }
  await rm(TEMPLATE, { recursive: true, force: true });
  await rename(work, TEMPLATE);
  await rm(`${TEMPLATE}.tgz`, { force: true });
  await writeFile(ABOUT, `${JSON.stringify(build, null, 2)}\n`);
  return 'written';
}
