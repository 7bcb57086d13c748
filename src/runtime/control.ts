// What an operator can ask of the running process (control socket, status page), and what it reports.
import type { AnnounceTarget } from '../core/announcer.js';
import type { ServiceState } from '../core/route-target.js';
import type { CheckReport } from './observer.js';

export interface Maintenance {
  /** Who asked (the control client's user name or uid). */
  readonly by: string;
  readonly reason: string;
  /** Wall-clock time (ms since the epoch) it began. */
  readonly since: number;
}

export interface Transition {
  readonly at: number;
  readonly from: ServiceState;
  readonly to: ServiceState;
  readonly reason: string;
}

export interface ServiceStatus {
  readonly name: string;
  /** The state shown: the health state, DISABLED in maintenance, DRAINING or DRAINED. */
  readonly state: ServiceState;
  /** Wall-clock time (ms since the epoch) the state was entered. */
  readonly since: number;
  readonly lastCheck: (CheckReport & { readonly at: number }) | null;
  /** What was last written for this service: its target and the exact lines. */
  readonly announced: {
    readonly target: AnnounceTarget;
    readonly lines: readonly string[];
    readonly at: number;
  } | null;
  readonly maintenance: Maintenance | null;
  /** Recent transitions, oldest first (bounded). */
  readonly transitions: readonly Transition[];
  /** Why the last cycle ran no check (the service is disabled), or null when it ran them. */
  readonly skipped?: 'disable file' | null;
  /** When the next cycle is due (ms since the epoch), from the timing; null when none is planned. */
  readonly nextCheckAt?: number | null;
  /** While RISING or FALLING: the checks in a row counted so far, and how many the change needs. */
  readonly progress?: { readonly count: number; readonly needed: number } | null;
  /** What each check looks at: a URL, host:port, a DNS query, a command. */
  readonly checks?: readonly CheckTarget[];
}

export interface CheckTarget {
  readonly name: string;
  readonly target: string;
}

export interface ProcessStatus {
  readonly pid: number;
  readonly version: string;
  readonly startedAt: number;
  readonly services: readonly ServiceStatus[];
}

export type ControlResult<T = undefined> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** The operations behind `bgp-healthcheck ctl`. Unknown services are an error result, never a throw. */
export interface ControlTarget {
  status(): ProcessStatus;
  disable(service: string, reason: string, by: string): ControlResult;
  enable(service: string): ControlResult;
  drain(service: string): Promise<ControlResult>;
  checkNow(service: string): Promise<ControlResult<CheckReport>>;
  reload(): Promise<ControlResult<{ readonly summary: string }>>;
}
