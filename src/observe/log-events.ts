// What the runtime does, as log events: each state change, and check failures logged on change, not per cycle.
import type { ServiceState } from '../core/route-target.js';
import type { Logger } from '../core/logger.js';
import type { CheckReport, RuntimeObserver } from '../runtime/observer.js';

/** Default time between two summaries of a check that keeps failing for the same reason. */
export const DEFAULT_FAILURE_SUMMARY_SECONDS = 300;

export interface LogEventsOptions {
  /** Wall clock or monotonic, in ms: only differences are used. */
  readonly now?: () => number;
  /** Seconds between two summaries of the same failure; a failure that changes is logged at once. */
  readonly summarySeconds?: number;
}

interface Failing {
  /** The reason last logged. */
  reason: string;
  /** Failed cycles since the failure began, and since the last line about it. */
  total: number;
  unlogged: number;
  loggedAt: number;
}

interface Entry {
  state: ServiceState | null;
  failing: Failing | null;
}

/** The failing checks of a report, as one line's worth of fields. */
function failureFields(report: CheckReport): { check: string; detail?: string } {
  const failed = report.checks.filter((c) => !c.result.ok);
  const details = failed.flatMap(({ name, result }) =>
    !result.ok && result.detail
      ? [failed.length > 1 ? `${name}: ${result.detail}` : result.detail]
      : [],
  );
  return {
    check: failed.map((c) => c.name).join(', '),
    ...(details.length > 0 ? { detail: details.join(' | ') } : {}),
  };
}

/**
 * A check that fails the same way cycle after cycle is logged when it starts failing, when its reason
 * changes, at most once per summary period while it goes on (with the count), and when it passes again:
 * a few lines per state, however short the interval.
 */
export class LogEvents implements RuntimeObserver {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly summaryMs: number;

  constructor(
    private readonly log: Logger,
    options: LogEventsOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.summaryMs = (options.summarySeconds ?? DEFAULT_FAILURE_SUMMARY_SECONDS) * 1000;
  }

  private entry(service: string): Entry {
    let entry = this.entries.get(service);
    if (!entry) this.entries.set(service, (entry = { state: null, failing: null }));
    return entry;
  }

  removeService(service: string): void {
    this.entries.delete(service);
  }

  checked(service: string, report: CheckReport, disabled: boolean): void {
    if (disabled) return;
    const entry = this.entry(service);
    const state = entry.state ?? undefined;
    const at = this.now();
    const failing = entry.failing;
    if (report.ok) {
      if (!failing) return;
      entry.failing = null;
      this.log.info(`check passed again after ${failing.total} failed (last: ${failing.reason})`, {
        event: 'check_recovered',
        service,
        state,
        failures: failing.total,
        reason: failing.reason,
      });
      return;
    }
    if (failing && failing.reason === report.reason) {
      failing.total++;
      failing.unlogged++;
      if (at - failing.loggedAt < this.summaryMs) return;
      this.log.warn(
        `check still failing: ${failing.unlogged} more failed since the last line, ${failing.total} in a row (${report.reason})`,
        {
          event: 'check_failing',
          service,
          state,
          reason: report.reason,
          failures: failing.total,
          ...failureFields(report),
        },
      );
      failing.unlogged = 0;
      failing.loggedAt = at;
      return;
    }
    entry.failing = {
      reason: report.reason,
      total: (failing?.total ?? 0) + 1,
      unlogged: 0,
      loggedAt: at,
    };
    this.log.warn(`check failed: ${report.reason}`, {
      event: 'check_failed',
      service,
      state,
      reason: report.reason,
      ...failureFields(report),
    });
  }

  transitioned(service: string, from: ServiceState, to: ServiceState, reason: string): void {
    this.entry(service).state = to;
    this.log.info(`${from} -> ${to} (${reason})`, {
      event: 'transition',
      service,
      state: to,
      previous: from,
      reason,
    });
  }
}
