// Which BGP speaker carries the routes, and how to reach it: what the config layer yields.
import type { IpPrefix } from './ip.js';

/** ExaBGP runs us and reads its text API on our stdout: the drop-in default. */
export interface ExabgpSpeakerConfig {
  readonly type: 'exabgp';
}

/**
 * BIRD 2 reads a file we write and is told to reconfigure. `static`: a static protocol per family
 * whose routes carry the attributes of their state. `prefix-set`: the prefix sets
 * anycast-healthchecker writes (only the prefixes of UP services), for existing filters.
 */
export interface BirdSpeakerConfig {
  readonly type: 'bird';
  readonly file: string;
  readonly layout: 'static' | 'prefix-set';
  /** static: the protocols are named PROTOCOL4 and PROTOCOL6. */
  readonly protocol: string;
  /** prefix-set: the names of the IPv4 and IPv6 sets. */
  readonly variable: string;
  readonly variable6: string;
  /** prefix-set: the IPv6 set goes into this file instead of `file`. */
  readonly file6: string | null;
  /** prefix-set: BIRD refuses an empty set, so each set always holds this prefix. */
  readonly dummyPrefix: IpPrefix;
  readonly dummyPrefix6: IpPrefix;
  /** BIRD's control socket, told `configure` after each change. */
  readonly socket: string;
  /** A command run instead of talking to the socket (`birdc configure`, with sudo if need be). */
  readonly reconfigure: string | null;
}

/**
 * FRR is configured through vtysh: a `network` statement with a route-map of ours per announced
 * prefix, under the operator's own `router bgp`, and (unless turned off) a blackhole static route
 * of ours so that the prefix passes FRR's import check. Everything of ours carries `routeMapPrefix`
 * (route-maps) or `tag` (static routes); nothing else is touched.
 */
export interface FrrSpeakerConfig {
  readonly type: 'frr';
  /** The vtysh command line, split on spaces (`vtysh`, `sudo vtysh`, `vtysh --vty_socket DIR`). */
  readonly vtysh: readonly string[];
  /** The ASN of the operator's `router bgp`; null: the one in `show running-config`. */
  readonly asn: number | null;
  /** How often the running config is compared again, so that a restarted FRR gets our routes back. */
  readonly resyncSeconds: number;
  readonly routeMapPrefix: string;
  /** Whether a static blackhole route of ours puts each prefix in FRR's RIB. */
  readonly blackhole: boolean;
  readonly tag: number;
}

/**
 * GoBGP (gobgpd) is driven through its `gobgp` CLI: paths added to and deleted from its global
 * RIB, compared with what it holds on every change and every `resyncMs`.
 */
export interface GobgpSpeakerConfig {
  readonly type: 'gobgp';
  /** gobgpd's gRPC API, given to the CLI as -u HOST -p PORT. */
  readonly host: string;
  readonly port: number;
  /** The CLI and any words before its arguments (`gobgp`, or `sudo gobgp`). */
  readonly command: readonly string[];
  readonly resyncMs: number;
}

export type SpeakerConfig =
  ExabgpSpeakerConfig | BirdSpeakerConfig | FrrSpeakerConfig | GobgpSpeakerConfig;

export const EXABGP_SPEAKER: ExabgpSpeakerConfig = { type: 'exabgp' };
