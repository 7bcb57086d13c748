// The harness's own parsing and polling, checked without any daemon.
import { describe, expect, it } from 'vitest';
import { birdConfig, parseBirdRoutes } from './bird.js';
import { exabgpConfig } from './exabgp.js';
import { gobgpConfig, parseGobgpRib, parseGobgpSessions } from './gobgp.js';
import { healthcheckConfig } from './healthcheck.js';
import { waitFor } from './wait.js';

const GOBGP_RIB = JSON.stringify({
  '198.51.100.10/32': [
    {
      nlri: { prefix: '198.51.100.10/32' },
      best: true,
      attrs: [
        { type: 1, value: 0 },
        { type: 2, as_paths: [{ segment_type: 2, num: 2, asns: [65001, 65002] }] },
        { type: 3, nexthop: '192.0.2.10' },
        { type: 4, metric: 100 },
        { type: 5, value: 200 },
        { type: 8, communities: [4259840001] },
        { type: 32, value: [{ ASN: 65000, LocalData1: 7, LocalData2: 8 }] },
      ],
      'neighbor-ip': '127.0.0.2',
    },
  ],
});

const BIRD_OUTPUT = `BIRD 2.0.12 ready.
Table master4:
198.51.100.10/32     blackhole [exa 21:53:58.995 from 127.0.0.2] * (100/?) [AS65002i]
\tType: BGP univ
\tBGP.origin: IGP
\tBGP.as_path: 65001 65002
\tBGP.next_hop: 192.0.2.10
\tBGP.med: 100
\tBGP.local_pref: 200
\tBGP.community: (65000,1) (65000,2)
\tBGP.ext_community: (rt, 65000, 5) (rt, 192.0.2.1, 7)
\tBGP.large_community: (65000, 1, 2)
`;

describe('the e2e harness', () => {
  it('reads MED, local preference, AS path, communities and next-hop from GoBGP JSON by attribute type', () => {
    expect(parseGobgpRib(GOBGP_RIB)).toEqual([
      {
        prefix: '198.51.100.10/32',
        neighbor: '127.0.0.2',
        best: true,
        nextHop: '192.0.2.10',
        med: 100,
        localPref: 200,
        asPath: [65001, 65002],
        communities: ['65000:1'],
        largeCommunities: ['65000:7:8'],
      },
    ]);
  });

  it('reads an IPv6 next-hop from MP_REACH_NLRI and treats an empty table as no paths', () => {
    const rib = JSON.stringify({
      '2001:db8::10/128': [
        { nlri: { prefix: '2001:db8::10/128' }, attrs: [{ type: 14, nexthop: '2001:db8::1' }] },
      ],
    });
    expect(parseGobgpRib(rib)[0]?.nextHop).toBe('2001:db8::1');
    expect(parseGobgpRib('{}\n')).toEqual([]);
    expect(parseGobgpRib('')).toEqual([]);
  });

  it('names the session states gobgp neighbor -j gives as numbers', () => {
    const peers = JSON.stringify([
      {
        conf: { neighbor_address: '127.0.0.2' },
        state: { neighbor_address: '127.0.0.2', session_state: 6 },
      },
      { conf: { neighbor_address: '127.0.0.3' }, state: { session_state: 3 } },
      { state: { neighbor_address: '127.0.0.4', session_state: 'ESTABLISHED' } },
    ]);
    expect(parseGobgpSessions(peers)).toEqual({
      '127.0.0.2': 'established',
      '127.0.0.3': 'active',
      '127.0.0.4': 'established',
    });
  });

  it('reads the BGP attributes of birdc show route all', () => {
    expect(parseBirdRoutes(BIRD_OUTPUT)).toEqual([
      {
        prefix: '198.51.100.10/32',
        nextHop: '192.0.2.10',
        med: 100,
        localPref: 200,
        asPath: [65001, 65002],
        communities: ['65000:1', '65000:2'],
        extendedCommunities: ['rt:65000:5', 'rt:192.0.2.1:7'],
        largeCommunities: ['65000:1:2'],
      },
    ]);
  });

  it('writes healthcheck config lines: bare flags, repeated options, nothing for false', () => {
    expect(
      healthcheckConfig({ 'no-ack': true, 'withdraw-on-down': false, ip: ['a', 'b'], interval: 1 }),
    ).toBe('no-ack\nip = a\nip = b\ninterval = 1\n');
  });

  it('quotes a process argument with a space or ExaBGP syntax, as ExaBGP reads it back', () => {
    const options = {
      peerAddress: '127.0.0.1',
      peerPort: 1790,
      localAddress: '127.0.0.2',
      localAs: 64512,
      peerAs: 64512,
      routerId: '192.0.2.253',
    };
    expect(
      exabgpConfig({ ...options, processArgv: ['/bin/check', '--cmd', 'test -e /x; echo #1'] }),
    ).toContain('run /bin/check --cmd "test -e /x; echo #1";');
    expect(exabgpConfig({ ...options, processArgv: ['/bin/check', 'say "hi"'] })).toContain(
      `run /bin/check 'say "hi"';`,
    );
    expect(() => exabgpConfig({ ...options, processArgv: ['/bin/check', `"it's"`] })).toThrow(
      /both quote marks/,
    );
    expect(exabgpConfig({ ...options, processArgv: ['/bin/check', '--config', 'f'] })).toContain(
      'run /bin/check --config f;',
    );
  });

  it('declares both unicast families for every GoBGP neighbor, waits for it unless told to connect, and resolves BIRD next-hops recursively', () => {
    const toml = gobgpConfig({
      as: 1,
      routerId: '192.0.2.1',
      port: 1,
      grpcPort: 2,
      neighbors: [{ address: '127.0.0.2', peerAs: 1 }],
    });
    expect(toml).toContain('"ipv4-unicast"');
    expect(toml).toContain('"ipv6-unicast"');
    expect(toml).toContain('passive-mode = true');
    const active = gobgpConfig({
      as: 1,
      routerId: '192.0.2.1',
      port: 1,
      grpcPort: 2,
      neighbors: [{ address: '127.0.0.2', peerAs: 1, active: true }],
    });
    expect(active).toContain('passive-mode = false');
    expect(active).toContain('connect-retry = 1');
    const bird = birdConfig({
      localAddress: '127.0.0.1',
      port: 1,
      as: 1,
      neighborAddress: '127.0.0.2',
      neighborAs: 1,
      routerId: '192.0.2.1',
      nextHopCover: '192.0.2.0/24',
    });
    expect(bird).toContain('gateway recursive');
    expect(bird).toContain('route 192.0.2.0/24 blackhole');
  });

  it('resolves with the first accepted value and times out showing the last observation', async () => {
    let calls = 0;
    await expect(
      waitFor(() => (++calls >= 3 ? calls : false), { timeoutMs: 1000, intervalMs: 1, what: 'x' }),
    ).resolves.toBe(3);
    await expect(
      waitFor(
        () => {
          throw new Error('MED was 1000');
        },
        { timeoutMs: 20, intervalMs: 5, what: 'MED 100' },
      ),
    ).rejects.toThrow(/waiting for MED 100; last observed: MED was 1000/);
  });
});
