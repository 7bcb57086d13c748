// FRR as the speaker bgp-healthcheck drives through vtysh, GoBGP as the peer whose RIB is read.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { OUR_COMMAND, runOurs } from '../support/healthcheck-process.js';
import { frrMissing, startFrr, type Frr } from './harness/frr.js';
import { startGobgp, type Family, type Gobgp, type RibPath } from './harness/gobgp.js';
import { SteeredCheck } from './harness/healthcheck.js';
import { addConnectedAddresses, addNamespace, deleteNamespace } from './harness/netns.js';
import { Supervisor, type Daemon } from './harness/processes.js';
import { makeTempDir, removeTempDir } from './harness/tempdir.js';
import { describeWhen } from './harness/tools.js';

const AS = 64512;
// Addresses of a connected network in the namespace: bgpd's next-hop tracking does not resolve a
// peer reached only through lo.
const GOBGP_ADDRESS = '198.18.0.1';
const FRR_ADDRESS = '198.18.0.2';
const PREFIX = '198.51.100.10/32';
const PREFIX6 = '2001:db8::10/128';
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

interface Lab {
  readonly dir: string;
  readonly netns: string;
  readonly supervisor: Supervisor;
  readonly check: SteeredCheck;
  readonly gobgp: Gobgp;
  readonly frr: Frr;
}

describeWhen(
  'FRR as the speaker, GoBGP as the peer',
  {
    tools: ['vtysh', 'gobgpd', 'gobgp', 'ip'],
    root: true,
    extra: [frrMissing],
  },
  () => {
    const labs: Lab[] = [];
    afterEach(async () => {
      for (const lab of labs.splice(0)) {
        try {
          await lab.supervisor.stopAll();
        } finally {
          await deleteNamespace(lab.netns);
          await removeTempDir(lab.dir);
        }
      }
    });

    async function startLab(tag: string): Promise<Lab> {
      const dir = await makeTempDir(tag);
      const netns = `bgphc-frr-${process.pid}`;
      const supervisor = new Supervisor();
      supervisor.sweep(dir);
      const lab: Partial<Lab> & { dir: string; netns: string; supervisor: Supervisor } = {
        dir,
        netns,
        supervisor,
      };
      labs.push(lab as Lab);
      // zebra programs the kernel of its namespace: a namespace of the test's own, never the machine's.
      await addNamespace(netns);
      await addConnectedAddresses(netns, 'lab0', [`${GOBGP_ADDRESS}/24`, `${FRR_ADDRESS}/24`]);
      const check = new SteeredCheck(dir);
      await check.install(true);
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
      return Object.assign(lab, { check, gobgp, frr });
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

    const withMed = (med: number) => (p: RibPath) => p.med === med;

    it('announces each state with its attributes through vtysh, follows ctl disable, DOWN and a drain, converges after FRR restarts, and leaves only the operator config at exit', async () => {
      const lab = await startLab('frr-speaker');
      await path(lab, 'ipv4', STALE, () => true, 'left by an earlier run');
      const socket = join(lab.dir, 'ctl.sock');
      const config = join(lab.dir, 'healthcheck.yaml');
      await writeFile(
        config,
        [
          'speaker:',
          '  type: frr',
          `  vtysh: ${lab.frr.vtyshCommand}`,
          '  resync: 1s',
          'control:',
          `  socket: ${socket}`,
          'services:',
          '  - name: web',
          '    timing: { interval: 0.5, fast-interval: 0.25, rise: 2, fall: 2, timeout: 2 }',
          `    checks: [{ type: command, command: ${lab.check.script} }]`,
          '    drain: 4s',
          '    routes:',
          `      prefixes: [${PREFIX}]`,
          '      next-hop: 192.0.2.10',
          '      up-metric: 20',
          '      disabled-metric: 1500',
          '      increase: 0',
          '      local-preference: 200',
          '      community: [65000:1, no-export]',
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
        { mode: 0o644 },
      );
      const [command = '', ...args] = OUR_COMMAND;
      const hc: Daemon = lab.supervisor.start(
        'bgp-healthcheck',
        command,
        [
          ...args,
          '--config',
          config,
          '--no-syslog',
          '--debug',
          '--maintenance-file',
          join(lab.dir, 'maintenance.json'),
        ],
        { logFile: join(lab.dir, 'healthcheck.log') },
      );
      const ctl = (...words: string[]) => runOurs(['ctl', '--socket', socket, ...words]);

      const up = await path(lab, 'ipv4', PREFIX, withMed(20), 'with MED 20 (UP)');
      expect(up).toMatchObject({
        nextHop: '192.0.2.10',
        localPref: 200,
        asPath: [65001, 65002],
        communities: ['65000:1', '65535:65281'],
        largeCommunities: ['65000:1:2'],
      });
      const up6 = await path(lab, 'ipv6', PREFIX6, withMed(20), 'with MED 20 (UP)');
      expect(up6.nextHop).toBe('2001:db8::1');
      await gone(lab, 'ipv4', STALE, 'once the statements of an earlier run are removed');
      await path(lab, 'ipv4', THEIRS, withMed(5), "(the operator's own)");

      expect((await ctl('disable', 'web', '--reason', 'kernel upgrade')).code).toBe(0);
      const disabled = await path(lab, 'ipv4', PREFIX, withMed(1500), 'with MED 1500 (DISABLED)');
      expect(disabled.communities).toEqual(['65000:666']);
      expect((await ctl('enable', 'web')).code).toBe(0);
      await path(lab, 'ipv4', PREFIX, withMed(20), 'back with MED 20 (UP)');

      await lab.check.setHealthy(false);
      await path(lab, 'ipv4', PREFIX, withMed(1000), 'with MED 1000 (DOWN)');
      await gone(lab, 'ipv6', PREFIX6, 'on DOWN with withdraw-on-down');
      await lab.check.setHealthy(true);
      await path(lab, 'ipv4', PREFIX, withMed(20), 'back with MED 20 (UP)');
      await path(lab, 'ipv6', PREFIX6, withMed(20), 'back with MED 20 (UP)');

      // FRR restarted forgets what it was told and not saved: the resync tells it again.
      await lab.frr.stop(lab.supervisor);
      await gone(lab, 'ipv4', PREFIX, 'while FRR is stopped');
      await lab.frr.start(lab.supervisor);
      await path(lab, 'ipv4', PREFIX, withMed(20), 'again with MED 20 after FRR restarted');
      await path(lab, 'ipv6', PREFIX6, withMed(20), 'again with MED 20 after FRR restarted');

      // SIGTERM drains web: the disabled attributes first, then the withdrawal.
      process.kill(hc.pid, 'SIGTERM');
      await path(lab, 'ipv4', PREFIX, withMed(1500), 'with MED 1500 while draining');
      await gone(lab, 'ipv4', PREFIX, 'after the drain');
      await gone(lab, 'ipv6', PREFIX6, 'after SIGTERM');
      expect(await hc.exited).toEqual({ code: 0, signal: null });
      const running = await lab.frr.vtysh('show running-config');
      expect(running).not.toMatch(/BGPHC-|tag 1111967811/);
      expect(running).toContain(`network ${THEIRS} route-map OPERATOR`);
      expect(running).toContain(`ip route ${THEIRS} blackhole`);
      await path(lab, 'ipv4', THEIRS, withMed(5), "(the operator's own) after exit");
      const log = await readFile(hc.logFile, 'utf8');
      expect(log).not.toMatch(/announce route|withdraw route/);
    }, 120_000);
  },
);
