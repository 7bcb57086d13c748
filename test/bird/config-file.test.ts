import { describe, expect, it } from 'vitest';
import { routePolicy } from '../support/route-policy.js';
import { birdFiles, birdCommunity } from '../../src/bird/config-file.js';
import { parseBirdReply } from '../../src/bird/control.js';
import { parseCommunity, parseExtendedCommunities } from '../../src/core/attributes.js';
import { parseIpAddress, parseIpPrefix } from '../../src/core/ip.js';
import type { BirdSpeakerConfig } from '../../src/core/speaker-config.js';
import { unsupportedBy } from '../../src/core/speaker-support.js';
import { DesiredRoutes } from '../../src/speakers/route-set.js';

const config: BirdSpeakerConfig = {
  type: 'bird',
  file: '/etc/bird/bgp-healthcheck.conf',
  layout: 'static',
  protocol: 'bgp_healthcheck',
  variable: 'ACAST_PS_ADVERTISE',
  variable6: 'ACAST6_PS_ADVERTISE',
  file6: null,
  dummyPrefix: parseIpPrefix('10.189.200.255/32'),
  dummyPrefix6: parseIpPrefix('2001:db8::1/128'),
  socket: '/run/bird/bird.ctl',
  reconfigure: null,
};

const policy = routePolicy;

describe('birdFiles', () => {
  it('writes a static protocol per family whose routes carry every attribute of the state', () => {
    const desired = new DesiredRoutes();
    desired.set(
      {
        name: 'web',
        routes: policy(['198.51.100.10/32'], {
          nextHop: parseIpAddress('192.0.2.10'),
          localPreference: 200,
          communities: [parseCommunity('65000:1'), parseCommunity('no-export')],
          extendedCommunities: parseExtendedCommunities('target:65000:7'),
          largeCommunities: ['65000:1:2' as never],
          asPath: [65001 as never, 65002 as never],
        }),
      },
      'UP',
    );
    desired.set({ name: 'dns', routes: policy(['2001:db8::53/128']) }, 'DISABLED');
    expect(birdFiles(config, desired.list())).toEqual([
      {
        path: '/etc/bird/bgp-healthcheck.conf',
        text: [
          '# Written by bgp-healthcheck: the routes of its services. Rewritten on every change; do not edit.',
          'protocol static bgp_healthcheck4 {',
          '  ipv4;',
          '  route 198.51.100.10/32 blackhole {',
          '    bgp_next_hop = 192.0.2.10;',
          '    bgp_med = 100;',
          '    bgp_local_pref = 200;',
          '    bgp_community.add((65000,1));',
          '    bgp_community.add((65535,65281));',
          '    bgp_ext_community.add((rt, 65000, 7));',
          '    bgp_large_community.add((65000,1,2));',
          '    bgp_path.prepend(65002);',
          '    bgp_path.prepend(65001);',
          '  };',
          '}',
          'protocol static bgp_healthcheck6 {',
          '  ipv6;',
          '  route 2001:db8::53/128 blackhole {',
          '    bgp_med = 500;',
          '  };',
          '}',
          '',
        ].join('\n'),
      },
    ]);
  });

  it('keeps only the prefixes of UP services in the prefix sets, each with its dummy prefix', () => {
    const desired = new DesiredRoutes();
    desired.set({ name: 'a', routes: policy(['198.51.100.10/32']) }, 'UP');
    desired.set({ name: 'b', routes: policy(['198.51.100.11/32']) }, 'DISABLED');
    const files = birdFiles(
      { ...config, layout: 'prefix-set', file6: '/etc/bird/anycast6.conf' },
      desired.list(),
    );
    expect(files.map((f) => f.path)).toEqual([
      '/etc/bird/bgp-healthcheck.conf',
      '/etc/bird/anycast6.conf',
    ]);
    expect(files[0]!.text).toContain(
      'define ACAST_PS_ADVERTISE =\n    [\n        10.189.200.255/32,\n        198.51.100.10/32\n    ];\n',
    );
    expect(files[1]!.text).toContain(
      'define ACAST6_PS_ADVERTISE =\n    [\n        2001:db8::1/128\n    ];\n',
    );
  });

  it('writes a 32-bit community as its two halves', () => {
    expect(birdCommunity(parseCommunity('4259840001'))).toBe('(65000,1)');
  });
});

describe('unsupportedBy', () => {
  it('names what BIRD cannot carry: path identifiers, neighbors, redirect communities', () => {
    const reasons = unsupportedBy(
      config,
      policy(['198.51.100.10/32'], {
        pathId: 7,
        neighbors: [parseIpAddress('192.0.2.1')],
        extendedCommunities: parseExtendedCommunities('redirect:65000:1'),
      }),
    );
    expect(reasons).toHaveLength(3);
    expect(reasons[0]).toMatch(/^path-id/);
    expect(unsupportedBy({ type: 'exabgp' }, policy([], { pathId: 7 }))).toEqual([]);
  });
});

describe('parseBirdReply', () => {
  it('reads a reply to its final numbered line', () => {
    expect(parseBirdReply('0002-Reading configuration from bird.conf\n')).toBeNull();
    expect(
      parseBirdReply('0002-Reading configuration from bird.conf\n0003 Reconfigured\n'),
    ).toEqual({
      code: '0003',
      text: 'Reconfigured',
      lines: ['Reading configuration from bird.conf', 'Reconfigured'],
    });
    expect(parseBirdReply('8002 /etc/bird/x.conf:3:5 syntax error\n')?.code).toBe('8002');
  });
});
