// What FRR is told through vtysh: our route-maps, statics and network statements, diffed against its running config.
import { createHash } from 'node:crypto';
import type { Community } from '../core/attributes.js';
import { parseIpPrefix, type IpPrefix } from '../core/ip.js';
import type { FrrSpeakerConfig } from '../core/speaker-config.js';
import { frrExtendedCommunity } from '../core/speaker-support.js';
import type { DesiredRoute } from '../speakers/route-set.js';

/** The administrative distance of our blackhole statics: any other route to the prefix wins. */
export const STATIC_DISTANCE = 254;

type Owned = Pick<FrrSpeakerConfig, 'routeMapPrefix' | 'tag' | 'blackhole'>;

/** One announced prefix as FRR carries it: a `network` statement and the route-map of its attributes. */
export interface FrrRoute {
  readonly prefix: IpPrefix;
  readonly routeMap: string;
  /** The route-map's `set` clauses, as FRR shows them in its running config. */
  readonly clauses: readonly string[];
}

/** The well-known communities FRR shows by name (RFC 1997, 7999, 8326 and its own list). */
const FRR_COMMUNITY_NAMES: Readonly<Record<string, string>> = {
  '65535:0': 'graceful-shutdown',
  '65535:666': 'blackhole',
  '65535:65281': 'no-export',
  '65535:65282': 'no-advertise',
  '65535:65283': 'local-AS',
  '65535:65284': 'no-peer',
};

const WELL_KNOWN: Readonly<Record<string, string>> = {
  'no-export': '65535:65281',
  'no-advertise': '65535:65282',
  'no-export-subconfed': '65535:65283',
  nopeer: '65535:65284',
  'no-peer': '65535:65284',
  blackhole: '65535:666',
};

/** A community as FRR shows it: `65000:1`, or the name FRR gives a well-known one. */
export function frrCommunity(community: Community): string {
  let pair = WELL_KNOWN[community];
  if (pair === undefined) {
    const value = community.includes(':') ? null : Number(community);
    pair =
      value === null
        ? community.split(':').map(Number).join(':')
        : `${Math.floor(value / 65536)}:${value % 65536}`;
  }
  return FRR_COMMUNITY_NAMES[pair] ?? pair;
}

/** The `set` clauses that give a route the attributes of `command`. */
export function frrClauses({ command }: DesiredRoute): string[] {
  const clauses: string[] = [];
  if (command.asPath !== null && command.asPath.length > 0)
    clauses.push(`set as-path prepend ${command.asPath.join(' ')}`);
  if (command.communities !== null && command.communities.length > 0)
    clauses.push(`set community ${command.communities.map(frrCommunity).join(' ')}`);
  const extended = (command.extendedCommunities ?? []).flatMap((c) => {
    const form = frrExtendedCommunity(c);
    return form === null ? [] : [form];
  });
  for (const kind of ['rt', 'soo'] as const) {
    const values = extended.filter((e) => e.kind === kind).map((e) => e.value);
    if (values.length > 0) clauses.push(`set extcommunity ${kind} ${values.join(' ')}`);
  }
  if (command.nextHop !== 'self')
    clauses.push(
      command.nextHop.family === 4
        ? `set ip next-hop ${command.nextHop.text}`
        : `set ipv6 next-hop global ${command.nextHop.text}`,
    );
  if (command.largeCommunities !== null && command.largeCommunities.length > 0)
    clauses.push(`set large-community ${command.largeCommunities.join(' ')}`);
  if (command.localPreference !== null)
    clauses.push(`set local-preference ${command.localPreference}`);
  clauses.push(`set metric ${command.med}`);
  return clauses;
}

/** Each desired route with its route-map, named after its clauses: one route-map per attribute set. */
export function frrRoutes(
  config: Pick<FrrSpeakerConfig, 'routeMapPrefix'>,
  routes: readonly DesiredRoute[],
): FrrRoute[] {
  return routes.map((route) => {
    const clauses = frrClauses(route);
    const hash = createHash('sha256').update(clauses.join('\n')).digest('hex').slice(0, 12);
    return { prefix: route.command.prefix, routeMap: `${config.routeMapPrefix}${hash}`, clauses };
  });
}

/** What of FRR's running config matters to us. */
export interface RunningConfig {
  /** The ASN of each `router bgp` outside a VRF (FRR allows one). */
  readonly asns: readonly number[];
  /** The `network` statements of each `router bgp` outside a VRF, by ASN then prefix: their route-map or null. */
  readonly networks: ReadonlyMap<number, ReadonlyMap<string, string | null>>;
  /** Our route-maps and their `set` clauses. */
  readonly routeMaps: ReadonlyMap<string, readonly string[]>;
  /** Our static routes, as FRR shows them. */
  readonly statics: readonly string[];
}

function canonicalPrefix(text: string): string | null {
  try {
    return parseIpPrefix(text).text;
  } catch {
    return null;
  }
}

function staticLine(prefix: IpPrefix, tag: number): string {
  return `${prefix.family === 4 ? 'ip' : 'ipv6'} route ${prefix.text} blackhole tag ${tag} ${STATIC_DISTANCE}`;
}

