import { describe, expect, it } from 'vitest';
import {
  parseCommunities,
  parseExtendedCommunities,
  parseLargeCommunities,
  parseAsPath,
} from '../../src/core/attributes.js';
import { announcementsFor } from '../../src/core/announcer.js';
import { parseIpAddress, parseIpPrefix } from '../../src/core/ip.js';
import type { AnnounceCommand, RoutePolicy } from '../../src/core/route.js';
import { unsupportedBy } from '../../src/core/speaker-support.js';
import type { GobgpSpeakerConfig } from '../../src/core/speaker-config.js';
import {
  addArgs,
  delArgs,
  parseHeldPaths,
  planChanges,
  stateCommands,
} from '../../src/gobgp/commands.js';
import { gobgpArgv } from '../../src/gobgp/speaker.js';
import { DesiredRoutes, type DesiredRoute } from '../../src/speakers/route-set.js';
import { routePolicy } from '../support/route-policy.js';

const GOBGP: GobgpSpeakerConfig = {
  type: 'gobgp',
  host: '127.0.0.1',
  port: 50051,
  command: ['gobgp'],
  resyncMs: 5000,
};

const full = (prefixes: string[], extra: Partial<RoutePolicy> = {}): RoutePolicy =>
  routePolicy(prefixes, {
    nextHop: parseIpAddress(prefixes[0]!.includes(':') ? '2001:db8::1' : '192.0.2.10'),
    localPreference: 200,
    communities: parseCommunities('65000:1 no-export'),
    extendedCommunities: parseExtendedCommunities('target:65000:5 192.0.2.1:7'),
    largeCommunities: parseLargeCommunities('65000:1:2 65000:3:4'),
    asPath: parseAsPath('65001 65002'),
    ...extra,
  });

function routesOf(policy: RoutePolicy, state: 'UP' | 'DOWN' | 'DISABLED' = 'UP'): DesiredRoute[] {
  const desired = new DesiredRoutes();
  desired.set({ name: 'web', routes: policy }, state);
  return desired.list();
}

const first = (policy: RoutePolicy) => announcementsFor(policy, 'UP')[0] as AnnounceCommand;

/** What gobgpd 3.10 lists for the paths the commands below add (captured from a real daemon). */
const HELD_V4 = JSON.stringify({
  '198.51.100.10/32': [
    {
      nlri: { prefix: '198.51.100.10/32' },
      age: 1796127538,
      best: true,
      attrs: [
        { type: 1, value: 0 },
        { type: 2, as_paths: [{ segment_type: 2, num: 2, asns: [65001, 65002] }] },
        { type: 4, metric: 100 },
        { type: 5, value: 200 },
        { type: 8, communities: [4259840001, 4294967041] },
        {
          type: 16,
          value: [
            { type: 0, subtype: 2, value: '65000:5' },
            { type: 1, subtype: 2, value: '192.0.2.1:7' },
          ],
        },
        {
          type: 32,
          value: [
            { ASN: 65000, LocalData1: 1, LocalData2: 2 },
            { ASN: 65000, LocalData1: 3, LocalData2: 4 },
          ],
        },
        { type: 3, nexthop: '192.0.2.10' },
      ],
      stale: false,
    },
  ],
});

const HELD_V6_SELF = JSON.stringify({
  '2001:db8::10/128': [
    {
      nlri: { prefix: '2001:db8::10/128' },
      best: true,
      attrs: [
        { type: 1, value: 0 },
        { type: 4, metric: 100 },
        {
          type: 14,
          nexthop: '::',
          afi: 2,
          safi: 1,
          value: [{ prefix: '2001:db8::10/128' }],
        },
      ],
      stale: false,
    },
  ],
});

describe('the gobgp commands', () => {
  it('adds a route with every attribute the CLI takes, origin IGP as ExaBGP announces', () => {
    expect(addArgs(first(full(['198.51.100.10/32'])))).toEqual([
      'global',
      'rib',
      'add',
      '198.51.100.10/32',
      'origin',
      'igp',
      'aspath',
      '65001,65002',
      'nexthop',
      '192.0.2.10',
      'med',
      '100',
      'local-pref',
      '200',
      'community',
      '65000:1,65535:65281',
      'large-community',
      '65000:1:2,65000:3:4',
      'rt',
      '65000:5',
      'rt',
      '192.0.2.1:7',
      '-a',
      'ipv4',
    ]);
  });

  it('adds an IPv6 route with next-hop self as no next hop, and a path identifier', () => {
    const command = first(routePolicy(['2001:db8::10/128'], { pathId: 7 }));
    expect(addArgs(command).join(' ')).toBe(
      'global rib add 2001:db8::10/128 identifier 7 origin igp med 100 -a ipv6',
    );
    expect(delArgs(command.prefix, 7).join(' ')).toBe(
      'global rib del 2001:db8::10/128 identifier 7 -a ipv6',
    );
    expect(delArgs(command.prefix, null).join(' ')).toBe('global rib del 2001:db8::10/128 -a ipv6');
  });

  it('writes every community form as the pair the CLI takes', () => {
    const command = first(
      routePolicy(['198.51.100.10/32'], {
        communities: parseCommunities('4259840001 0xFDE80002 blackhole nopeer'),
      }),
    );
    expect(addArgs(command)).toContain('65000:1,65000:2,65535:666,65535:65284');
  });

  it('puts gobgpd’s address after the CLI and its leading words', () => {
    expect(
      gobgpArgv({ ...GOBGP, command: ['sudo', 'gobgp'], host: '::1', port: 50052 }, ['global']),
    ).toEqual(['sudo', 'gobgp', '-u', '::1', '-p', '50052', 'global']);
  });

  it('refuses neighbors and the extended communities the CLI cannot add', () => {
    const policy = routePolicy(['198.51.100.10/32'], {
      neighbors: [parseIpAddress('192.0.2.1')],
      extendedCommunities: parseExtendedCommunities(
        'origin:65000:1 redirect:65000:1 target:65000:2',
      ),
    });
    const reasons = unsupportedBy(GOBGP, policy);
    expect(reasons).toHaveLength(3);
    expect(reasons[0]).toMatch(/^neighbors: /);
    expect(reasons[1]).toMatch(/only route targets .*'origin:65000:1'/);
    expect(reasons[2]).toMatch(/'redirect:65000:1'/);
    expect(unsupportedBy(GOBGP, routePolicy(['198.51.100.10/32'], { pathId: 3 }))).toEqual([]);
  });
});

