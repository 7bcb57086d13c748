// Starts daemons in their own process groups and guarantees they are all gone at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { findPidsByArgument, isAlive } from './proc.js';
import { resolveCommand } from './tools.js';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Daemon {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (it never rejects). */
  readonly exited: Promise<Exit>;
  hasExited(): boolean;
}

export interface SpawnOptions {
  /** stdout and stderr are appended here. */
  readonly logFile: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone: that is what we wanted.
  }
}

/**
 * Owns every process a test starts. `sweep` names arguments (a temp dir, say) that mark the
 * test's grandchildren too, such as the processes ExaBGP starts in process groups of their own.
 */
export class Supervisor {
  private readonly daemons: Daemon[] = [];
  private readonly needles: string[] = [];

  sweep(needle: string): void {
    this.needles.push(needle);
  }

  start(name: string, command: string, args: readonly string[], options: SpawnOptions): Daemon {
    const fd = openSync(options.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(resolveCommand(command), args, {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: { ...process.env, ...options.env },
        cwd: options.cwd,
      });
    } finally {
      closeSync(fd);
    }
    let done = false;
    const exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => {
        done = true;
        resolve({ code, signal });
      });
      child.once('error', () => {
        done = true;
        resolve({ code: null, signal: null });
      });
    });
    if (child.pid === undefined) throw new Error(`could not start ${name}: ${command}`);
    const daemon: Daemon = {
      name,
      pid: child.pid,
      logFile: options.logFile,
      child,
      exited,
      hasExited: () => done,
    };
    this.daemons.push(daemon);
    return daemon;
  }

  /** SIGTERM (or `signal`) to the whole group, SIGKILL after `graceMs`. */
  async stop(daemon: Daemon, signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<Exit> {
    if (!daemon.hasExited()) {
      signalGroup(daemon.pid, signal);
      const outcome = await Promise.race([daemon.exited, delay(graceMs).then(() => undefined)]);
      if (outcome === undefined) signalGroup(daemon.pid, 'SIGKILL');
    }
    const exit = await daemon.exited;
    // The leader is gone; make sure nothing it left behind in its group survives.
    signalGroup(daemon.pid, 'SIGKILL');
    return exit;
  }

  /** Stops everything, newest first, then kills whatever still carries a swept argument. */
  async stopAll(): Promise<void> {
    for (const daemon of [...this.daemons].reverse()) await this.stop(daemon);
    this.daemons.length = 0;
    for (const needle of this.needles) {
      const left = findPidsByArgument(needle);
      for (const pid of left) {
        signalGroup(pid, 'SIGKILL');
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }
      const deadline = Date.now() + 3000;
      while (left.some(isAlive) && Date.now() < deadline) await delay(50);
    }
  }
}
