import { describe, expect, it } from 'vitest';
import type { AnnouncedState } from '../../src/core/health.js';
import {
  parseCommunity,
  parseExtendedCommunities,
  type Community,
} from '../../src/core/attributes.js';
import { parseIpAddress } from '../../src/core/ip.js';
import type { RoutePolicy } from '../../src/core/route.js';
import type { FrrSpeakerConfig } from '../../src/core/speaker-config.js';
import { unsupportedBy } from '../../src/core/speaker-support.js';
import {
  frrClauses,
  frrCommunity,
  frrPlan,
  frrRoutes,
  parseRunningConfig,
} from '../../src/frr/commands.js';
import { DesiredRoutes } from '../../src/speakers/route-set.js';
import { routePolicy } from '../support/route-policy.js';

const config: FrrSpeakerConfig = {
  type: 'frr',
  vtysh: ['vtysh'],
  asn: null,
  resyncSeconds: 30,
  routeMapPrefix: 'BGPHC-',
  blackhole: true,
  tag: 1111967811,
};

const full = (prefixes: string[]) =>
  routePolicy(prefixes, {
    nextHop: parseIpAddress('192.0.2.10'),
    localPreference: 200,
    communities: [parseCommunity('65000:1'), parseCommunity('no-export')],
    extendedCommunities: parseExtendedCommunities('target:65000:7 origin:65000:8'),
    largeCommunities: ['65000:1:2' as never],
    asPath: [65010 as never, 65011 as never],
  });

function routes(policy: RoutePolicy, state: AnnouncedState) {
  const desired = new DesiredRoutes();
  desired.set({ name: 'web', routes: policy }, state);
  return frrRoutes(config, desired.list());
}

/** The operator's own config, as `show running-config` of FRR 8.4 prints it. */
const OPERATOR = `Building configuration...

Current configuration:
!
frr version 8.4.4
frr defaults traditional
hostname vm
service integrated-vtysh-config
!
ip route 203.0.113.0/24 blackhole tag 7
!
router bgp 64512
 bgp router-id 192.0.2.3
 neighbor 127.0.0.1 remote-as 64512
 !
 address-family ipv4 unicast
  network 203.0.113.0/24 route-map OPERATOR
 exit-address-family
exit
!
router bgp 64512 vrf blue
 address-family ipv4 unicast
  network 198.51.100.10/32 route-map BGPHC-0123456789ab
 exit-address-family
exit
!
route-map OPERATOR permit 10
 set metric 5
exit
!
end
`;

/** What FRR shows once the UP plan of `full(['198.51.100.10/32'])` was applied to OPERATOR. */
const APPLIED = OPERATOR.replace(
  'ip route 203.0.113.0/24 blackhole tag 7\n',
  'ip route 198.51.100.10/32 blackhole tag 1111967811 254\nip route 203.0.113.0/24 blackhole tag 7\n',
)
  .replace(
    '  network 203.0.113.0/24 route-map OPERATOR\n',
    '  network 198.51.100.10/32 route-map BGPHC-UP\n  network 203.0.113.0/24 route-map OPERATOR\n',
  )
  .replace(
    'route-map OPERATOR permit 10',
    [
      'route-map BGPHC-UP permit 10',
      ' set as-path prepend 65010 65011',
      // FRR sorts the communities it shows.
      ' set community 65000:1 no-export',
      ' set extcommunity rt 65000:7',
      ' set extcommunity soo 65000:8',
      ' set ip next-hop 192.0.2.10',
      ' set large-community 65000:1:2',
      ' set local-preference 200',
      ' set metric 100',
      'exit',
      '!',
      'route-map OPERATOR permit 10',
    ].join('\n'),
  );

describe('frrClauses', () => {
  it('sets every attribute of the state in the words FRR shows them', () => {
    const [route] = routes(full(['198.51.100.10/32']), 'UP');
    expect(route?.clauses).toEqual([
      'set as-path prepend 65010 65011',
      'set community 65000:1 no-export',
      'set extcommunity rt 65000:7',
      'set extcommunity soo 65000:8',
      'set ip next-hop 192.0.2.10',
      'set large-community 65000:1:2',
      'set local-preference 200',
      'set metric 100',
    ]);
  });

  it('sets an IPv6 next hop as the global one, and nothing for next-hop self', () => {
    const desired = new DesiredRoutes();
    desired.set(
      {
        name: 'v6',
        routes: routePolicy(['2001:db8::10/128'], { nextHop: parseIpAddress('2001:db8::1') }),
      },
      'UP',
    );
    desired.set({ name: 'self', routes: routePolicy(['198.51.100.20/32']) }, 'DOWN');
    expect(desired.list().map(frrClauses)).toEqual([
      ['set metric 1000'],
      ['set ipv6 next-hop global 2001:db8::1', 'set metric 100'],
    ]);
  });

  it('writes well-known and 32-bit communities as FRR shows them', () => {
    const shown = ['no-export', 'no-export-subconfed', 'nopeer', 'blackhole', '4259840001'].map(
      (c) => frrCommunity(parseCommunity(c)),
    );
    expect(shown).toEqual(['no-export', 'local-AS', 'no-peer', 'blackhole', '65000:1']);
    expect(frrCommunity('0xFDE80002' as Community)).toBe('65000:2');
  });

  it('names one route-map per attribute set: prefixes whose attributes match share it', () => {
    const shared = routes(
      routePolicy(['198.51.100.1/32', '198.51.100.2/32'], { increase: 0 }),
      'UP',
    );
    expect(shared[0]?.routeMap).toBe(shared[1]?.routeMap);
    expect(shared[0]?.routeMap).toMatch(/^BGPHC-[0-9a-f]{12}$/);
    const apart = routes(
      routePolicy(['198.51.100.1/32', '198.51.100.2/32'], { increase: 1 }),
      'UP',
    );
    expect(apart[0]?.routeMap).not.toBe(apart[1]?.routeMap);
  });
});

