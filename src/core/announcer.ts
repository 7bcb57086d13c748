// The announcer: a state and a route policy in, the ordered route commands out.
import type { AnnouncedState } from './health.js';
import type { RouteCommand, RoutePolicy } from './route.js';

/** `EXIT` withdraws every prefix (shutdown); the other targets follow the policy. */
export type AnnounceTarget = AnnouncedState | 'EXIT';

export function announcementsFor(policy: RoutePolicy, target: AnnounceTarget): RouteCommand[] {
  const withdraw = target === 'EXIT' || (policy.withdrawOnDown && target !== 'UP');
  const pathId = policy.pathId ? policy.pathId : null;
  if (withdraw) {
    return policy.prefixes.map((prefix) => ({
      action: 'withdraw',
      prefix,
      nextHop: policy.nextHop,
      pathId,
      neighbors: policy.neighbors,
    }));
  }
  const communities =
    target !== 'UP' && policy.disabledCommunities ? policy.disabledCommunities : policy.communities;
  const asPath = policy.stateAsPaths[target] ?? policy.asPath;
  return policy.prefixes.map((prefix, index) => ({
    action: 'announce',
    prefix,
    nextHop: policy.nextHop,
    med: policy.metrics[target] + index * policy.increase,
    localPreference:
      policy.localPreference !== null && policy.localPreference >= 0
        ? policy.localPreference
        : null,
    communities: communities && communities.length > 0 ? communities : null,
    extendedCommunities:
      policy.extendedCommunities && policy.extendedCommunities.length > 0
        ? policy.extendedCommunities
        : null,
    largeCommunities:
      policy.largeCommunities && policy.largeCommunities.length > 0
        ? policy.largeCommunities
        : null,
    asPath: asPath && asPath.length > 0 ? asPath : null,
    pathId,
    neighbors: policy.neighbors,
  }));
}
