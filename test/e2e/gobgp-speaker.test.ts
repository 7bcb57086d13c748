// GoBGP as the speaker bgp-healthcheck drives through the gobgp CLI, BIRD 2 as the peer whose RIB is read.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { OUR_BIN, runOurs } from '../support/healthcheck-process.js';
import { startBird, type Bird, type BirdRoute } from './harness/bird.js';
import { startGobgp, type Gobgp, type GobgpOptions } from './harness/gobgp.js';
import { SteeredCheck } from './harness/healthcheck.js';
import { freePorts } from './harness/ports.js';
import { Supervisor, type Daemon } from './harness/processes.js';
import { makeTempDir, removeTempDir } from './harness/tempdir.js';
import { describeWhen } from './harness/tools.js';
import { waitFor, waitForEntry, waitForNone } from './harness/wait.js';

const AS = 64512;
const BIRD_ADDRESS = '127.0.0.3';
const PREFIX = '198.51.100.10/32';
const PREFIX6 = '2001:db8::10/128';
/** The operator's own path in GoBGP, on a prefix no service names: never touched. */
const OPERATOR_PREFIX = '203.0.113.7/32';

interface Lab {
  readonly dir: string;
  readonly supervisor: Supervisor;
  readonly check: SteeredCheck;
  readonly gobgpOptions: GobgpOptions;
  readonly bird: Bird;
  readonly socket: string;
  gobgp: Gobgp;
}

