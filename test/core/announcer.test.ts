// The announcer: which commands each state yields, with which attributes, in which order.
import { describe, expect, it } from 'vitest';
import { announcementsFor } from '../../src/core/announcer.js';
import {
  parseAsPath,
  parseCommunities,
  parseLargeCommunities,
  parseExtendedCommunities,
} from '../../src/core/attributes.js';
import { parseIpAddress } from '../../src/core/ip.js';
import type { RoutePolicy } from '../../src/core/route.js';
import { routePolicy } from '../support/route-policy.js';

function policy(overrides: Partial<RoutePolicy> = {}): RoutePolicy {
  return routePolicy(['198.51.100.10', '198.51.100.11', '2001:db8::10'], overrides);
}

describe('announcementsFor', () => {
  it('announces every prefix in list order, the MED growing by increase from the state metric', () => {
    const p = policy({ increase: 5 });
    expect(
      announcementsFor(p, 'UP').map((c) => [
        c.action,
        c.prefix.text,
        c.action === 'announce' ? c.med : null,
      ]),
    ).toEqual([
      ['announce', '198.51.100.10/32', 100],
      ['announce', '198.51.100.11/32', 105],
      ['announce', '2001:db8::10/128', 110],
    ]);
    expect(
      announcementsFor(p, 'DOWN').map((c) => (c.action === 'announce' ? c.med : null)),
    ).toEqual([1000, 1005, 1010]);
    expect(
      announcementsFor(p, 'DISABLED').map((c) => (c.action === 'announce' ? c.med : null)),
    ).toEqual([500, 505, 510]);
  });

  it('lets a negative increase lower the MED, as the reference', () => {
    const p = policy({ increase: -1 });
    expect(announcementsFor(p, 'UP').map((c) => (c.action === 'announce' ? c.med : null))).toEqual([
      100, 99, 98,
    ]);
  });

  it('leaves local-preference out when it is null or negative, and keeps 0', () => {
    expect(announcementsFor(policy({ localPreference: null }), 'UP')[0]).toMatchObject({
      localPreference: null,
    });
    expect(announcementsFor(policy({ localPreference: -1 }), 'UP')[0]).toMatchObject({
      localPreference: null,
    });
    expect(announcementsFor(policy({ localPreference: 0 }), 'UP')[0]).toMatchObject({
      localPreference: 0,
    });
  });

  it('replaces the community with the disabled community in DOWN and DISABLED only', () => {
    const p = policy({
      communities: parseCommunities('65000:1'),
      disabledCommunities: parseCommunities('65000:666'),
    });
    expect(announcementsFor(p, 'UP')[0]).toMatchObject({ communities: ['65000:1'] });
    expect(announcementsFor(p, 'DOWN')[0]).toMatchObject({ communities: ['65000:666'] });
    expect(announcementsFor(p, 'DISABLED')[0]).toMatchObject({ communities: ['65000:666'] });
  });

  it('writes no community in UP when only the disabled community is set', () => {
    const p = policy({ disabledCommunities: parseCommunities('65000:666') });
    expect(announcementsFor(p, 'UP')[0]).toMatchObject({ communities: null });
    expect(announcementsFor(p, 'DOWN')[0]).toMatchObject({ communities: ['65000:666'] });
  });

  it('keeps the community in DOWN when no disabled community is set', () => {
    const p = policy({ communities: parseCommunities('65000:1') });
    expect(announcementsFor(p, 'DOWN')[0]).toMatchObject({ communities: ['65000:1'] });
  });

  it("uses the state's own as-path when given, else the common one", () => {
    const p = policy({
      asPath: parseAsPath('65009'),
      stateAsPaths: { UP: parseAsPath('65001 65001'), DISABLED: parseAsPath('3') },
    });
    expect(announcementsFor(p, 'UP')[0]).toMatchObject({ asPath: [65001, 65001] });
    expect(announcementsFor(p, 'DOWN')[0]).toMatchObject({ asPath: [65009] });
    expect(announcementsFor(p, 'DISABLED')[0]).toMatchObject({ asPath: [3] });
  });

  it('treats empty attribute lists as absent', () => {
    const p = policy({
      communities: [],
      extendedCommunities: [],
      largeCommunities: [],
      asPath: [],
    });
    expect(announcementsFor(p, 'UP')[0]).toMatchObject({
      communities: null,
      extendedCommunities: null,
      largeCommunities: null,
      asPath: null,
    });
  });

  it('carries extended and large communities in every announced state', () => {
    const p = policy({
      extendedCommunities: parseExtendedCommunities('target:65000:1'),
      largeCommunities: parseLargeCommunities('1:2:3'),
    });
    for (const target of ['UP', 'DOWN', 'DISABLED'] as const) {
      expect(announcementsFor(p, target)[0]).toMatchObject({
        extendedCommunities: ['target:65000:1'],
        largeCommunities: ['1:2:3'],
      });
    }
  });

  it('writes no path-information for path id 0 or null, as the reference', () => {
    expect(announcementsFor(policy({ pathId: 0 }), 'UP')[0]).toMatchObject({ pathId: null });
    expect(announcementsFor(policy({ pathId: null }), 'EXIT')[0]).toMatchObject({ pathId: null });
    expect(announcementsFor(policy({ pathId: 7 }), 'UP')[0]).toMatchObject({ pathId: 7 });
    expect(announcementsFor(policy({ pathId: 7 }), 'EXIT')[0]).toMatchObject({ pathId: 7 });
  });

  it('addresses every command to the configured neighbors', () => {
    const neighbors = ['192.0.2.7', '2001:db8::7'].map(parseIpAddress);
    for (const target of ['UP', 'DOWN', 'DISABLED', 'EXIT'] as const) {
      for (const c of announcementsFor(policy({ neighbors }), target))
        expect(c.neighbors).toEqual(neighbors);
    }
  });

  it('withdraws in DOWN and DISABLED and announces in UP with withdraw-on-down', () => {
    const p = policy({ withdrawOnDown: true });
    expect(announcementsFor(p, 'UP').map((c) => c.action)).toEqual([
      'announce',
      'announce',
      'announce',
    ]);
    expect(announcementsFor(p, 'DOWN').map((c) => c.action)).toEqual([
      'withdraw',
      'withdraw',
      'withdraw',
    ]);
    expect(announcementsFor(p, 'DISABLED').map((c) => c.action)).toEqual([
      'withdraw',
      'withdraw',
      'withdraw',
    ]);
  });

  it('withdraws every prefix on EXIT with only the prefix, next-hop, path id and neighbors', () => {
    const nextHop = parseIpAddress('192.0.2.1');
    const p = policy({
      nextHop,
      pathId: 3,
      localPreference: 200,
      communities: parseCommunities('1:1'),
      asPath: parseAsPath('65001'),
    });
    expect(announcementsFor(p, 'EXIT')).toEqual(
      p.prefixes.map((prefix) => ({
        action: 'withdraw',
        prefix,
        nextHop,
        pathId: 3,
        neighbors: [],
      })),
    );
  });

  it('yields nothing for a policy without prefixes', () => {
    expect(announcementsFor(policy({ prefixes: [] }), 'UP')).toEqual([]);
  });
});
