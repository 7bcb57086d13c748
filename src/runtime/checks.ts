// A service's checks, run once and combined by its policy into one report.
import type { Logger } from '../core/logger.js';
import type { Service } from '../core/service.js';
import { combine, namedChecks, type Limiter } from '../probes/index.js';
import type { CheckReport } from './observer.js';

/** Builds the check of one service; `limiter` bounds concurrent checks across services. */
export function makeServiceCheck(
  service: Service,
  limiter?: Limiter,
  log?: Logger,
): (signal: AbortSignal) => Promise<CheckReport> {
  const checks = namedChecks(service.checks, { timeoutMs: service.timing.timeout * 1000 });
  const probe = combine(checks, service.policy, limiter);
  return async (signal) => {
    const result = await probe(signal);
    if (!result.ok && log && !signal.aborted) {
      log.warn(`${service.name}: check failed: ${result.reason}`);
      for (const { name, result: one } of result.results) {
        if (!one.ok && one.detail) log.info(`${service.name}: ${name}: output: ${one.detail}`);
      }
    }
    return {
      ok: result.ok,
      reason: result.ok ? 'ok' : result.reason,
      durationMs: result.latencyMs,
      checks: result.results,
    };
  };
}
