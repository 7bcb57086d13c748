import { describe, expect, it } from 'vitest';
import type { RibPath } from '../e2e/harness/gobgp.js';
import {
  judge,
  ribOf,
  routesOf,
  tableAnnouncement,
  type ReportedService,
  type SoakRoutes,
} from './oracle.js';

const routes: SoakRoutes = {
  prefixes: ['198.18.0.1/32', '198.19.0.1/32'],
  upMetric: 10,
  downMetric: 1010,
  disabledMetric: 510,
  increase: 1,
  communities: ['65000:1'],
  disabledCommunities: ['65535:0'],
  withdrawOnDown: false,
};

function reported(state: string, ok: boolean | null, target: string | null): ReportedService {
  return {
    name: 'web',
    state,
    lastCheck: ok === null ? null : { ok },
    announced: target === null ? null : { target },
  };
}

function path(prefix: string, med: number, communities: string[]): RibPath {
  return {
    prefix,
    neighbor: '127.0.0.2',
    best: true,
    nextHop: '192.0.2.10',
    med,
    localPref: 100,
    asPath: [],
    communities,
    largeCommunities: [],
  };
}

describe('the soak oracle', () => {
  it('gives every prefix its MED, the increase, and the disabled community outside UP', () => {
    expect([...routesOf(routes, 'UP')]).toEqual([
      ['198.18.0.1/32', { med: 10, communities: ['65000:1'] }],
      ['198.19.0.1/32', { med: 11, communities: ['65000:1'] }],
    ]);
    expect(routesOf(routes, 'DISABLED').get('198.19.0.1/32')).toEqual({
      med: 511,
      communities: ['65535:0'],
    });
    expect(routesOf({ ...routes, withdrawOnDown: true }, 'DOWN').size).toBe(0);
  });

  it('holds a service in maintenance to the disabled attributes only while its checks pass', () => {
    expect(tableAnnouncement(routes, reported('DISABLED', true, 'DISABLED'))).toBe('DISABLED');
    expect(tableAnnouncement(routes, reported('DISABLED', false, 'DOWN'))).toBe('DOWN');
    expect(
      tableAnnouncement({ ...routes, disabledMetric: 2020 }, reported('DRAINING', false, 'DOWN')),
    ).toBe('DISABLED');
    expect(tableAnnouncement(routes, reported('DRAINED', true, 'EXIT'))).toBe('WITHDRAWN');
  });

  it('keeps the last announcement while a service is rising or falling', () => {
    expect(tableAnnouncement(routes, reported('FALLING', false, 'UP'))).toBe('UP');
    expect(tableAnnouncement(routes, reported('INIT', null, null))).toBeNull();
  });

  it('finds a MED the peer holds that the decision does not call for, and a route left behind', () => {
    const { rib } = ribOf([
      path('198.18.0.1/32', 10, ['65000:1']),
      path('198.19.0.1/32', 1011, ['65535:0']),
      path('198.18.9.9/32', 10, []),
    ]);
    const verdict = judge([reported('UP', true, 'UP')], () => routes, rib);
    expect(verdict.undecided).toEqual([]);
    expect(verdict.differences).toEqual([
      '198.18.9.9/32: expected withdrawn, peer holds med 10',
      '198.19.0.1/32: expected med 11 community 65000:1, peer holds med 1011 community 65535:0',
    ]);
  });

  it('reports a service whose last announcement is not what its state calls for', () => {
    const verdict = judge([reported('DISABLED', true, 'UP')], () => routes, new Map());
    expect(verdict.undecided).toEqual([
      'web: DISABLED (last check ok) calls for DISABLED, last announced UP',
    ]);
  });

  it('reports a prefix the peer holds twice', () => {
    const { doubled } = ribOf([path('198.18.0.1/32', 10, []), path('198.18.0.1/32', 10, [])]);
    expect(doubled).toEqual(['198.18.0.1/32']);
  });
});
