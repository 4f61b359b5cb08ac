/**
 * OFAC's legacy CSV writes several programs as `DPRK3] [CYBER2` (the outer brackets of
 * `[DPRK3] [CYBER2]` stripped). Returns them sorted and unique.
 */
export function splitOfacPrograms(raw: string | null): string[] {
  if (raw === null) return [];
  const programs = raw
    .split(/\]\s*\[/)
    .map((p) => p.replace(/^[\s[]+|[\s\]]+$/g, ''))
    .filter((p) => p.length > 0);
  return [...new Set(programs)].sort();
}
