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

/**
 * What the static layout cannot carry for these routes, one reason each: BIRD assigns ADD-PATH
 * identifiers itself, the operator's filters choose the neighbors, and a few extended communities
 * have no BIRD form.
 */
export function unsupportedBy(speaker: SpeakerConfig, routes: RoutePolicy): string[] {
  if (speaker.type === 'exabgp') return [];
  const reasons: string[] = [];
  if (routes.pathId) reasons.push('path-id: BIRD assigns ADD-PATH identifiers itself');
  if (routes.neighbors.length > 0)
    reasons.push("neighbors: with BIRD, the BGP protocols' export filters choose the neighbors");
  for (const community of routes.extendedCommunities ?? [])
    if (birdExtendedCommunity(community) === null)
      reasons.push(`extended-community: BIRD has no form for '${community}'`);
  return reasons;
}
