// A watched service: its checks, timing, hooks, addresses and routes. Every config source yields these.
import type { AnnouncedState, HealthState } from './health.js';
import type { IpPrefix } from './ip.js';
import type { RoutePolicy } from './route.js';

export interface Timing {
  /** Seconds from the start of one check to the start of the next; 0 announces once and exits. */
  readonly interval: number;
  /** The period while RISING or FALLING. */
  readonly fastInterval: number;
  /** Seconds a check (and a hook) may run; 0 means no limit, as the reference. */
  readonly timeout: number;
  readonly rise: number;
  readonly fall: number;
  /** Write routes only when the state changed in this cycle. */
  readonly debounce: boolean;
  /** Seconds UP or DOWN is held before the next change is announced (hysteresis). */
  readonly minStateTime: number;
  /** Up to this many seconds are added at random to each period. */
  readonly jitter: number;
}

interface CheckBase {
  /** Seconds; falls back to the service's timeout. */
  readonly timeout?: number;
  /** Weight for the weighted policy. */
  readonly weight?: number;
  readonly name?: string;
}

export interface CommandCheck extends CheckBase {
  readonly kind: 'command';
  readonly command: string;
}

export interface HttpCheck extends CheckBase {
  readonly kind: 'http';
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Accepted status codes as inclusive ranges. */
  readonly expectStatus: readonly (readonly [number, number])[];
  readonly bodyContains?: string;
  readonly bodyMatches?: string;
  readonly tlsVerify: boolean;
  readonly followRedirects: boolean;
  /**
   * Keep the connection open between checks (one per check, reused while the server keeps it).
   * Off by default: a fresh connection per check also proves the server still accepts new ones.
   */
  readonly keepAlive: boolean;
}

export interface TcpCheck extends CheckBase {
  readonly kind: 'tcp';
  readonly host: string;
  readonly port: number;
  readonly send?: string;
  readonly expect?: string;
}

export interface DnsCheck extends CheckBase {
  readonly kind: 'dns';
  readonly server: string;
  readonly port: number;
  readonly name: string;
  readonly type: string;
  readonly expectRcode: string;
  readonly expectAnswer?: string;
  /** The check's name in reasons and logs, since `name` here is the queried name. */
  readonly label?: string;
}

export type CheckSpec = CommandCheck | HttpCheck | TcpCheck | DnsCheck;

export type CheckPolicy =
  | { readonly kind: 'all' }
  | { readonly kind: 'any' }
  | { readonly kind: 'weighted'; readonly threshold: number };

export interface Hooks {
  /** Run on every transition, after the state's own. */
  readonly any: readonly string[];
  readonly byState: Readonly<Partial<Record<HealthState, readonly string[]>>>;
}

export interface AddressOptions {
  /** Discover addresses on the loopback (and `ifnames`) when no prefix is configured. */
  readonly label: string | null;
  readonly labelExactMatch: boolean;
  /** Add missing addresses at start, remove them at exit. */
  readonly setup: boolean;
  /** Remove addresses on DOWN/DISABLED, restore them before UP. */
  readonly dynamic: boolean;
  readonly sudo: boolean;
  /** Interface for a prefix (by its CIDR text) other than `lo`. */
  readonly ifnames: Readonly<Record<string, string>>;
  readonly deaggregate: boolean;
  readonly startIp: number;
}

export interface Service {
  readonly name: string;
  readonly timing: Timing;
  readonly disableFile: string | null;
  /**
   * What the disable file does. `reference` (the drop-in default): the checks stop and the DISABLED
   * attributes are announced, as ExaBGP's healthcheck does. `maintenance`: the service is held as by
   * `ctl disable`: the checks go on, and the routes are never better than the checks prove.
   */
  readonly disableMode?: 'reference' | 'maintenance';
  readonly checks: readonly CheckSpec[];
  readonly policy: CheckPolicy;
  readonly hooks: Hooks;
  readonly addresses: AddressOptions;
  /** Configured prefixes (possibly none, then discovered) and the attributes of each state. */
  readonly routes: RoutePolicy;
  /** Seconds the DOWN/DISABLED attributes are announced on shutdown before the withdrawal (graceful drain). */
  readonly drain?: number;
}

export type { AnnouncedState, IpPrefix };
