/** Command-line flags of the bench scripts: `--name value`. */

export function stringFlag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : (process.argv[i + 1] ?? fallback);
}

/** An integer flag of at least `min` (default 1). */
export function intFlag(name: string, fallback: number, min = 1): number {
  const v = Number(stringFlag(name, String(fallback)));
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} needs an integer of at least ${min}`);
  return v;
}
