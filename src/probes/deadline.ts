// Runs one network check under its own timeout and the caller's AbortSignal, and measures it.
import { formatSeconds } from '../host/process.js';
import type { ProbeResult } from '../core/probe.js';

/** What a check's work reports; the latency is added by `withDeadline`. */
export type Outcome =
  | { readonly ok: true; readonly detail?: string }
  | { readonly ok: false; readonly reason: string; readonly detail?: string };

/** Bytes any probe reads from a peer before it stops reading: bounds memory against an endless reply. */
export const READ_LIMIT = 64 * 1024;

/** The abort reason when a check was cut short: its work must let go of sockets and timers. */
const SETTLED = new Error('check settled');

/**
 * Runs `work` with a signal that aborts when `timeoutMs` elapses (0 = no own limit) or `outer` aborts.
 * The result settles at that moment with "timeout after N s" or "aborted", whatever `work` is doing;
 * `work` must release its sockets when its signal aborts. A throw from `work` becomes a failure.
 */
export async function withDeadline(
  outer: AbortSignal,
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<Outcome>,
): Promise<ProbeResult> {
  const started = performance.now();
  const latency = (): number => performance.now() - started;
  if (outer.aborted) return { ok: false, latencyMs: 0, reason: 'aborted' };

  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const interrupted = new Promise<Outcome>((resolve) => {
    onAbort = () => resolve({ ok: false, reason: 'aborted' });
    outer.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs > 0) {
      timer = setTimeout(
        () => resolve({ ok: false, reason: `timeout after ${formatSeconds(timeoutMs)}` }),
        timeoutMs,
      );
    }
  });
  // Whether `work` settled by itself: then it has let go of its sockets and timers already.
  let finished = false;
  const worked = work(controller.signal).then(
    (outcome) => {
      finished = true;
      return outcome;
    },
    (error: unknown): Outcome => {
      finished = true;
      return { ok: false, reason: errorMessage(error) };
    },
  );
  try {
    const outcome = await Promise.race([worked, interrupted]);
    return { ...outcome, latencyMs: latency() };
  } finally {
    clearTimeout(timer);
    if (onAbort) outer.removeEventListener('abort', onAbort);
    // Cut short: the work must release what it holds. A shared reason spares a DOMException per check.
    if (!finished) controller.abort(SETTLED);
  }
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