describeWhen(
  'GoBGP as the speaker, BIRD 2 as the peer',
  { tools: ['gobgpd', 'gobgp', 'bird', 'birdc'] },
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

    async function startLab(): Promise<Lab> {
      const dir = await makeTempDir('gobgp-speaker');
      const supervisor = new Supervisor();
      supervisor.sweep(dir);
      const lab: Partial<Lab> & { dir: string; supervisor: Supervisor } = { dir, supervisor };
      labs.push(lab as Lab);
      const check = new SteeredCheck(dir);
      await check.install(true);
      const [port = 0, grpcPort = 0, birdPort = 0] = await freePorts(3);
      const gobgpOptions: GobgpOptions = {
        as: AS,
        routerId: '192.0.2.254',
        port,
        grpcPort,
        listen: ['127.0.0.1'],
        neighbors: [{ address: BIRD_ADDRESS, peerAs: AS }],
      };
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
      const socket = join(dir, 'ctl.sock');
      return Object.assign(lab, { check, gobgpOptions, gobgp, bird, socket });
    }

    async function startHealthcheck(lab: Lab, resync: number): Promise<Daemon> {
      const config = join(lab.dir, 'healthcheck.yaml');
      const service = (name: string, prefix: string, routes: readonly string[]) => [
        `  - name: ${name}`,
        '    timing: { interval: 0.5, fast-interval: 0.25, rise: 2, fall: 2, timeout: 2 }',
        `    checks: [{ type: command, command: ${lab.check.script} }]`,
        '    drain: 30s',
        '    routes:',
        `      prefixes: [${prefix}]`,
        ...routes.map((line) => `      ${line}`),
        '      ip-setup: false',
      ];
      const yaml = [
        'speaker:',
        '  type: gobgp',
        `  address: 127.0.0.1:${lab.gobgpOptions.grpcPort}`,
        `  resync: ${resync}`,
        `control: { socket: ${lab.socket} }`,
        'services:',
        ...service('web', PREFIX, [
          'next-hop: 192.0.2.10',
          'up-metric: 20',
          'disabled-metric: 1500',
          'increase: 0',
          'local-preference: 200',
          'community: 65000:1',
          'disabled-community: 65000:666',
          'large-community: 65000:1:2',
          'extended-community: target:65000:5',
          'as-path: 65001 65002',
          'path-id: 3',
          'withdraw-on-down: false',
        ]),
        ...service('web6', PREFIX6, [
          'next-hop: 2001:db8::1',
          'up-metric: 20',
          'withdraw-on-down: true',
        ]),
        '',
      ].join('\n');
      await writeFile(config, yaml, { mode: 0o644 });
      return lab.supervisor.start(
        'bgp-healthcheck',
        process.execPath,
        [OUR_BIN, '--config', config, '--no-syslog', '--debug'],
        { logFile: join(lab.dir, 'healthcheck.log') },
      );
    }

    const route = (
      lab: Lab,
      prefix: string,
      expected: (route: BirdRoute) => boolean,
      what: string,
    ): Promise<BirdRoute> =>
      waitForEntry(() => lab.bird.routes(prefix), expected, `${prefix} ${what} in BIRD's RIB`);

    const gone = (lab: Lab, prefix: string, what: string): Promise<void> =>
      waitForNone(() => lab.bird.routes(prefix), `${prefix} gone from BIRD's RIB ${what}`);

    const withMed = (med: number) => (r: BirdRoute) => r.med === med;

    async function ctl(lab: Lab, ...args: string[]): Promise<void> {
      const result = await runOurs(['ctl', '--socket', lab.socket, ...args]);
      expect(result.code, result.stderr).toBe(0);
    }

    async function gobgpCli(lab: Lab, ...args: string[]): Promise<void> {
      const { runCommand } = await import('./harness/exec.js');
      const result = await runCommand('gobgp', ['-p', String(lab.gobgpOptions.grpcPort), ...args]);
      expect(result.code, result.stderr).toBe(0);
    }

    const addOperatorPath = (lab: Lab) =>
      gobgpCli(lab, 'global', 'rib', 'add', OPERATOR_PREFIX, 'nexthop', '192.0.2.10', '-a', 'ipv4');

    it('announces each state with its attributes, changes on ctl disable and on drain, withdraws on DOWN and at exit, and converges after gobgpd restarts', async () => {
      const lab = await startLab();
      // A path of ours a previous run left behind (without the identifier), and the operator's own.
      await gobgpCli(lab, 'global', 'rib', 'add', PREFIX, 'med', '7', '-a', 'ipv4');
      await addOperatorPath(lab);
      await route(lab, OPERATOR_PREFIX, () => true, "(the operator's)");
      const hc = await startHealthcheck(lab, 1);

      const up = await route(lab, PREFIX, withMed(20), 'with MED 20 (UP)');
      expect(up).toMatchObject({
        nextHop: '192.0.2.10',
        localPref: 200,
        asPath: [65001, 65002],
        communities: ['65000:1'],
        largeCommunities: ['65000:1:2'],
        extendedCommunities: ['rt:65000:5'],
      });
      // The stale path went at start: GoBGP holds the one path of the configured identifier.
      expect(await lab.gobgp.rib('ipv4', PREFIX)).toEqual([
        expect.objectContaining({ med: 20, neighbor: '' }),
      ]);
      await route(
        lab,
        PREFIX6,
        (r) => r.med === 20 && r.nextHop === '2001:db8::1',
        'with MED 20 (UP)',
      );

      await ctl(lab, 'disable', 'web', '--reason', 'maintenance');
      const disabled = await route(lab, PREFIX, withMed(1500), 'with MED 1500 (DISABLED)');
      expect(disabled.communities).toEqual(['65000:666']);
      await ctl(lab, 'enable', 'web');
      await route(lab, PREFIX, withMed(20), 'back with MED 20 (UP)');

      await lab.check.setHealthy(false);
      await route(lab, PREFIX, withMed(1000), 'with MED 1000 (DOWN)');
      await gone(lab, PREFIX6, 'on DOWN with withdraw-on-down');
      await lab.check.setHealthy(true);
      await route(lab, PREFIX, withMed(20), 'back with MED 20 (UP)');
      await route(lab, PREFIX6, withMed(20), 'back with MED 20 (UP)');

      // A restarted gobgpd holds nothing: the resync adds the routes again.
      await lab.supervisor.stop(lab.gobgp.daemon);
      await gone(lab, PREFIX, 'while gobgpd is stopped');
      // The next resync (every 5 s) finds no gobgpd: it fails, is logged and retried with backoff.
      await waitFor(
        async () =>
          /GoBGP: could not apply .* \(attempt 1, next in 1 s\)/.test(
            await readFile(hc.logFile, 'utf8'),
          ),
        { what: 'a failed apply in the log while gobgpd is stopped', timeoutMs: 15_000 },
      );
      lab.gobgp = await startGobgp(lab.supervisor, lab.dir, lab.gobgpOptions);
      await route(lab, PREFIX, withMed(20), 'again with MED 20 after gobgpd restarted');
      await route(lab, PREFIX6, withMed(20), 'again with MED 20 after gobgpd restarted');
      const log = await readFile(hc.logFile, 'utf8');
      expect(log).not.toMatch(/announce route|withdraw route/);

      // The drain announces the disabled attributes; a second SIGTERM withdraws everything.
      await lab.gobgp.sessions();
      await addOperatorPath(lab);
      process.kill(hc.pid, 'SIGTERM');
      await route(lab, PREFIX, withMed(1500), 'with MED 1500 (draining)');
      process.kill(hc.pid, 'SIGTERM');
      expect(await hc.exited).toEqual({ code: 0, signal: null });
      await gone(lab, PREFIX, 'after SIGTERM');
      await gone(lab, PREFIX6, 'after SIGTERM');
      expect(await lab.bird.routes(OPERATOR_PREFIX)).toHaveLength(1);
    }, 120_000);
  },
);
