// What each service is doing, kept from the runtime's events, for /status, the status page and `ctl status`.
import type { AnnounceTarget } from '../core/announcer.js';
import type { ServiceState } from '../core/route-target.js';
import type {
  CheckTarget,
  Maintenance,
  ProcessStatus,
  ServiceStatus,
  Transition,
} from '../runtime/control.js';
import type { CheckReport, RuntimeObserver } from '../runtime/observer.js';

export interface StatusStoreOptions {
  readonly version: string;
  /** Wall clock in ms since the epoch; tests pass a fake one. */
  readonly now?: () => number;
  readonly pid?: number;
  readonly startedAt?: number;
  /** How many recent transitions each service keeps. */
  readonly maxTransitions?: number;
  /** Services known from the start, in display order. */
  readonly services?: readonly (string | StatusShape)[];
}

/** What the store knows of a service's configuration: its timing and what its checks look at. */
export interface StatusShape {
  readonly name: string;
  /** Seconds, as configured. */
  readonly timing: {
    readonly interval: number;
    readonly fastInterval: number;
    readonly rise: number;
    readonly fall: number;
  };
  readonly checks: readonly CheckTarget[];
}

/** Updated in place on every check and announcement: a thousand services check every second. */
interface Entry {
  state: ServiceState;
  since: number;
  lastCheck: CheckReport | null;
  lastCheckAt: number;
  /** The target last announced, null before the first announcement. */
  announced: AnnounceTarget | null;
  /** Its lines, kept as given: callers never change a line list once written. */
  announcedLines: readonly string[];
  announcedAt: number;
  maintenance: Maintenance | null;
  transitions: Transition[];
  shape: StatusShape | null;
  /** The last cycle ran no check: the service was disabled. */
  skipped: boolean;
  /** When the last cycle began (ms since the epoch), checked or not; 0 before the first. */
  cycleStartedAt: number;
  /** Checks in a row with the same result, for rise/fall progress. */
  streak: { ok: boolean; count: number };
}

export const DEFAULT_MAX_TRANSITIONS = 200;

/**
 * Events for a service that is not (or no longer) known are ignored, so a late event from a
 * service removed by a reload cannot bring it back.
 */
export class StatusStore implements RuntimeObserver {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly pid: number;
  private readonly version: string;
  private readonly startedAt: number;
  private readonly maxTransitions: number;

  constructor(options: StatusStoreOptions) {
    this.now = options.now ?? Date.now;
    this.pid = options.pid ?? process.pid;
    this.version = options.version;
    this.startedAt = options.startedAt ?? this.now();
    this.maxTransitions = Math.max(1, options.maxTransitions ?? DEFAULT_MAX_TRANSITIONS);
    for (const name of options.services ?? []) this.addService(name);
  }

  /** Starts tracking a service in INIT; a service already known is left as it is (a reload keeps it). */
  addService(service: string | StatusShape): void {
    const name = typeof service === 'string' ? service : service.name;
    if (this.entries.has(name)) return;
    this.entries.set(name, {
      state: 'INIT',
      since: this.now(),
      lastCheck: null,
      lastCheckAt: 0,
      announced: null,
      announcedLines: [],
      announcedAt: 0,
      maintenance: null,
      transitions: [],
      shape: typeof service === 'string' ? null : service,
      skipped: false,
      cycleStartedAt: 0,
      streak: { ok: true, count: 0 },
    });
  }

  /** Takes a service's configuration again (after a reload); false for an unknown service. */
  describe(shape: StatusShape): boolean {
    const entry = this.entries.get(shape.name);
    if (!entry) return false;
    entry.shape = shape;
    return true;
  }

  removeService(name: string): void {
    this.entries.delete(name);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Returns false for an unknown service. */
  setMaintenance(service: string, maintenance: Maintenance | null): boolean {
    const entry = this.entries.get(service);
    if (!entry) return false;
    entry.maintenance = maintenance;
    return true;
  }

  checked(service: string, report: CheckReport, disabled: boolean): void {
    const entry = this.entries.get(service);
    if (!entry) return;
    const at = this.now();
    entry.skipped = disabled;
    entry.cycleStartedAt = at - report.durationMs;
    // A disabled cycle runs no check: the last real one stays on show, marked as such.
    if (disabled) return;
    entry.lastCheck = report;
    entry.lastCheckAt = at;
    if (entry.streak.ok === report.ok) entry.streak.count++;
    else entry.streak = { ok: report.ok, count: 1 };
  }

  transitioned(service: string, from: ServiceState, to: ServiceState, reason: string): void {
    const entry = this.entries.get(service);
    if (!entry) return;
    const at = this.now();
    entry.state = to;
    entry.since = at;
    entry.transitions.push({ at, from, to, reason });
    if (entry.transitions.length > this.maxTransitions) {
      entry.transitions.splice(0, entry.transitions.length - this.maxTransitions);
    }
  }

  announced(service: string, target: AnnounceTarget, lines: readonly string[]): void {
    const entry = this.entries.get(service);
    if (!entry) return;
    entry.announced = target;
    entry.announcedLines = lines;
    entry.announcedAt = this.now();
  }

  service(name: string): ServiceStatus | null {
    const entry = this.entries.get(name);
    return entry ? toStatus(name, entry) : null;
  }

  /** A copy that later events do not change. */
  snapshot(): ProcessStatus {
    return {
      pid: this.pid,
      version: this.version,
      startedAt: this.startedAt,
      services: [...this.entries].map(([name, entry]) => toStatus(name, entry)),
    };
  }
}

/** When the next cycle is due: a period after the last one began, the fast one while changing. */
function nextCheckAt(entry: Entry): number | null {
  const timing = entry.shape?.timing;
  if (!timing || entry.cycleStartedAt === 0) return null;
  const fast = entry.state === 'RISING' || entry.state === 'FALLING';
  if (!fast && timing.interval === 0) return null;
  return entry.cycleStartedAt + (fast ? timing.fastInterval : timing.interval) * 1000;
}

function progressOf(entry: Entry): ServiceStatus['progress'] {
  const timing = entry.shape?.timing;
  if (!timing) return null;
  if (entry.state === 'RISING' && entry.streak.ok)
    return { count: entry.streak.count, needed: timing.rise };
  if (entry.state === 'FALLING' && !entry.streak.ok)
    return { count: entry.streak.count, needed: timing.fall };
  return null;
}

function toStatus(name: string, entry: Entry): ServiceStatus {
  return {
    name,
    state: entry.state,
    since: entry.since,
    lastCheck: entry.lastCheck && { ...entry.lastCheck, at: entry.lastCheckAt },
    announced: entry.announced && {
      target: entry.announced,
      lines: [...entry.announcedLines],
      at: entry.announcedAt,
    },
    maintenance: entry.maintenance,
    transitions: [...entry.transitions],
    // Maintenance keeps the checks running; only the reference's disable file stops them.
    skipped: entry.skipped ? 'disable file' : null,
    nextCheckAt: nextCheckAt(entry),
    progress: progressOf(entry),
    checks: entry.shape?.checks ?? [],
  };
}
