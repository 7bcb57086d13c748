// Check policies: a service's checks run in parallel and their results combine into one verdict.
import type { Probe, ProbeResult } from '../core/probe.js';
import type { CheckPolicy } from '../core/service.js';

/** One check of a service as the policy sees it. */
export interface NamedCheck {
  /** Shown in reasons and logs: "web: HTTP 503". */
  readonly name: string;
  readonly probe: Probe;
  /** Counted by the weighted policy when the check passes. */
  readonly weight: number;
}

/** What one check gave, in the order the checks were configured. */
export interface CheckOutcome {
  readonly name: string;
  readonly result: ProbeResult;
}

/**
 * The verdict of a service's checks. It is a `ProbeResult` (failure `reason` such as
 * "web: HTTP 503; db: connect ECONNREFUSED 127.0.0.1:5432", `latencyMs` the wall time of the
 * whole round) carrying every check's own result and, for the weighted policy, the score.
 */
export type PolicyResult = ProbeResult & {
  readonly results: readonly CheckOutcome[];
  /** Sum of the weights of passing checks (every policy computes it; weighted compares it). */
  readonly score: number;
};

/** A combined probe; since a `PolicyResult` is a `ProbeResult`, it is also a `Probe`. */
export type PolicyProbe = (signal: AbortSignal) => Promise<PolicyResult>;

/** Bounds how many checks run at once across every service of the process. */
export interface Limiter {
  /** Runs `task` once a slot is free; rejects (with the abort reason) if aborted while waiting. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a slot. */
  readonly waiting: number;
}

/** A first-come, first-served limiter of `max` concurrent tasks (`Infinity` for no limit). */
export function createLimiter(max: number): Limiter {
  if (!(max >= 1) || (!Number.isInteger(max) && max !== Infinity)) {
    throw new RangeError(`limiter size must be a positive integer, got ${max}`);
  }
  let active = 0;
  const queue: (() => void)[] = [];
  const release = (): void => {
    active--;
    const next = queue.shift();
    if (next) next();
  };
  // Made once, not per task: a check a second per service runs through here.
  const released = (value: unknown): unknown => {
    release();
    return value;
  };
  const releasedThrow = (error: unknown): never => {
    release();
    throw error;
  };
  const start = <T>(task: () => Promise<T>): Promise<T> => {
    active++;
    let running: Promise<T>;
    try {
      running = task();
    } catch (error) {
      // A synchronous throw must still free the slot.
      release();
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return running.then(released as (value: T) => T, releasedThrow);
  };
  return {
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      if (signal?.aborted) return Promise.reject(abortError(signal));
      // The usual case, a free slot, costs no more than the task's own promise.
      if (active < max) return start(task);
      return new Promise<T>((resolve, reject) => {
        const queued = (): void => {
          signal?.removeEventListener('abort', onAbort);
          start(task).then(resolve, reject);
        };
        const onAbort = (): void => {
          const index = queue.indexOf(queued);
          if (index >= 0) queue.splice(index, 1);
          reject(abortError(signal));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(queued);
      });
    },
  };
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('aborted');
}

/**
 * Runs every check in parallel (each through `limiter` when given) and combines them by `policy`:
 * `all` passes when every check passes, `any` when at least one does, `weighted` when the summed
 * weight of passing checks is at least the threshold. With no checks every policy passes, as the
 * reference does without a command. A probe that throws counts as a failed check.
 */
export function combine(
  checks: readonly NamedCheck[],
  policy: CheckPolicy,
  limiter?: Limiter,
): PolicyProbe {
  const one = async (check: NamedCheck, signal: AbortSignal): Promise<CheckOutcome> => ({
    name: check.name,
    result: await runOne(check.probe, signal, limiter),
  });
  return async (signal) => {
    const started = performance.now();
    // Most services have one check: no array of promises for it.
    const results =
      checks.length === 1 && checks[0] !== undefined
        ? [await one(checks[0], signal)]
        : await Promise.all(checks.map((check) => one(check, signal)));
    const latencyMs = performance.now() - started;
    return verdict(checks, results, policy, latencyMs);
  };
}

async function runOne(probe: Probe, signal: AbortSignal, limiter?: Limiter): Promise<ProbeResult> {
  const started = performance.now();
  try {
    return limiter ? await limiter.run(() => probe(signal), signal) : await probe(signal);
  } catch (error) {
    const reason = signal.aborted
      ? 'aborted'
      : `probe error: ${error instanceof Error ? error.message : String(error)}`;
    return { ok: false, latencyMs: performance.now() - started, reason };
  }
}

function verdict(
  checks: readonly NamedCheck[],
  results: readonly CheckOutcome[],
  policy: CheckPolicy,
  latencyMs: number,
): PolicyResult {
  let score = 0;
  let passed = 0;
  results.forEach((outcome, index) => {
    if (!outcome.result.ok) return;
    passed++;
    score += checks[index]?.weight ?? 0;
  });
  // The failures' names are only spelled out for a failing verdict.
  const named = (): string =>
    results
      .filter((outcome) => !outcome.result.ok)
      .map((outcome) => `${outcome.name}: ${outcome.result.ok ? '' : outcome.result.reason}`)
      .join('; ');
  const base = { results, score, latencyMs };
  if (results.length === 0) return { ok: true, ...base, detail: 'no checks' };

  switch (policy.kind) {
    case 'all':
      return passed === results.length
        ? { ok: true, ...base, detail: `all ${results.length} checks passed` }
        : { ok: false, ...base, reason: named() };
    case 'any':
      return passed > 0
        ? { ok: true, ...base, detail: `${passed} of ${results.length} checks passed` }
        : { ok: false, ...base, reason: `every check failed: ${named()}` };
    case 'weighted':
      return score >= policy.threshold
        ? { ok: true, ...base, detail: `score ${score} >= ${policy.threshold}` }
        : {
            ok: false,
            ...base,
            reason: `score ${score} < ${policy.threshold}${passed === results.length ? '' : ` (${named()})`}`,
          };
  }
}
