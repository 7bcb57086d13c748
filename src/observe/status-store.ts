// What each service is doing, kept from the runtime's events, for /status, the status page and `ctl status`.
import type { AnnounceTarget } from '../core/announcer.js';
import type { ServiceState } from '../core/route-target.js';
import type { Maintenance, ProcessStatus, ServiceStatus, Transition } from '../runtime/control.js';
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
  readonly services?: readonly string[];
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
  addService(name: string): void {
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
    });
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

  checked(service: string, report: CheckReport, _disabled: boolean): void {
    const entry = this.entries.get(service);
    if (!entry) return;
    entry.lastCheck = report;
    entry.lastCheckAt = this.now();
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
  };
}
