// The one Node timer behind every wait of the process: the service loops' periods and the checks'
// deadlines sit in one queue, and a single timer is armed for the earliest of them.
import { TimerQueue } from '../core/timer-queue.js';

/** What one timer is armed with; replaceable so tests can drive the scheduler without real time. */
export interface TimerHost {
  now(): number;
  set(ms: number, fire: () => void): unknown;
  clear(timer: unknown): void;
}

const nodeTimers: TimerHost = {
  now: () => performance.now(),
  set: (ms, fire) => setTimeout(fire, ms),
  clear: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

export class TimerScheduler {
  private readonly queue = new TimerQueue();
  private timer: unknown = undefined;
  /** The deadline the armed timer was set for (Infinity: none armed). */
  private armedFor = Infinity;
  private firing = false;

  constructor(private readonly host: TimerHost = nodeTimers) {}

  now(): number {
    return this.host.now();
  }

  /** How many waits are queued. */
  get pending(): number {
    return this.queue.size;
  }

  /** Calls `wake` once after `ms`; the returned function cancels it if it has not run yet. */
  after(ms: number, wake: () => void): () => void {
    const entry = this.queue.add(this.host.now() + (ms > 0 ? ms : 0), wake);
    if (!this.firing && entry.at < this.armedFor) this.arm();
    return () => {
      // An empty queue lets go of the timer, so a cancelled wait never keeps the process alive.
      if (this.queue.cancel(entry) && this.queue.size === 0 && !this.firing) this.arm();
    };
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedFor = Infinity;
    this.firing = true;
    // Node arms its timers in whole milliseconds from a loop time that may lag: a deadline less
    // than a millisecond away is due now, or the loop would spin until the millisecond turns.
    const now = this.host.now() + 1;
    const mark = this.queue.mark;
    try {
      let entry;
      while ((entry = this.queue.popDue(now, mark)) !== undefined) entry.wake();
    } finally {
      // A wake that throws reaches the process as a timer's callback would; the rest run next turn.
      this.firing = false;
      this.arm();
    }
  };

  private arm(): void {
    const next = this.queue.next;
    if (next === undefined) {
      if (this.timer !== undefined) this.host.clear(this.timer);
      this.timer = undefined;
      this.armedFor = Infinity;
      return;
    }
    if (this.timer !== undefined) {
      if (this.armedFor <= next) return;
      this.host.clear(this.timer);
    }
    this.armedFor = next;
    const ms = Math.ceil(next - this.host.now());
    this.timer = this.host.set(ms > 0 ? ms : 0, this.fire);
  }
}

/** The process's scheduler on Node's clock and timers. */
export const timers = new TimerScheduler();
