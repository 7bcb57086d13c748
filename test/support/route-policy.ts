// A route policy with the reference's defaults, for tests that need one with a few values changed.
import { parseIpPrefix } from '../../src/core/ip.js';
import type { RoutePolicy } from '../../src/core/route.js';

export function routePolicy(
  prefixes: readonly string[],
  overrides: Partial<RoutePolicy> = {},
): RoutePolicy {
  return {
    prefixes: prefixes.map(parseIpPrefix),
    nextHop: 'self',
    metrics: { UP: 100, DOWN: 1000, DISABLED: 500 },
    increase: 1,
    localPreference: null,
    communities: null,
    disabledCommunities: null,
    extendedCommunities: null,
    largeCommunities: null,
    asPath: null,
    stateAsPaths: {},
    pathId: null,
    neighbors: [],
    withdrawOnDown: false,
    ...overrides,
  };
}
