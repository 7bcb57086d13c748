// What each speaker can carry of a route policy: the reasons a config asks for more than it can.
import type { ExtendedCommunity } from './attributes.js';
import type { RoutePolicy } from './route.js';
import type { SpeakerConfig } from './speaker-config.js';

/** An extended community as BIRD writes it (`(rt, 65000, 1)`), or null when BIRD has no form for it. */
export function birdExtendedCommunity(community: ExtendedCommunity): string | null {
  const parts = community.split(':');
  if (parts.length !== 2 && parts.length !== 3) return null;
  const kind = parts.length === 3 ? parts[0]!.toLowerCase() : 'target';
  const [admin, assigned] = parts.length === 3 ? parts.slice(1) : parts;
  const type =
    kind === 'target' || kind === 'target4' ? 'rt' : kind.startsWith('origin') ? 'ro' : null;
  if (type === null || admin === undefined || assigned === undefined) return null;
  return `(${type}, ${admin}, ${assigned})`;
}

/** An extended community as FRR's `set extcommunity` writes it, or null when FRR has no form for it. */
export function frrExtendedCommunity(
  community: ExtendedCommunity,
): { readonly kind: 'rt' | 'soo'; readonly value: string } | null {
  const parts = community.split(':');
  if (parts.length !== 2 && parts.length !== 3) return null;
  const kind = parts.length === 3 ? parts[0]!.toLowerCase() : 'target';
  const value = parts.slice(-2).join(':');
  if (kind === 'target' || kind === 'target4') return { kind: 'rt', value };
  if (kind === 'origin' || kind === 'origin4') return { kind: 'soo', value };
  return null;
}

/** The reasons FRR cannot carry these routes as configured. */
function unsupportedByFrr(routes: RoutePolicy): string[] {
  const reasons: string[] = [];
  if (routes.pathId) reasons.push('path-id: FRR assigns ADD-PATH identifiers itself');
  if (routes.neighbors.length > 0)
    reasons.push("neighbors: with FRR, the neighbors' outbound policies choose the neighbors");
  for (const community of routes.extendedCommunities ?? [])
    if (frrExtendedCommunity(community) === null)
      reasons.push(
        `extended-community: FRR has no form for '${community}' (only target and origin)`,
      );
  const nextHop = routes.nextHop;
  if (nextHop !== 'self' && routes.prefixes.some((p) => p.family !== nextHop.family))
    reasons.push(`next-hop: with FRR, ${nextHop.text} must be of the family of every prefix`);
  return reasons;
}

/** An extended community as the gobgp CLI takes it (`rt 65000:1`), or null when it takes no such form. */
export function gobgpExtendedCommunity(community: ExtendedCommunity): string | null {
  const parts = community.split(':');
  if (parts.length !== 2 && parts.length !== 3) return null;
  const kind = parts.length === 3 ? parts[0]!.toLowerCase() : 'target';
  if (kind !== 'target' && kind !== 'target4') return null;
  return `rt ${parts.slice(-2).join(':')}`;
}

/** What GoBGP's global RIB, driven through its CLI, cannot carry for these routes. */
function unsupportedByGobgp(routes: RoutePolicy): string[] {
  const reasons: string[] = [];
  if (routes.neighbors.length > 0)
    reasons.push(
      'neighbors: with GoBGP, the global RIB goes to every peer its policies let through',
    );
  for (const community of routes.extendedCommunities ?? [])
    if (gobgpExtendedCommunity(community) === null)
      reasons.push(
        `extended-community: the gobgp CLI adds only route targets (rt), not '${community}'`,
      );
  return reasons;
}

/**
 * What the static layout cannot carry for these routes, one reason each: BIRD assigns ADD-PATH
 * identifiers itself, the operator's filters choose the neighbors, and a few extended communities
 * have no BIRD form.
 */
export function unsupportedBy(speaker: SpeakerConfig, routes: RoutePolicy): string[] {
  if (speaker.type === 'exabgp') return [];
  if (speaker.type === 'frr') return unsupportedByFrr(routes);
  if (speaker.type === 'gobgp') return unsupportedByGobgp(routes);
  const reasons: string[] = [];
  if (routes.pathId) reasons.push('path-id: BIRD assigns ADD-PATH identifiers itself');
  if (routes.neighbors.length > 0)
    reasons.push("neighbors: with BIRD, the BGP protocols' export filters choose the neighbors");
  for (const community of routes.extendedCommunities ?? [])
    if (birdExtendedCommunity(community) === null)
      reasons.push(`extended-community: BIRD has no form for '${community}'`);
  return reasons;
}
