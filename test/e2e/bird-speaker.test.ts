// BIRD 2 as the speaker bgp-healthcheck drives, GoBGP as the peer whose RIB is read.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { OUR_BIN } from '../support/healthcheck-process.js';
import { birdSpeakerConfig, startBirdWithConfig, type Bird } from './harness/bird.js';
import { startGobgp, type Family, type Gobgp, type RibPath } from './harness/gobgp.js';
import { SteeredCheck } from './harness/healthcheck.js';
import { freePorts } from './harness/ports.js';
import { Supervisor, type Daemon } from './harness/processes.js';
import { makeTempDir, removeTempDir } from './harness/tempdir.js';
import { describeWhen } from './harness/tools.js';
import { waitForEntry, waitForNone } from './harness/wait.js';

const AS = 64512;
const BIRD_ADDRESS = '127.0.0.3';
const PREFIX = '198.51.100.10/32';
const PREFIX6 = '2001:db8::10/128';

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

describeWhen(
  'BIRD 2 as the speaker, GoBGP as the peer',
  { tools: ['bird', 'birdc', 'gobgpd', 'gobgp'] },
  () => {
    const labs: Lab[] = [];
    afterEach(async () => {
      for (const lab of labs.splice(0)) {
        try {
          await lab.supervisor.stopAll();
        } finally {
          await removeTempDir(lab.dir);
        }
      }
    });

    async function startLab(
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
      const gobgp = await startGobgp(supervisor, dir, {
        as: AS,
        routerId: '192.0.2.254',
        port,
        grpcPort,
        listen: ['127.0.0.1'],
        neighbors: [{ address: BIRD_ADDRESS, peerAs: AS }],
      });
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
    ): Promise<RibPath> =>
      waitForEntry(
        () => lab.gobgp.rib(family, prefix),
        expected,
        `${prefix} ${what} in GoBGP's RIB`,
      );

    const gone = (lab: Lab, family: Family, prefix: string, what: string): Promise<void> =>
      waitForNone(() => lab.gobgp.rib(family, prefix), `${prefix} gone from GoBGP's RIB ${what}`);

    const withMed = (med: number) => (p: RibPath) => p.med === med;

    it('announces each state with its attributes, withdraws on DOWN (withdraw-on-down) and at exit, and converges after BIRD restarts', async () => {
      const lab = await startLab('bird-speaker', {
        ipv4: 'where proto = "bgp_healthcheck4"',
        ipv6: 'where proto = "bgp_healthcheck6"',
      });
      const hc = await startHealthcheck(
        lab,
        [
          'speaker:',
          '  type: bird',
          `  file: ${lab.include}`,
          `  socket: ${lab.bird.socket}`,
          'services:',
          '  - name: web',
          `    disable: ${lab.check.disableFile}`,
          '    timing: { interval: 0.5, fast-interval: 0.25, rise: 2, fall: 2, timeout: 2 }',
          `    checks: [{ type: command, command: ${lab.check.script} }]`,
          '    routes:',
          `      prefixes: [${PREFIX}]`,
          '      next-hop: 192.0.2.10',
          '      up-metric: 20',
          '      disabled-metric: 1500',
          '      increase: 0',
          '      local-preference: 200',
          '      community: 65000:1',
          '      disabled-community: 65000:666',
          '      large-community: 65000:1:2',
          '      as-path: 65001 65002',
          '      withdraw-on-down: false',
          '      ip-setup: false',
          '  - name: web6',
          '    timing: { interval: 0.5, fast-interval: 0.25, rise: 2, fall: 2, timeout: 2 }',
          `    checks: [{ type: command, command: ${lab.check.script} }]`,
          '    routes:',
          `      prefixes: [${PREFIX6}]`,
          '      next-hop: 2001:db8::1',
          '      up-metric: 20',
          '      withdraw-on-down: true',
          '      ip-setup: false',
          '',
        ].join('\n'),
      );
      const up = await path(lab, 'ipv4', PREFIX, withMed(20), 'with MED 20 (UP)');
      expect(up).toMatchObject({
        nextHop: '192.0.2.10',
        localPref: 200,
        asPath: [65001, 65002],
        communities: ['65000:1'],
        largeCommunities: ['65000:1:2'],
      });
      await path(lab, 'ipv6', PREFIX6, withMed(20), 'with MED 20 (UP)');

      await lab.check.setDisabled(true);
      const disabled = await path(lab, 'ipv4', PREFIX, withMed(1500), 'with MED 1500 (DISABLED)');
      expect(disabled.communities).toEqual(['65000:666']);
      await lab.check.setDisabled(false);
      await path(lab, 'ipv4', PREFIX, withMed(20), 'back with MED 20 (UP)');

      await lab.check.setHealthy(false);
      await path(lab, 'ipv4', PREFIX, withMed(1000), 'with MED 1000 (DOWN)');
      await gone(lab, 'ipv6', PREFIX6, 'on DOWN with withdraw-on-down');
      await lab.check.setHealthy(true);
      await path(lab, 'ipv4', PREFIX, withMed(20), 'back with MED 20 (UP)');
      await path(lab, 'ipv6', PREFIX6, withMed(20), 'back with MED 20 (UP)');

      // BIRD restarted reads the file as it is: the route comes back without a word from us.
      await lab.supervisor.stop(lab.bird.daemon);
      await gone(lab, 'ipv4', PREFIX, 'while BIRD is stopped');
      lab.bird = await startBirdWithConfig(lab.supervisor, lab.dir, lab.birdConf);
      await path(lab, 'ipv4', PREFIX, withMed(20), 'again with MED 20 after BIRD restarted');

      const exit = await lab.supervisor.stop(hc);
      expect(exit).toEqual({ code: 0, signal: null });
      await gone(lab, 'ipv4', PREFIX, 'after SIGTERM');
      await gone(lab, 'ipv6', PREFIX6, 'after SIGTERM');
      expect(await readFile(lab.include, 'utf8')).not.toContain('route ');
      const log = await readFile(hc.logFile, 'utf8');
      expect(log).not.toMatch(/announce route|withdraw route/);
    }, 90_000);

    it('keeps the prefix set of anycast-healthchecker: a prefix is in it while UP, and the operator routes nothing else', async () => {
      const lab = await startLab(
        'bird-prefix-set',
        { ipv4: 'where net ~ ACAST_PS_ADVERTISE', ipv6: 'where net ~ ACAST6_PS_ADVERTISE' },
        [
          // The operator's own static routes; only those in the set are exported.
          'protocol static anycast4 {',
          '  ipv4;',
          `  route ${PREFIX} blackhole { bgp_next_hop = 192.0.2.10; };`,
          '  route 198.51.100.99/32 blackhole { bgp_next_hop = 192.0.2.10; };',
          '}',
        ],
        // What anycast-healthchecker leaves behind: the sets with their dummy prefixes.
        'define ACAST_PS_ADVERTISE = [ 10.189.200.255/32 ];\ndefine ACAST6_PS_ADVERTISE = [ 2001:db8::1/128 ];\n',
      );
      const hc = await startHealthcheck(
        lab,
        [
          'speaker:',
          '  type: bird',
          '  layout: prefix-set',
          `  file: ${lab.include}`,
          `  reconfigure: birdc -s ${lab.bird.socket} configure`,
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
  },
);