describe('comparing GoBGP’s RIB with the routes', () => {
  it('changes nothing when GoBGP already holds each route as it is wanted', () => {
    const v4 = full(['198.51.100.10/32']);
    const v6 = routePolicy(['2001:db8::10/128']);
    const routes = [...routesOf(v4), ...routesOf(v6)];
    const held = [...parseHeldPaths(HELD_V4), ...parseHeldPaths(HELD_V6_SELF)];
    expect(held).toHaveLength(2);
    expect(planChanges(routes, [], held)).toEqual([]);
  });

  it('adds a route GoBGP lacks (a restarted gobgpd) and replaces one whose attributes changed', () => {
    const policy = full(['198.51.100.10/32', '198.51.100.11/32'], { increase: 0 });
    const commands = planChanges(routesOf(policy, 'DISABLED'), [], parseHeldPaths(HELD_V4));
    expect(commands.map((c) => c.slice(2, 4).join(' '))).toEqual([
      'add 198.51.100.10/32',
      'add 198.51.100.11/32',
    ]);
    expect(commands[0]).toContain('500');
  });

  it('deletes the paths of a managed prefix no route wants, by every identifier it may have', () => {
    const prefix = parseIpPrefix('198.51.100.10/32');
    const commands = planChanges(
      [],
      [{ prefix, pathId: 7 }],
      parseHeldPaths(HELD_V4),
      new Map([['198.51.100.10/32', new Set([3])]]),
    );
    expect(commands.map((c) => c.join(' '))).toEqual([
      'global rib del 198.51.100.10/32 -a ipv4',
      'global rib del 198.51.100.10/32 identifier 3 -a ipv4',
      'global rib del 198.51.100.10/32 identifier 7 -a ipv4',
    ]);
    // Nothing held: nothing to delete.
    expect(planChanges([], [{ prefix, pathId: 7 }], [])).toEqual([]);
  });

  it('leaves alone the prefixes it does not manage and the paths peers sent', () => {
    const listing = JSON.parse(HELD_V4) as Record<string, unknown[]>;
    const fromPeer = { ...(listing['198.51.100.10/32']![0] as object), 'neighbor-ip': '127.0.0.3' };
    const held = parseHeldPaths(
      JSON.stringify({
        '198.51.100.10/32': [fromPeer],
        '203.0.113.1/32': listing['198.51.100.10/32'],
      }),
    );
    expect(held.map((h) => h.prefix)).toEqual(['203.0.113.1/32']);
    expect(
      planChanges([], [{ prefix: parseIpPrefix('198.51.100.10/32'), pathId: null }], held),
    ).toEqual([]);
  });

  it('keeps one path per prefix: the other identifiers go before the add', () => {
    const listing = JSON.parse(HELD_V4) as Record<string, unknown[]>;
    const path = listing['198.51.100.10/32']![0];
    const held = parseHeldPaths(JSON.stringify({ '198.51.100.10/32': [path, path] }));
    const policy = full(['198.51.100.10/32'], { pathId: 7 });
    const commands = planChanges(routesOf(policy), [], held);
    expect(commands.map((c) => c.slice(2).join(' '))).toEqual([
      'del 198.51.100.10/32 -a ipv4',
      expect.stringMatching(/^add 198\.51\.100\.10\/32 identifier 7 /),
    ]);
  });

  it('says what gobgpd answered when it could not list', () => {
    expect(() => parseHeldPaths('{"error":"context deadline exceeded"}')).toThrow(
      'gobgp: context deadline exceeded',
    );
    expect(() => parseHeldPaths('not json')).toThrow(/other than JSON/);
    expect(parseHeldPaths('{}')).toEqual([]);
  });

  it('tells GoBGP of each route, and deletes the withdrawn ones, for a state', () => {
    const policy = routePolicy(['198.51.100.10/32'], { withdrawOnDown: true });
    const desired = new DesiredRoutes();
    desired.set({ name: 'web', routes: policy }, 'DOWN');
    expect(stateCommands(desired.list(), desired.managed()).map((c) => c.join(' '))).toEqual([
      'global rib del 198.51.100.10/32 -a ipv4',
    ]);
  });
});
