/**
 * Every key the configuration schema knows, at any depth: so that an environment override
 * (`CORDON_STORE__DATADIR`, `CORDON_STORE__DATA_DIR`) finds the key it means (`dataDir`)
 * whatever the spelling of its word breaks.
 */
import type { z } from 'zod';

type Def = { readonly type: string } & Record<string, unknown>;

function defOf(schema: unknown): Def | undefined {
  const zod = (schema as { _zod?: { def?: Def } } | null)?._zod;
  return zod?.def;
}

/** The object keys of `schema` and of every schema inside it (wrappers, unions, arrays, pipes). */
export function schemaKeys(schema: z.ZodType): ReadonlySet<string> {
  const keys = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (s: unknown): void => {
    if (s === undefined || seen.has(s)) return;
    seen.add(s);
    const def = defOf(s);
    if (def === undefined) return;
    const shape = def['shape'];
    if (shape !== null && typeof shape === 'object') {
      for (const [k, v] of Object.entries(shape)) {
        keys.add(k);
        walk(v);
      }
    }
    const options = def['options'];
    if (Array.isArray(options)) for (const o of options) walk(o);
    for (const inner of ['innerType', 'element', 'in', 'out', 'schema']) walk(def[inner]);
  };
  walk(schema);
  return keys;
}

/** `dataDir` for `DATA_DIR`, `DATADIR` or `datadir` when the schema knows it; else the camel-cased word. */
export function keyForEnvWord(word: string, known: ReadonlySet<string>): string {
  const flat = word.replace(/_/g, '').toLowerCase();
  const matches = [...known].filter((k) => k.toLowerCase() === flat);
  if (matches.length === 1) return matches[0] as string;
  return word.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}