/** Reads `show running-config`: the `router bgp` blocks, and whatever of it carries our marks. */
export function parseRunningConfig(text: string, owned: Owned): RunningConfig {
  const asns: number[] = [];
  const networks = new Map<number, Map<string, string | null>>();
  const routeMaps = new Map<string, string[]>();
  const statics: string[] = [];
  let bgp: Map<string, string | null> | null = null;
  let routeMap: string[] | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line === '' || line.startsWith('!')) continue;
    if (!line.startsWith(' ')) {
      bgp = null;
      routeMap = null;
      const router = /^router bgp (\d+)( vrf \S+)?$/.exec(line);
      if (router !== null && router[2] === undefined) {
        const asn = Number(router[1]);
        asns.push(asn);
        bgp = networks.get(asn) ?? new Map();
        networks.set(asn, bgp);
        continue;
      }
      const map = /^route-map (\S+) (?:permit|deny) \d+$/.exec(line);
      if (map !== null && map[1]!.startsWith(owned.routeMapPrefix)) {
        routeMap = routeMaps.get(map[1]!) ?? [];
        routeMaps.set(map[1]!, routeMap);
        continue;
      }
      const route = /^ip(?:v6)? route (\S+) blackhole tag (\d+)(?: \d+)?$/.exec(line);
      if (route !== null && Number(route[2]) === owned.tag) statics.push(line);
      continue;
    }
    const body = line.trim();
    if (routeMap !== null && body.startsWith('set ')) routeMap.push(body);
    const network = /^network (\S+)(?: route-map (\S+))?/.exec(body);
    if (bgp !== null && network !== null) {
      const prefix = canonicalPrefix(network[1]!);
      if (prefix !== null) bgp.set(prefix, network[2] ?? null);
    }
  }
  return { asns, networks, routeMaps, statics };
}

/** A clause in a form that compares equal however FRR reorders it (it sorts and dedupes communities). */
function normalClause(clause: string): string {
  const community = /^set community (.*)$/.exec(clause);
  if (community === null) return clause;
  return `set community ${[...new Set(community[1]!.split(' '))].sort().join(' ')}`;
}

const sameClauses = (a: readonly string[], b: readonly string[]): boolean =>
  JSON.stringify(a.map(normalClause).sort()) === JSON.stringify(b.map(normalClause).sort());

export interface FrrPlan {
  /** The vtysh lines that make FRR carry exactly `routes` of ours; empty when it already does. */
  readonly commands: readonly string[];
  /** Prefixes left alone because the operator's own `network` statement holds them. */
  readonly conflicts: readonly string[];
}

/** Whose `router bgp` our statements go under; a reason when there is none. */
export function bgpAsn(config: Pick<FrrSpeakerConfig, 'asn'>, running: RunningConfig): number {
  const asn = config.asn ?? running.asns[0];
  if (asn === undefined)
    throw new Error(
      "FRR's running config has no 'router bgp': configure BGP in FRR first (bgp-healthcheck only adds network statements to it)",
    );
  if (!running.asns.includes(asn))
    throw new Error(
      `FRR's running config has no 'router bgp ${asn}'${running.asns.length > 0 ? ` (it has 'router bgp ${running.asns.join(', ')}')` : ''}: set the speaker's asn to FRR's own`,
    );
  return asn;
}

/**
 * The difference between what FRR runs and `routes`, as vtysh lines: route-maps first, then the
 * statics and network statements, then the removal of what is ours and no longer wanted.
 * `asn` is only needed (and checked) when a network statement must change.
 */
export function frrPlan(
  config: Pick<FrrSpeakerConfig, 'asn' | 'routeMapPrefix' | 'tag' | 'blackhole'>,
  running: RunningConfig,
  routes: readonly FrrRoute[],
): FrrPlan {
  const head: string[] = [];
  const tail: string[] = [];
  const wantedMaps = new Map(routes.map((r) => [r.routeMap, r.clauses]));
  for (const [name, clauses] of wantedMaps) {
    const current = running.routeMaps.get(name);
    if (current !== undefined && sameClauses(current, clauses)) continue;
    if (current !== undefined) head.push(`no route-map ${name}`);
    head.push(`route-map ${name} permit 10`, ...clauses.map((c) => ` ${c}`), 'exit');
  }
  const wantedStatics = config.blackhole ? routes.map((r) => staticLine(r.prefix, config.tag)) : [];
  for (const line of wantedStatics) if (!running.statics.includes(line)) head.push(line);

  const conflicts: string[] = [];
  const networkLines: Record<4 | 6, string[]> = { 4: [], 6: [] };
  const needsAsn =
    routes.length > 0 ||
    [...running.networks.values()].some((n) =>
      [...n.values()].some((m) => m?.startsWith(config.routeMapPrefix)),
    );
  if (needsAsn) {
    const asn = bgpAsn(config, running);
    const current = running.networks.get(asn) ?? new Map<string, string | null>();
    const wanted = new Set<string>();
    for (const { prefix, routeMap } of routes) {
      wanted.add(prefix.text);
      const now = current.get(prefix.text);
      if (now === routeMap) continue;
      if (now !== undefined && !now?.startsWith(config.routeMapPrefix)) {
        conflicts.push(prefix.text);
        continue;
      }
      networkLines[prefix.family].push(`network ${prefix.text} route-map ${routeMap}`);
    }
    for (const [prefix, routeMap] of current) {
      if (wanted.has(prefix) || !routeMap?.startsWith(config.routeMapPrefix)) continue;
      networkLines[prefix.includes(':') ? 6 : 4].push(`no network ${prefix} route-map ${routeMap}`);
    }
    if (networkLines[4].length + networkLines[6].length > 0) {
      head.push(`router bgp ${asn}`);
      for (const family of [4, 6] as const) {
        if (networkLines[family].length === 0) continue;
        head.push(
          ` address-family ipv${family} unicast`,
          ...networkLines[family].map((l) => `  ${l}`),
          ' exit-address-family',
        );
      }
      head.push('exit');
    }
  }
  for (const name of running.routeMaps.keys())
    if (!wantedMaps.has(name)) tail.push(`no route-map ${name}`);
  for (const line of running.statics) if (!wantedStatics.includes(line)) tail.push(`no ${line}`);
  const body = [...head, ...tail];
  return {
    commands: body.length === 0 ? [] : ['configure terminal', ...body, 'end'],
    conflicts,
  };
}
