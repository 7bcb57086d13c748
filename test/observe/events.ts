// Runtime events as the service runner emits them, to drive observers in tests.
import type { AnnounceTarget } from '../../src/core/announcer.js';
import type { CheckReport, RuntimeObserver } from '../../src/runtime/observer.js';

export function passingReport(latencyMs = 12): CheckReport {
  return {
    ok: true,
    reason: 'ok',
    durationMs: latencyMs + 1,
    checks: [{ name: 'http', result: { ok: true, latencyMs } }],
  };
}

export function failingReport(reason = 'HTTP 503', latencyMs = 40): CheckReport {
  return {
    ok: false,
    reason,
    durationMs: latencyMs + 1,
    checks: [
      { name: 'http', result: { ok: false, latencyMs, reason, detail: 'body: overloaded' } },
    ],
  };
}

/** The lines our encoder writes for 192.0.2.1/32 (withdraws for DOWN under withdraw-on-down). */
export function linesFor(target: AnnounceTarget, withdrawOnDown = false): string[] {
  if (target === 'EXIT' || (withdrawOnDown && target !== 'UP')) {
    return ['withdraw route 192.0.2.1/32 next-hop self'];
  }
  const med = target === 'UP' ? 100 : 1000;
  return [`announce route 192.0.2.1/32 next-hop self med ${med} community [ 65000:1 ]`];
}

/** INIT → UP with rise 1, announcing. */
export function bringUp(observer: RuntimeObserver, service: string): void {
  observer.checked?.(service, passingReport(), false);
  observer.transitioned?.(service, 'INIT', 'UP', 'ok');
  observer.announced?.(service, 'UP', linesFor('UP'));
}

/** UP → FALLING → DOWN with fall 2, announcing DOWN at the end. */
export function bringDown(
  observer: RuntimeObserver,
  service: string,
  reason = 'HTTP 503',
  withdrawOnDown = false,
): void {
  observer.checked?.(service, failingReport(reason), false);
  observer.transitioned?.(service, 'UP', 'FALLING', reason);
  observer.checked?.(service, failingReport(reason), false);
  observer.transitioned?.(service, 'FALLING', 'DOWN', reason);
  observer.announced?.(service, 'DOWN', linesFor('DOWN', withdrawOnDown));
}
