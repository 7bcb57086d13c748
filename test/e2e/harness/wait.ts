// Bounded polling: wait for a condition with a deadline, failing with the last thing observed.
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  /** Give up after this many milliseconds. */
  readonly timeoutMs: number;
  /** What is awaited, for the failure message ("MED 100 in the peer's RIB"). */
  readonly what: string;
  /** Pause between two observations; 100 ms unless told. */
  readonly intervalMs?: number;
}

export class WaitTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly lastObserved: string,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}; last observed: ${lastObserved}`);
    this.name = 'WaitTimeoutError';
  }
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Calls `probe` until it returns something other than `undefined`, `null` or `false` without
 * throwing (an `expect` inside it is a fine way to say "not yet"), and resolves with that value.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  options: WaitOptions,
): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 100;
  let last: unknown = 'nothing yet';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) {
        return value as Exclude<T, undefined | null | false>;
      }
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline)
      throw new WaitTimeoutError(options.what, options.timeoutMs, describe(last));
    await delay(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}

/** Waits until `read` lists an entry `expected` accepts, and resolves with it (20 s at most). */
export function waitForEntry<T>(
  read: () => Promise<readonly T[]>,
  expected: (entry: T) => boolean,
  what: string,
): Promise<T> {
  return waitFor(
    async () => {
      const entries = await read();
      return entries.find(expected) ?? Promise.reject(new Error(JSON.stringify(entries)));
    },
    { timeoutMs: 20_000, what },
  );
}

/** Waits until `read` lists nothing (20 s at most). */
export async function waitForNone(read: () => Promise<readonly unknown[]>, what: string) {
  await waitFor(
    async () => {
      const entries = await read();
      return entries.length === 0 || Promise.reject(new Error(JSON.stringify(entries)));
    },
    { timeoutMs: 20_000, what },
  );
}
