/**
 * CPU time by process over a stretch of a bench (Linux /proc), to tell whether a run was bound
 * by the daemon's thread or by the machine: on a 2-core host the store, Redis, the alert
 * receiver and the recorded chain's server share the cores with the daemon.
 * Processes are grouped by name (node processes by their script, kernel workers together); one
 * that ended within the stretch is missed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** CPU milliseconds by pid, with each pid's group name; empty where /proc is not there. */
export type CpuSnapshot = ReadonlyMap<number, { readonly group: string; readonly ms: number }>;

const TICK_MS = 10; // USER_HZ is 100 on Linux

export function cpuSnapshot(): CpuSnapshot {
  const out = new Map<number, { group: string; ms: number }>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      // Fields after the name: state is the 1st, utime the 12th and stime the 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
      out.set(Number(pid), { group: groupOf(Number(pid), comm), ms });
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

/** Global options of Cordon's CLI that take a value: left out of a process's label. */
const OPTIONS_WITH_VALUE = new Set(['--config', '--log-level']);

/** Cordon's own CLI by its command (`cordon run --only act`), without the config file or log level. */
function cordonCommand(args: readonly string[]): string {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (OPTIONS_WITH_VALUE.has(a)) i++;
    else if (a !== '') kept.push(a);
  }
  return ['cordon', ...kept].join(' ');
}

function groupOf(pid: number, comm: string): string {
  if (pid === process.pid) return 'daemon (this process)';
  if (comm === 'node') {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const at = args.findIndex((a) => a.endsWith('.ts') || a.endsWith('.js'));
    const script = args[at];
    if (script === undefined) return 'node';
    return /^cli\.[jt]s$/.test(basename(script)) ? cordonCommand(args.slice(at + 1)) : basename(script);
  }
  if (comm.startsWith('kworker') || comm.startsWith('ksoftirqd') || comm.startsWith('rcu_')) return 'kernel threads';
  return comm;
}

/**
 * `name 1.23 s, …` of the groups that used at least 50 ms, busiest first, and their sum; null
 * where /proc could not be read.
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): { readonly totalMs: number; readonly line: string } | null {
  if (before.size === 0 || after.size === 0) return null;
  const byGroup = new Map<string, number>();
  for (const [pid, a] of after) {
    // A process started meanwhile (a store connection's backend) used all its time in it.
    const b = before.get(pid);
    const base = b !== undefined && b.group === a.group ? b.ms : 0;
    byGroup.set(a.group, (byGroup.get(a.group) ?? 0) + (a.ms - base));
  }
  const rows = [...byGroup].filter(([, ms]) => ms >= 50).sort((x, y) => y[1] - x[1]);
  const totalMs = [...byGroup.values()].reduce((s, ms) => s + ms, 0);
  return { totalMs, line: rows.map(([g, ms]) => `${g} ${(ms / 1000).toFixed(2)} s`).join(', ') };
}
