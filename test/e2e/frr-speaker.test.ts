// FRR as the speaker bgp-healthcheck drives through vtysh, GoBGP as the peer whose RIB is read: the
// common scenarios, with what only FRR has (statements of an earlier run removed at start, the
// operator's running config left as it was).
import { expect } from 'vitest';
import { frrMissing, startFrr, type Frr } from './harness/frr.js';
import { startGobgp, type Gobgp } from './harness/gobgp.js';
import { addConnectedAddresses, addNamespace, deleteNamespace } from './harness/netns.js';
import {
  buildLab,
  defineSpeakerScenarios,
  startOurs,
  type SpeakerLab,
} from './speaker-scenarios.js';

const AS = 64512;
// Addresses of a connected network in the namespace: bgpd's next-hop tracking does not resolve a
// peer reached only through lo.
const GOBGP_ADDRESS = '198.18.0.1';
const FRR_ADDRESS = '198.18.0.2';
/** Left in FRR by an earlier run: removed at start. */
const STALE = '198.51.100.99/32';
/** The operator's own route: never touched. */
const THEIRS = '203.0.113.0/24';
// The namespace is the test's own: fixed ports collide with nothing.
const BGP_PORT = 179;
const GOBGP_PORT = 10_179;
const GOBGP_API_PORT = 50_051;

/** The operator's bgpd.conf: one iBGP session to GoBGP, their own network, and what an earlier run left. */
function bgpdConfig(gobgpPort: number): string {
  return [
    'frr defaults traditional',
    'router bgp 64512',
    ' bgp router-id 192.0.2.3',
    ` neighbor ${GOBGP_ADDRESS} remote-as ${AS}`,
    ` neighbor ${GOBGP_ADDRESS} port ${gobgpPort}`,
    ` neighbor ${GOBGP_ADDRESS} update-source ${FRR_ADDRESS}`,
    ` neighbor ${GOBGP_ADDRESS} timers connect 1`,
    ` neighbor ${GOBGP_ADDRESS} advertisement-interval 0`,
    ' address-family ipv4 unicast',
    `  network ${THEIRS} route-map OPERATOR`,
    `  network ${STALE} route-map BGPHC-0123456789ab`,
    ' exit-address-family',
    ' address-family ipv6 unicast',
    `  neighbor ${GOBGP_ADDRESS} activate`,
    ' exit-address-family',
    'exit',
    'route-map OPERATOR permit 10',
    ' set metric 5',
    ' set ip next-hop 192.0.2.10',
    'exit',
    'route-map BGPHC-0123456789ab permit 10',
    ' set ip next-hop 192.0.2.10',
    'exit',
    '',
  ].join('\n');
}

const STATICD = [
  `ip route ${THEIRS} blackhole`,
  `ip route ${STALE} blackhole tag 1111967811 254`,
  '',
].join('\n');

interface FrrLab extends SpeakerLab {
  readonly gobgp: Gobgp;
  readonly frr: Frr;
}

const routeOf = (lab: FrrLab, prefix: string) => lab.gobgp.rib('ipv4', prefix);

defineSpeakerScenarios<FrrLab>({
  speaker: 'FRR',
  peer: 'GoBGP',
  requirements: { tools: ['vtysh', 'gobgpd', 'gobgp', 'ip'], root: true, extra: [frrMissing] },
  cannotCarry: [],
  operatorPrefix: THEIRS,
  start: (tag) => {
    const netns = `bgphc-frr-${process.pid}`;
    return buildLab(
      tag,
      async ({ dir, supervisor, check, stop }): Promise<FrrLab> => {
        // zebra programs the kernel of its namespace: a namespace of the test's own, never the machine's.
        await addNamespace(netns);
        await addConnectedAddresses(netns, 'lab0', [`${GOBGP_ADDRESS}/24`, `${FRR_ADDRESS}/24`]);
        const gobgp = await startGobgp(supervisor, dir, {
          as: AS,
          routerId: '192.0.2.254',
          port: GOBGP_PORT,
          grpcPort: GOBGP_API_PORT,
          listen: [GOBGP_ADDRESS],
          neighbors: [{ address: FRR_ADDRESS, peerAs: AS }],
          netns,
        });
        const frr = await startFrr(supervisor, dir, {
          netns,
          bgpdConfig: bgpdConfig(GOBGP_PORT),
          staticdConfig: STATICD,
          listen: FRR_ADDRESS,
          port: BGP_PORT,
        });
        return {
          dir,
          supervisor,
          check,
          gobgp,
          frr,
          routes: (prefix) => gobgp.routes(prefix),
          startHealthcheck: (config) => Promise.resolve(startOurs({ dir, supervisor }, config)),
          // FRR restarted forgets what it was told and not saved: the resync tells it again.
          stopSpeaker: () => frr.stop(supervisor),
          startSpeaker: () => frr.start(supervisor),
          stop,
        };
      },
      () => deleteNamespace(netns),
    );
  },
  speakerYaml: (lab) => [
    'speaker:',
    '  type: frr',
    `  vtysh: ${lab.frr.vtyshCommand}`,
    '  resync: 1s',
  ],
  webRoutes: { community: '[65000:1, no-export]' },
  upAttributes: { communities: ['65000:1', '65535:65281'] },
  hooks: {
    beforeStart: async (lab) => {
      await lab.gobgp.waitForPath('ipv4', STALE, () => true, 'left by an earlier run');
    },
    afterUp: async (lab) => {
      await lab.gobgp.waitForNoPath(
        'ipv4',
        STALE,
        'once the statements of an earlier run are removed',
      );
      expect(await routeOf(lab, THEIRS)).toEqual([expect.objectContaining({ med: 5 })]);
    },
    afterExit: async (lab) => {
      const running = await lab.frr.vtysh('show running-config');
      expect(running).not.toMatch(/BGPHC-|tag 1111967811/);
      expect(running).toContain(`network ${THEIRS} route-map OPERATOR`);
      expect(running).toContain(`ip route ${THEIRS} blackhole`);
      expect(await routeOf(lab, THEIRS)).toEqual([expect.objectContaining({ med: 5 })]);
    },
  },
});
