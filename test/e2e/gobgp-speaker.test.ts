// GoBGP as the speaker bgp-healthcheck drives through the gobgp CLI, BIRD 2 as the peer whose RIB
// is read: the common scenarios, with what only GoBGP has (a stale path at start, route targets,
// path identifiers, applies retried while gobgpd is away).
import { readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import { startBird, type Bird } from './harness/bird.js';
import { runCommand } from './harness/exec.js';
import { ibgpOnLoopback, startGobgp, type Gobgp, type GobgpOptions } from './harness/gobgp.js';
import { freePorts } from './harness/ports.js';
import { waitFor } from './harness/wait.js';
import {
  buildLab,
  defineSpeakerScenarios,
  NEXT_HOP,
  PREFIX,
  startOurs,
  type SpeakerLab,
} from './speaker-scenarios.js';

const AS = 64512;
const BIRD_ADDRESS = '127.0.0.3';
/** The operator's own path in GoBGP, on a prefix no service names: never touched. */
const OPERATOR_PREFIX = '203.0.113.7/32';

interface GobgpLab extends SpeakerLab {
  readonly gobgpOptions: GobgpOptions;
  readonly bird: Bird;
  gobgp: Gobgp;
}

async function gobgpCli(lab: GobgpLab, ...args: string[]): Promise<void> {
  const result = await runCommand('gobgp', ['-p', String(lab.gobgpOptions.grpcPort), ...args]);
  expect(result.code, result.stderr).toBe(0);
}

const addOperatorPath = (lab: GobgpLab) =>
  gobgpCli(lab, 'global', 'rib', 'add', OPERATOR_PREFIX, 'nexthop', NEXT_HOP, '-a', 'ipv4');

defineSpeakerScenarios<GobgpLab>({
  speaker: 'GoBGP',
  peer: 'BIRD 2',
  requirements: { tools: ['gobgpd', 'gobgp', 'bird', 'birdc'] },
  cannotCarry: [],
  operatorPrefix: OPERATOR_PREFIX,
  start: (tag) =>
    buildLab(tag, async ({ dir, supervisor, check, stop }) => {
      const [port = 0, grpcPort = 0, birdPort = 0] = await freePorts(3);
      const gobgpOptions: GobgpOptions = ibgpOnLoopback(AS, BIRD_ADDRESS, port, grpcPort);
      const gobgp = await startGobgp(supervisor, dir, gobgpOptions);
      const bird = await startBird(supervisor, dir, {
        localAddress: BIRD_ADDRESS,
        port: birdPort,
        as: AS,
        neighborAddress: '127.0.0.1',
        neighborAs: AS,
        neighborPort: port,
        routerId: '192.0.2.3',
        nextHopCover: '192.0.2.0/24',
        nextHopCover6: '2001:db8::/64',
      });
      const lab: GobgpLab = {
        dir,
        supervisor,
        check,
        gobgpOptions,
        gobgp,
        bird,
        routes: (prefix) => bird.routes(prefix),
        startHealthcheck: (config) => Promise.resolve(startOurs(lab, config)),
        stopSpeaker: async () => {
          await supervisor.stop(lab.gobgp.daemon);
        },
        // A restarted gobgpd holds nothing, the operator's path included: they add theirs again,
        // the resync adds ours.
        startSpeaker: async () => {
          lab.gobgp = await startGobgp(supervisor, dir, gobgpOptions);
          await addOperatorPath(lab);
        },
        stop,
      };
      await addOperatorPath(lab);
      return lab;
    }),
  speakerYaml: (lab) => [
    'speaker:',
    '  type: gobgp',
    `  address: 127.0.0.1:${lab.gobgpOptions.grpcPort}`,
    '  resync: 1',
  ],
  webRoutes: { 'extended-community': 'target:65000:5', 'path-id': '3' },
  hooks: {
    // A path of ours a previous run left behind (without the identifier).
    beforeStart: (lab) => gobgpCli(lab, 'global', 'rib', 'add', PREFIX, 'med', '7', '-a', 'ipv4'),
    afterUp: async (lab) => {
      expect(await lab.bird.routes(PREFIX)).toEqual([
        expect.objectContaining({ med: 20, extendedCommunities: ['rt:65000:5'] }),
      ]);
      // The stale path went at start: GoBGP holds the one path of the configured identifier.
      expect(await lab.gobgp.rib('ipv4', PREFIX)).toEqual([
        expect.objectContaining({ med: 20, neighbor: '' }),
      ]);
    },
    // The next resync finds no gobgpd: it fails, is logged and retried with backoff.
    whileSpeakerStopped: async (_lab, ours) => {
      await waitFor(
        async () =>
          /GoBGP: could not apply .* \(attempt 1, next in 1 s\)/.test(
            await readFile(ours.logFile ?? '', 'utf8'),
          ),
        { what: 'a failed apply in the log while gobgpd is stopped', timeoutMs: 15_000 },
      );
    },
  },
});
