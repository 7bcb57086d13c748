// BIRD 2 as the speaker bgp-healthcheck drives, GoBGP as the peer whose RIB is read: the common
// scenarios with the static layout, and anycast-healthchecker's prefix-set layout.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { OUR_BIN, runOurs } from '../support/healthcheck-process.js';
import { birdSpeakerConfig, startBirdWithConfig, type Bird } from './harness/bird.js';
import {
  ibgpOnLoopback,
  startGobgp,
  type Family,
  type Gobgp,
  type RibPath,
} from './harness/gobgp.js';
import { SteeredCheck } from './harness/healthcheck.js';
import { freePorts } from './harness/ports.js';
import { Supervisor, type Daemon } from './harness/processes.js';
import { makeTempDir, removeTempDir } from './harness/tempdir.js';
import { describeWhen, resolveCommand } from './harness/tools.js';
import { defineSpeakerScenarios, NEXT_HOP, PREFIX, startOurs } from './speaker-scenarios.js';

const AS = 64512;
const BIRD_ADDRESS = '127.0.0.3';
/** The operator's own route in bird.conf, exported beside ours: never touched. */
const OPERATOR_PREFIX = '203.0.113.7/32';
const REQUIREMENTS = { tools: ['bird', 'birdc', 'gobgpd', 'gobgp'] };

interface Lab {
  readonly dir: string;
  readonly supervisor: Supervisor;
  readonly check: SteeredCheck;
  readonly gobgp: Gobgp;
  readonly include: string;
  readonly birdConf: string;
  bird: Bird;
  healthcheck: Daemon | null;
}

async function startLab(
  labs: Lab[],
  tag: string,
  exportFilter: { ipv4: string; ipv6: string },
  extra: readonly string[] = [],
  initial = '',
): Promise<Lab> {
  const dir = await makeTempDir(tag);
  const supervisor = new Supervisor();
  supervisor.sweep(dir);
  const check = new SteeredCheck(dir);
  await check.install(true);
  const [port = 0, grpcPort = 0, birdPort = 0] = await freePorts(3);
  const lab: Partial<Lab> & { dir: string; supervisor: Supervisor } = { dir, supervisor };
  labs.push(lab as Lab);
  const gobgp = await startGobgp(supervisor, dir, ibgpOnLoopback(AS, BIRD_ADDRESS, port, grpcPort));
  const include = join(dir, 'bgp-healthcheck.conf');
  // The operator creates the included file once; bgp-healthcheck rewrites it from then on.
  await writeFile(include, initial, { mode: 0o644 });
  const birdConf = birdSpeakerConfig({
    routerId: '192.0.2.3',
    localAddress: BIRD_ADDRESS,
    localPort: birdPort,
    as: AS,
    peerAddress: '127.0.0.1',
    peerPort: port,
    include,
    exportFilter,
    extra,
  });
  const bird = await startBirdWithConfig(supervisor, dir, birdConf);
  return Object.assign(lab, { check, gobgp, include, birdConf, bird, healthcheck: null });
}

async function startHealthcheck(lab: Lab, yaml: string): Promise<Daemon> {
  const config = join(lab.dir, 'healthcheck.yaml');
  await writeFile(config, yaml, { mode: 0o644 });
  lab.healthcheck = lab.supervisor.start(
    'bgp-healthcheck',
    process.execPath,
    [OUR_BIN, '--config', config, '--no-syslog', '--debug'],
    { logFile: join(lab.dir, 'healthcheck.log') },
  );
  return lab.healthcheck;
}

const path = (
  lab: Lab,
  family: Family,
  prefix: string,
  expected: (path: RibPath) => boolean,
  what: string,
) => lab.gobgp.waitForPath(family, prefix, expected, what);
const gone = (lab: Lab, family: Family, prefix: string, what: string) =>
  lab.gobgp.waitForNoPath(family, prefix, what);

async function stopLabs(labs: Lab[]): Promise<void> {
  for (const lab of labs.splice(0)) {
    try {
      await lab.supervisor.stopAll();
    } finally {
      await removeTempDir(lab.dir);
    }
  }
}

defineSpeakerScenarios({
  speaker: 'BIRD 2',
  peer: 'GoBGP',
  requirements: REQUIREMENTS,
  cannotCarry: [],
  operatorPrefix: OPERATOR_PREFIX,
  async start(tag) {
    const labs: Lab[] = [];
    const lab = await startLab(
      labs,
      tag,
      {
        ipv4: 'where proto = "bgp_healthcheck4" || proto = "operator4"',
        ipv6: 'where proto = "bgp_healthcheck6"',
      },
      [
        'protocol static operator4 {',
        '  ipv4;',
        `  route ${OPERATOR_PREFIX} blackhole { bgp_next_hop = ${NEXT_HOP}; };`,
        '}',
      ],
    );
    return Object.assign(lab, {
      routes: (prefix: string) => lab.gobgp.routes(prefix),
      startHealthcheck: (config: string) => Promise.resolve(startOurs(lab, config)),
      stopSpeaker: async () => {
        await lab.supervisor.stop(lab.bird.daemon);
      },
      // BIRD restarted reads the file as it is: the routes come back without a word from us.
      startSpeaker: async () => {
        lab.bird = await startBirdWithConfig(lab.supervisor, lab.dir, lab.birdConf);
      },
      stop: () => stopLabs(labs),
    });
  },
  speakerYaml: (lab) => [
    'speaker:',
    '  type: bird',
    `  file: ${lab.include}`,
    `  socket: ${lab.bird.socket}`,
  ],
  hooks: {
    afterExit: async (lab) => {
      expect(await readFile(lab.include, 'utf8')).not.toContain('route ');
    },
  },
});

