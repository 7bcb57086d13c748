// The soak's oracle: the routes a peer should hold, derived from what the healthcheck reports of
// each service (state, last check, last announcement) by the README's "What a service announces"
// table, compared with the peer's RIB. Written from the table, not from src/, so it can disagree.
import type { RibPath } from '../e2e/harness/gobgp.js';

/** A soak service's route policy, as its YAML says it. */
export interface SoakRoutes {
  readonly prefixes: readonly string[];
  readonly upMetric: number;
  readonly downMetric: number;
  readonly disabledMetric: number;
  readonly increase: number;
  readonly communities: readonly string[];
  /** Replaces `communities` in DOWN and DISABLED when given. */
  readonly disabledCommunities: readonly string[] | null;
  readonly withdrawOnDown: boolean;
}

/** What /status says of one service (the fields the oracle reads). */
export interface ReportedService {
  readonly name: string;
  readonly state: string;
  readonly lastCheck: { readonly ok: boolean; readonly reason?: string } | null;
  readonly announced: { readonly target: string } | null;
}

/** The attributes a peer shows for one prefix. */
export interface HeldRoute {
  readonly med: number;
  /** Sorted "ASN:VALUE" strings. */
  readonly communities: readonly string[];
}

/** Prefix → route; a prefix that is absent is withdrawn. */
export type Rib = ReadonlyMap<string, HeldRoute>;

/** The attribute set a service announces, or withdrawn. */
export type Announcement = 'UP' | 'DOWN' | 'DISABLED' | 'WITHDRAWN';

/** The routes of one attribute set, prefix by prefix. */
export function routesOf(routes: SoakRoutes, announcement: Announcement): Map<string, HeldRoute> {
  const held = new Map<string, HeldRoute>();
  if (announcement === 'WITHDRAWN') return held;
  if (announcement !== 'UP' && routes.withdrawOnDown) return held;
  const metric =
    announcement === 'UP'
      ? routes.upMetric
      : announcement === 'DOWN'
        ? routes.downMetric
        : routes.disabledMetric;
  const communities =
    announcement !== 'UP' && routes.disabledCommunities !== null
      ? routes.disabledCommunities
      : routes.communities;
  routes.prefixes.forEach((prefix, index) => {
    held.set(prefix, {
      med: metric + index * routes.increase,
      communities: [...communities].sort(),
    });
  });
  return held;
}

/** The less preferred of DISABLED and DOWN for these routes: a higher MED loses (withdrawn loses all). */
function lessPreferredHeld(routes: SoakRoutes): Announcement {
  if (routes.withdrawOnDown) return 'WITHDRAWN';
  return routes.downMetric >= routes.disabledMetric ? 'DOWN' : 'DISABLED';
}

/** What the announcer's target means as an attribute set (EXIT and null write or keep nothing). */
export function announcementOfTarget(target: string | null): Announcement | null {
  if (target === null) return null;
  if (target === 'EXIT') return 'WITHDRAWN';
  if (target === 'UP' || target === 'DOWN' || target === 'DISABLED') return target;
  throw new Error(`unknown announced target ${target}`);
}

/**
 * The README's table: what a service in `state` announces. Maintenance and a drain under way
 * announce the disabled attributes while the checks prove the service UP (here: its last check
 * passed, which the soak only asks once its checks have settled), otherwise the less preferred of
 * the disabled and the down ones. INIT, RISING and FALLING keep the last announcement.
 */
export function tableAnnouncement(
  routes: SoakRoutes,
  service: ReportedService,
): Announcement | null {
  switch (service.state) {
    case 'UP':
      return 'UP';
    case 'DOWN':
      return 'DOWN';
    case 'DISABLED':
    case 'DRAINING':
      return service.lastCheck?.ok === true ? 'DISABLED' : lessPreferredHeld(routes);
    case 'DRAINED':
      return 'WITHDRAWN';
    default:
      return announcementOfTarget(service.announced?.target ?? null);
  }
}

/** The peer's paths as a RIB; a prefix held twice is reported, since one speaker announces it once. */
export function ribOf(paths: readonly RibPath[]): {
  rib: Map<string, HeldRoute>;
  doubled: string[];
} {
  const rib = new Map<string, HeldRoute>();
  const doubled: string[] = [];
  for (const path of paths) {
    if (rib.has(path.prefix)) doubled.push(path.prefix);
    rib.set(path.prefix, { med: path.med ?? 0, communities: [...path.communities].sort() });
  }
  return { rib, doubled };
}

function describeRoute(route: HeldRoute | undefined): string {
  if (route === undefined) return 'withdrawn';
  return `med ${route.med}${route.communities.length > 0 ? ` community ${route.communities.join(' ')}` : ''}`;
}

/** Every difference between two RIBs, one line each, "PREFIX: expected X, peer holds Y". */
export function ribDifferences(expected: Rib, held: Rib): string[] {
  const differences: string[] = [];
  const prefixes = new Set([...expected.keys(), ...held.keys()]);
  for (const prefix of [...prefixes].sort()) {
    const want = expected.get(prefix);
    const have = held.get(prefix);
    const same =
      want !== undefined &&
      have !== undefined &&
      want.med === have.med &&
      want.communities.join(' ') === have.communities.join(' ');
    if (same || (want === undefined && have === undefined)) continue;
    differences.push(
      `${prefix}: expected ${describeRoute(want)}, peer holds ${describeRoute(have)}`,
    );
  }
  return differences;
}

export interface Verdict {
  /** The RIB the healthcheck's own decisions call for. */
  readonly expected: Map<string, HeldRoute>;
  /** Services whose last announcement is not what their state calls for. */
  readonly undecided: string[];
  /** Differences between that RIB and the peer's. */
  readonly differences: string[];
}

/**
 * Compares the peer's RIB with the routes the healthcheck's reported decisions call for: every
 * reported service announces what the table says for its state (and said so last), nothing else
 * is held. `routesOf` gives the policy of a service by name.
 */
export function judge(
  services: readonly ReportedService[],
  policyOf: (name: string) => SoakRoutes | undefined,
  held: Rib,
): Verdict {
  const expected = new Map<string, HeldRoute>();
  const undecided: string[] = [];
  for (const service of services) {
    const routes = policyOf(service.name);
    if (routes === undefined) {
      undecided.push(`${service.name}: reported but not configured`);
      continue;
    }
    const wanted = tableAnnouncement(routes, service);
    const last = announcementOfTarget(service.announced?.target ?? null);
    const wantedRoutes = routesOf(routes, wanted ?? 'WITHDRAWN');
    const lastRoutes = routesOf(routes, last ?? 'WITHDRAWN');
    if (ribDifferences(wantedRoutes, lastRoutes).length > 0) {
      undecided.push(
        `${service.name}: ${service.state} (last check ${service.lastCheck?.ok === true ? 'ok' : 'failed'}) calls for ${wanted ?? 'nothing'}, last announced ${last ?? 'nothing'}`,
      );
    }
    for (const [prefix, route] of wantedRoutes) expected.set(prefix, route);
  }
  return { expected, undecided, differences: ribDifferences(expected, held) };
}
