// Time as an injected dependency: the real clock here, a manual one in tests.
import { timers } from '../host/timers.js';

export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  /** Calls `wake` once after `ms`; the returned function cancels it if it has not run yet. */
  after(ms: number, wake: () => void): () => void;
  /** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** `clock.sleep` made of `clock.after`: one timer and one listener, nothing per tick. */
export function sleepOn(
  clock: Pick<Clock, 'after'>,
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const cancel = clock.after(ms, done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Node's clock; every wait shares the process's one timer (see host/timers.ts). */
export const realClock: Clock = {
  now: () => timers.now(),
  after: (ms, wake) => timers.after(ms, wake),
  sleep: (ms, signal) => sleepOn(realClock, ms, signal),
};
