// A clock that only moves when a test advances it, so timing tests never wait for real time.
import type { Clock } from '../../src/runtime/clock.js';

interface Sleeper {
  readonly until: number;
  readonly order: number;
  readonly resolve: () => void;
}

/** Lets every promise chain that is ready run to its next real wait (one macrotask turn at a time). */
export async function flush(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class ManualClock implements Clock {
  private time: number;
  private order = 0;
  private sleepers: Sleeper[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted || ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const sleeper: Sleeper = {
        until: this.time + ms,
        order: this.order++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          resolve();
        },
      };
      const onAbort = () => sleeper.resolve();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(sleeper);
    });
  }

  /** How many sleeps are waiting. */
  get pending(): number {
    return this.sleepers.length;
  }

  /**
   * Moves time forward by `ms`, waking each sleeper at its own deadline in order and letting the code
   * it wakes run (and start new sleeps) before time moves on.
   */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await flush();
    for (;;) {
      const next = this.sleepers
        .filter((s) => s.until <= target)
        .sort((a, b) => a.until - b.until || a.order - b.order)[0];
      if (!next) break;
      this.time = Math.max(this.time, next.until);
      next.resolve();
      await flush();
    }
    this.time = target;
    await flush();
  }
}
