// A clock that only moves when a test advances it, so timing tests never wait for real time.
import { TimerQueue } from '../../src/core/timer-queue.js';
import { sleepOn, type Clock } from '../../src/runtime/clock.js';

/** Lets every promise chain that is ready run to its next real wait (one macrotask turn at a time). */
export async function flush(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class ManualClock implements Clock {
  private time: number;
  /** The queue the real clock's scheduler uses, so tests on this clock exercise it too. */
  private readonly sleepers = new TimerQueue();

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  after(ms: number, wake: () => void): () => void {
    const sleeper = this.sleepers.add(this.time + Math.max(ms, 0), wake);
    return () => {
      this.sleepers.cancel(sleeper);
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** How many sleeps are waiting. */
  get pending(): number {
    return this.sleepers.size;
  }

  /**
   * Moves time forward by `ms`, waking each sleeper at its own deadline in order and letting the code
   * it wakes run (and start new sleeps) before time moves on.
   */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await flush();
    for (;;) {
      const next = this.sleepers.popDue(target);
      if (!next) break;
      this.time = Math.max(this.time, next.at);
      next.wake();
      await flush();
    }
    this.time = target;
    await flush();
  }
}
