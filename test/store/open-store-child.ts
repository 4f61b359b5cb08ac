/**
 * A second process for the store-lock tests: opens the PGlite store in argv[2], prints
 * `{ ok }` or `{ error, message }` as one JSON line, then closes it (`close`) or exits without
 * closing (`exit`, the lock must still go).
 */
import { openStore } from '../../src/store/index.js';

const [dataDir, then = 'close'] = process.argv.slice(2);
if (dataDir === undefined) throw new Error('usage: open-store-child.ts <dataDir> [close|exit]');
try {
  const store = await openStore({ driver: 'pglite', dataDir }, { command: 'open-store-child' });
  process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
  if (then === 'exit') process.exit(0);
  await store.close();
} catch (err) {
  const e = err as Error;
  process.stdout.write(`${JSON.stringify({ error: e.name, message: e.message })}\n`);
  process.exitCode = 3;
}
