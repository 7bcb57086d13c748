// What the runtime tells the outside (metrics, status, logs) as it works.
import type { AnnounceTarget } from '../core/announcer.js';
import type { ProbeResult } from '../core/probe.js';
import type { ServiceState } from '../core/route-target.js';

export interface CheckReport {
  readonly ok: boolean;
  /** Why the service counts as failed this cycle, or 'ok'. */
  readonly reason: string;
  readonly durationMs: number;
  /** Each check's own result, by check name. */
  readonly checks: readonly { readonly name: string; readonly result: ProbeResult }[];
}

export interface RuntimeObserver {
  checked?(service: string, report: CheckReport, disabled: boolean): void;
  transitioned?(service: string, from: ServiceState, to: ServiceState, reason: string): void;
  announced?(service: string, target: AnnounceTarget, lines: readonly string[]): void;
}

/** One observer that tells each of `observers` in turn (called for every check: no array per call). */
export function composeObservers(...observers: readonly RuntimeObserver[]): RuntimeObserver {
  if (observers.length === 1 && observers[0] !== undefined) return observers[0];
  return {
    checked: (service, report, disabled) => {
      for (const o of observers) o.checked?.(service, report, disabled);
    },
    transitioned: (service, from, to, reason) => {
      for (const o of observers) o.transitioned?.(service, from, to, reason);
    },
    announced: (service, target, lines) => {
      for (const o of observers) o.announced?.(service, target, lines);
    },
  };
}
