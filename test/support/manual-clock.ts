// A clock that only moves when a test advances it, so timing tests never wait for real time.
import { sleepOn, type Clock } from '../../src/runtime/clock.js';

interface Sleeper {
  readonly until: number;
  readonly order: number;
  readonly wake: () => void;
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

  after(ms: number, wake: () => void): () => void {
    const sleeper: Sleeper = { until: this.time + Math.max(ms, 0), order: this.order++, wake };
    this.sleepers.push(sleeper);
    return () => {
      this.sleepers = this.sleepers.filter((s) => s !== sleeper);
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
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
      this.sleepers = this.sleepers.filter((s) => s !== next);
      next.wake();
      await flush();
    }
    this.time = target;
    await flush();
  }
}