describe('frrPlan', () => {
  const up = routes(full(['198.51.100.10/32']), 'UP').map((r) => ({
    ...r,
    routeMap: 'BGPHC-UP',
  }));

  it("adds the route-map, the blackhole static and the network statement under the operator's router bgp", () => {
    const plan = frrPlan(config, parseRunningConfig(OPERATOR, config), up);
    expect(plan).toEqual({
      commands: [
        'configure terminal',
        'route-map BGPHC-UP permit 10',
        ...up[0]!.clauses.map((c) => ` ${c}`),
        'exit',
        'ip route 198.51.100.10/32 blackhole tag 1111967811 254',
        'router bgp 64512',
        ' address-family ipv4 unicast',
        '  network 198.51.100.10/32 route-map BGPHC-UP',
        ' exit-address-family',
        'exit',
        'end',
      ],
      conflicts: [],
    });
  });

  it('has nothing to do when FRR already runs the routes, even with its communities reordered', () => {
    const reordered = APPLIED.replace(
      'set community 65000:1 no-export',
      'set community no-export 65000:1',
    );
    expect(frrPlan(config, parseRunningConfig(reordered, config), up).commands).toEqual([]);
  });

  it('moves a prefix to the route-map of its new state and removes the old one', () => {
    const down = routes(full(['198.51.100.10/32']), 'DOWN');
    const plan = frrPlan(config, parseRunningConfig(APPLIED, config), down);
    expect(plan.commands).toEqual([
      'configure terminal',
      `route-map ${down[0]!.routeMap} permit 10`,
      ...down[0]!.clauses.map((c) => ` ${c}`),
      'exit',
      'router bgp 64512',
      ' address-family ipv4 unicast',
      `  network 198.51.100.10/32 route-map ${down[0]!.routeMap}`,
      ' exit-address-family',
      'exit',
      'no route-map BGPHC-UP',
      'end',
    ]);
  });

  it("removes everything of ours for an empty set, and nothing of the operator's (their route-map, static, VRF)", () => {
    const plan = frrPlan(config, parseRunningConfig(APPLIED, config), []);
    expect(plan.commands).toEqual([
      'configure terminal',
      'router bgp 64512',
      ' address-family ipv4 unicast',
      '  no network 198.51.100.10/32 route-map BGPHC-UP',
      ' exit-address-family',
      'exit',
      'no route-map BGPHC-UP',
      'no ip route 198.51.100.10/32 blackhole tag 1111967811 254',
      'end',
    ]);
  });

  it('rewrites a route-map of ours whose clauses are not what they should be', () => {
    const edited = APPLIED.replace(' set metric 100\n', ' set metric 7\n');
    const plan = frrPlan(config, parseRunningConfig(edited, config), up);
    expect(plan.commands.slice(0, 3)).toEqual([
      'configure terminal',
      'no route-map BGPHC-UP',
      'route-map BGPHC-UP permit 10',
    ]);
  });

  it("leaves a prefix alone when the operator's own network statement holds it", () => {
    const theirs = routes(full(['203.0.113.0/24']), 'UP');
    const plan = frrPlan(
      { ...config, blackhole: false },
      parseRunningConfig(OPERATOR, config),
      theirs,
    );
    expect(plan.conflicts).toEqual(['203.0.113.0/24']);
    expect(plan.commands.join('\n')).not.toContain('network');
  });

  it('adds no static route when blackhole is off', () => {
    const plan = frrPlan({ ...config, blackhole: false }, parseRunningConfig(OPERATOR, config), up);
    expect(plan.commands.join('\n')).not.toContain('ip route');
  });

  it("refuses when FRR has no router bgp, or not the configured ASN, but withdraws nothing it doesn't need one for", () => {
    const bare = parseRunningConfig('frr version 8.4.4\n!\nend\n', config);
    expect(() => frrPlan(config, bare, up)).toThrow(/no 'router bgp': configure BGP in FRR first/);
    expect(() =>
      frrPlan({ ...config, asn: 65001 }, parseRunningConfig(OPERATOR, config), up),
    ).toThrow(
      "FRR's running config has no 'router bgp 65001' (it has 'router bgp 64512'): set the speaker's asn to FRR's own",
    );
    expect(frrPlan(config, bare, []).commands).toEqual([]);
  });
});

describe('unsupportedBy frr', () => {
  it('refuses path identifiers, neighbors, extended communities FRR cannot set and a next hop of the other family', () => {
    const policy = routePolicy(['2001:db8::10/128'], {
      pathId: 5,
      neighbors: [parseIpAddress('192.0.2.1')],
      extendedCommunities: parseExtendedCommunities('redirect:65000:1 target:65000:2'),
      nextHop: parseIpAddress('192.0.2.10'),
    });
    expect(unsupportedBy(config, policy)).toEqual([
      'path-id: FRR assigns ADD-PATH identifiers itself',
      "neighbors: with FRR, the neighbors' outbound policies choose the neighbors",
      "extended-community: FRR has no form for 'redirect:65000:1' (only target and origin)",
      'next-hop: with FRR, 192.0.2.10 must be of the family of every prefix',
    ]);
  });
});
