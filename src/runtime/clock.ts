// Time as an injected dependency: the real clock here, a manual one in tests.
import { setTimeout as delay } from 'node:timers/promises';

export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: async (ms, signal) => {
    if (signal?.aborted || ms <= 0) return;
    try {
      await delay(ms, undefined, { signal });
    } catch {
      // Aborted: the caller looks at the signal.
    }
  },
};