describeWhen(
  'BIRD 2 as the speaker in the prefix-set layout, GoBGP as the peer',
  REQUIREMENTS,
  () => {
    const labs: Lab[] = [];
    afterEach(() => stopLabs(labs));

    /** BIRD exporting what is in the set of the operator's own static routes (`routes`). */
    const startPrefixSetLab = (tag: string, routes: readonly string[]) =>
      startLab(
        labs,
        tag,
        { ipv4: 'where net ~ ACAST_PS_ADVERTISE', ipv6: 'where net ~ ACAST6_PS_ADVERTISE' },
        [
          'protocol static anycast4 {',
          '  ipv4;',
          ...routes.map((route) => `  route ${route} blackhole { bgp_next_hop = ${NEXT_HOP}; };`),
          '}',
        ],
        // What anycast-healthchecker leaves behind: the sets with their dummy prefixes.
        'define ACAST_PS_ADVERTISE = [ 10.189.200.255/32 ];\ndefine ACAST6_PS_ADVERTISE = [ 2001:db8::1/128 ];\n',
      );

    it('keeps the prefix set of anycast-healthchecker: a prefix is in it while UP, and the operator routes nothing else', async () => {
      const lab = await startPrefixSetLab('bird-prefix-set', [PREFIX, '198.51.100.99/32']);
      const hc = await startHealthcheck(
        lab,
        [
          'speaker:',
          '  type: bird',
          '  layout: prefix-set',
          `  file: ${lab.include}`,
          `  reconfigure: ${resolveCommand('birdc')} -s ${lab.bird.socket} configure`,
          'services:',
          '  - name: dns',
          '    timing: { interval: 0.5, fast-interval: 0.25, rise: 2, fall: 2, timeout: 2 }',
          `    checks: [{ type: command, command: ${lab.check.script} }]`,
          '    routes:',
          `      prefixes: [${PREFIX}]`,
          '      withdraw-on-down: true',
          '      ip-setup: false',
          '',
        ].join('\n'),
      );
      await path(lab, 'ipv4', PREFIX, () => true, 'in the set (UP)');
      expect(await lab.gobgp.rib('ipv4', '198.51.100.99/32')).toEqual([]);
      await lab.check.setHealthy(false);
      await gone(lab, 'ipv4', PREFIX, 'on DOWN');
      await lab.check.setHealthy(true);
      await path(lab, 'ipv4', PREFIX, () => true, 'back in the set (UP)');
      expect(await readFile(lab.include, 'utf8')).toContain(`        ${PREFIX}\n`);

      const exit = await lab.supervisor.stop(hc);
      expect(exit).toEqual({ code: 0, signal: null });
      await gone(lab, 'ipv4', PREFIX, 'after SIGTERM');
      expect(await readFile(lab.include, 'utf8')).not.toContain(PREFIX);
    }, 90_000);
    it('runs a config converted from anycast-healthchecker: the prefix set follows the check', async () => {
      const lab = await startPrefixSetLab('bird-converted', [PREFIX]);
      // anycast-healthchecker's files, written from its documented format.
      const main = join(lab.dir, 'anycast-healthchecker.conf');
      const serviceDir = join(lab.dir, 'anycast-healthchecker.d');
      await mkdir(serviceDir);
      await writeFile(
        main,
        [
          '[daemon]',
          `bird_conf = ${lab.include}`,
          `bird_reconfigure_cmd = birdc -s ${lab.bird.socket} configure`,
          '',
        ].join('\n'),
      );
      await writeFile(
        join(serviceDir, 'dns.conf'),
        [
          '[dns.example.com]',
          `check_cmd = ${lab.check.script}`,
          'check_interval = 0.5',
          'check_rise = 2',
          'check_fail = 2',
          'check_disabled = false',
          `ip_prefix = ${PREFIX}`,
          'ip_check_disabled = true',
          '',
        ].join('\n'),
      );
      const converted = await runOurs([
        'convert',
        '--from',
        'anycast-healthchecker',
        main,
        serviceDir,
      ]);
      expect(converted).toMatchObject({ code: 0, stderr: '' });
      const hc = await startHealthcheck(lab, converted.stdout);
      await path(lab, 'ipv4', PREFIX, () => true, 'in the set (UP)');
      await lab.check.setHealthy(false);
      await gone(lab, 'ipv4', PREFIX, 'on DOWN');
      await lab.check.setHealthy(true);
      await path(lab, 'ipv4', PREFIX, () => true, 'back in the set (UP)');
      expect(await lab.supervisor.stop(hc)).toEqual({ code: 0, signal: null });
      await gone(lab, 'ipv4', PREFIX, 'after SIGTERM');
    }, 90_000);
  },
);
