/**
 * A new embedded store starts from a template: the data directory of an empty, migrated
 * PGlite database, made once by `npm run build` (dist/pglite-template.tgz) instead of by
 * initdb at every new data directory (initdb in WebAssembly takes seconds and peaks near
 * 900 MB). A template made by another PGlite version, or with migrations that differ from
 * this build's, is not used; migrations newer than the template are applied at open as usual.
 */
import { readFileSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { checksum, migrate, MIGRATIONS } from './migrations.js';

/** Beside the compiled code: dist/pglite-template.tgz (src/ has none; tests from source run initdb). */
const TEMPLATE = new URL('../pglite-template.tgz', import.meta.url);
const ABOUT = new URL('../pglite-template.json', import.meta.url);

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

/** The template to start a new data directory from, or null (none made, or it does not fit). */
export async function pgliteTemplate(): Promise<Blob | null> {
  try {
    const about = JSON.parse(await readFile(ABOUT, 'utf8')) as TemplateAbout;
    if (!fits(about, aboutThisBuild())) return null;
    return new Blob([await readFile(TEMPLATE)]);
  } catch {
    return null;
  }
}

/** Makes the template unless one that fits this build with every migration is there already. */
export async function writePgliteTemplate(): Promise<'written' | 'current'> {
  const build = aboutThisBuild();
  try {
    const about = JSON.parse(await readFile(ABOUT, 'utf8')) as TemplateAbout;
    if (fits(about, build) && about.migrations.length === build.migrations.length) {
      await readFile(TEMPLATE);
      return 'current';
    }
  } catch {
    // None yet, or unreadable: make it.
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { dbOverPglite, PARSERS } = await import('./pglite.js');
  const pg = await PGlite.create({ parsers: PARSERS });
  try {
    await migrate(dbOverPglite(pg));
    const tarball = await pg.dumpDataDir('gzip');
    // No description while the tarball is replaced: a half-made template is never used.
    await rm(ABOUT, { force: true });
    const tmp = `${fileURLToPath(TEMPLATE)}.${process.pid}.tmp`;
    await writeFile(tmp, Buffer.from(await tarball.arrayBuffer()));
    await rename(tmp, TEMPLATE);
    await writeFile(ABOUT, `${JSON.stringify(build, null, 2)}\n`);
  } finally {
    await pg.close();
  }
  return 'written';
}
