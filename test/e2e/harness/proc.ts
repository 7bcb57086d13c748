// Finds processes through /proc: by an argument only one test uses, and whether they are really alive.
import { readdirSync, readFileSync } from 'node:fs';

/** The one-letter state from /proc/PID/stat (R, S, D, Z, ...), or undefined when the process is gone. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces; the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || undefined;
  } catch {
    return undefined;
  }
}

/** Alive means present and not a zombie: nothing here reaps orphans, so a dead child can linger as Z. */
export function isAlive(pid: number): boolean {
  const state = processState(pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
}

export function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((part) => part !== '');
  } catch {
    return [];
  }
}

/** Living processes (not this one) with an argument that contains `needle`. */
export function findPidsByArgument(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    if (commandLine(pid).some((arg) => arg.includes(needle)) && isAlive(pid)) pids.push(pid);
  }
  return pids;
}

export function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[1] === undefined ? undefined : Number(fields[1]);
  } catch {
    return undefined;
  }
}
