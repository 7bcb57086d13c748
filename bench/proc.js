// Reads a process's CPU time and memory from /proc (Linux only), the two numbers the benchmark compares.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import process from 'node:process';

/** Kernel clock ticks per second, the unit of the times in /proc/PID/stat. */
export const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU seconds of a process: `user` and `system` its own, `children` the user+system time of the
 * children it has reaped (for the reference, the shells and curl processes its checks fork).
 * Null once the process is gone.
 */
export function readCpu(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  return {
    user: utime / CLOCK_TICKS,
    system: stime / CLOCK_TICKS,
    children: (cutime + cstime) / CLOCK_TICKS,
  };
}

/** Peak resident set (VmHWM) and current resident set (VmRSS) in bytes; null once the process is gone. */
export function readMemory(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { peak: kib('VmHWM') * 1024, current: kib('VmRSS') * 1024 };
}

/**
 * Proportional set size in bytes (`/proc/PID/smaps_rollup`): shared pages, the node or python
 * binary and its libraries among them, divided among the processes that map them. Null once gone.
 */
export function readPss(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  } catch {
    return null;
  }
  const kib = Number(/^Pss:\s+(\d+) kB/m.exec(text)?.[1] ?? NaN);
  return kib * 1024;
}

/** The load average over 1, 5 and 15 minutes, as /proc/loadavg spells it. */
export function loadAverage() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** The node flags of the bin's `#!/usr/bin/env -S node FLAGS` line: how ExaBGP starts ours. */
export function binNodeFlags(bin) {
  return (/^#!\S*env -S node(.*)/.exec(readFileSync(bin, 'utf8'))?.[1] ?? '')
    .split(' ')
    .filter(Boolean);
}

/** What the report says about the machine: core count, CPU model, Node version, kernel. */
export function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown';
  const cores = (cpuinfo.match(/^processor\s*:/gm) ?? []).length;
  let kernel = 'unknown';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    // Not every container exposes it.
  }
  return { cores, model, node: process.version, kernel, load: loadAverage() };
}
