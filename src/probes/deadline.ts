// Runs one network check under its own timeout and the caller's AbortSignal, and measures it.
import { formatSeconds } from '../host/process.js';
import { timers } from '../host/timers.js';
import type { ProbeResult } from '../core/probe.js';

/** What a check's work reports; the latency is added by `withDeadline`. */
export type Outcome =
  | { readonly ok: true; readonly detail?: string }
  | { readonly ok: false; readonly reason: string; readonly detail?: string };

/** Bytes any probe reads from a peer before it stops reading: bounds memory against an endless reply. */
export const READ_LIMIT = 64 * 1024;

/**
 * How a check's work learns that it was cut short: the part of an `AbortSignal` the probes use, so
 * a real signal fits too. `withDeadline` passes a lighter one than an AbortController's: a check
 * runs every second per service, and an EventTarget per check is most of what a check allocates.
 */
export interface Cancellation {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A `Cancellation` that `abort` fires once; a listener added after that is never called. */
class Cut implements Cancellation {
  aborted = false;
  private listeners: (() => void)[] | null = null;

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const index = this.listeners?.indexOf(listener) ?? -1;
    if (index >= 0) this.listeners?.splice(index, 1);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners ?? [];
    this.listeners = null;
    for (const listener of listeners) listener();
  }
}

/**
 * The checks in flight under each caller's signal. A service's signal lives as long as its loop and
 * sees a check a second: one 'abort' listener per signal and a set entry per check cost less than
 * adding and removing an EventTarget listener on every check.
 */
const inFlight = new WeakMap<AbortSignal, Set<() => void>>();

function watch(signal: AbortSignal, onAbort: () => void): void {
  let waiting = inFlight.get(signal);
  if (waiting === undefined) {
    const created = new Set<() => void>();
    inFlight.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        inFlight.delete(signal);
        for (const listener of created) listener();
      },
      { once: true },
    );
    waiting = created;
  }
  waiting.add(onAbort);
}

/**
 * Runs `work` with a cancellation that fires when `timeoutMs` elapses (0 = no own limit) or `outer`
 * aborts. The result settles at that moment with "timeout after N s" or "aborted", whatever `work`
 * is doing; `work` must release its sockets when cancelled. A throw from `work` becomes a failure.
 */
export function withDeadline(
  outer: AbortSignal,
  timeoutMs: number,
  work: (cancellation: Cancellation) => Promise<Outcome>,
): Promise<ProbeResult> {
  const started = performance.now();
  if (outer.aborted) return Promise.resolve({ ok: false, latencyMs: 0, reason: 'aborted' });
  const cut = new Cut();
  return new Promise((resolve) => {
    let settled = false;
    let cancelTimer: (() => void) | undefined;
    /** `finished`: the work settled by itself, so it has let go of its sockets and timers already. */
    const settle = (outcome: Outcome, finished: boolean): void => {
      if (settled) return;
      settled = true;
      cancelTimer?.();
      inFlight.get(outer)?.delete(onAbort);
      if (!finished) cut.abort();
      const latencyMs = performance.now() - started;
      resolve(
        outcome.ok
          ? outcome.detail === undefined
            ? { ok: true, latencyMs }
            : { ok: true, latencyMs, detail: outcome.detail }
          : { ...outcome, latencyMs },
      );
    };
    const onAbort = (): void => settle({ ok: false, reason: 'aborted' }, false);
    watch(outer, onAbort);
    if (timeoutMs > 0) {
      // The process's one timer: a deadline that almost never fires costs a queue entry, not a Node timer.
      cancelTimer = timers.after(timeoutMs, () =>
        settle({ ok: false, reason: `timeout after ${formatSeconds(timeoutMs)}` }, false),
      );
    }
    const failed = (error: unknown): void =>
      settle({ ok: false, reason: errorMessage(error) }, true);
    try {
      work(cut).then((outcome) => settle(outcome, true), failed);
    } catch (error) {
      failed(error);
    }
  });
}

/** The message of anything thrown, for a reason line. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A peer's bytes shown in a detail line: quoted, escaped, at most `max` characters. */
export function quoteSample(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}
