// A service's checks, run once and combined by its policy into one report (logged by the observers).
import type { Service } from '../core/service.js';
import { combine, namedChecks, type Limiter, type PolicyResult } from '../probes/index.js';
import type { CheckReport } from './observer.js';

/** Builds the check of one service; `limiter` bounds concurrent checks across services. */
export function makeServiceCheck(
  service: Service,
  limiter?: Limiter,
): (signal: AbortSignal) => Promise<CheckReport> {
  const checks = namedChecks(service.checks, { timeoutMs: service.timing.timeout * 1000 });
  const probe = combine(checks, service.policy, limiter);
  return (signal) => probe(signal).then(toReport);
}

function toReport(result: PolicyResult): CheckReport {
  return {
    ok: result.ok,
    reason: result.ok ? 'ok' : result.reason,
    durationMs: result.latencyMs,
    checks: result.results,
  };
}
