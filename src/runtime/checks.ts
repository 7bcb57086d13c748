// A service's checks, run once and combined by its policy into one report.
import type { Service } from '../core/service.js';
import { commandProbe } from '../probes/command.js';
import type { CheckReport } from './observer.js';

export function makeServiceCheck(service: Service): (signal: AbortSignal) => Promise<CheckReport> {
  const timeoutMs = service.timing.timeout * 1000;
  const probes = service.checks.map((spec, index) => ({
    name: spec.name ?? `${spec.kind}${index === 0 ? '' : index + 1}`,
    probe: spec.kind === 'command' ? commandProbe(spec.command, (spec.timeout ?? service.timing.timeout) * 1000) : null,
  }));
  return async (signal) => {
    const started = performance.now();
    const checks = [];
    for (const { name, probe } of probes) {
      if (!probe) continue;
      checks.push({ name, result: await probe(signal) });
    }
    const failed = checks.find((c) => !c.result.ok);
    void timeoutMs;
    return {
      ok: failed === undefined,
      reason: failed && !failed.result.ok ? failed.result.reason : 'ok',
      durationMs: performance.now() - started,
      checks,
    };
  };
}
