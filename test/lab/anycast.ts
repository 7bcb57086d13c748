// The anycast failover lab: three servers announce one /32 to a router, each in its own network namespace.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { birdSpeakerConfig, startBirdWithConfig } from '../e2e/harness/bird.js';
import { startExabgp } from '../e2e/harness/exabgp.js';
import { frrPeerConfig, startFrr } from '../e2e/harness/frr.js';
import { startGobgp, type Gobgp, type RibPath } from '../e2e/harness/gobgp.js';
import {
  healthcheckArgv,
  healthcheckConfig,
  type Implementation,
  type OptionValue,
} from '../e2e/harness/healthcheck.js';
import {
  addNamespace,
  deleteNamespace,
  inNamespace,
  linkNamespaces,
} from '../e2e/harness/netns.js';
import { Supervisor, type Daemon } from '../e2e/harness/processes.js';
import { makeTempDir, removeTempDir } from '../e2e/harness/tempdir.js';
import { OUR_COMMAND } from '../support/healthcheck-process.js';
import { waitFor } from '../e2e/harness/wait.js';

export const ANYCAST_PREFIX = '198.51.100.53/32';
export const LAB_AS = 64512;
const HTTP_PORT = 8080;
const GRPC_PORT = 50051;

/** The timing every server runs with; the bounds below follow from it. */
export const LAB_TIMING = { interval: 1, fastInterval: 0.5, timeout: 1, rise: 2, fall: 2 } as const;
export const LAB_METRICS = { up: 100, down: 1000, disabled: 500 } as const;

/**
 * The longest a change can take to reach the healthcheck's output, in ms (BGP propagation
 * and the peer's processing come on top).
 */
export const BOUNDS_MS = {
  // Noticed at the next check (≤ interval), then fall-1 more failed checks at fast-interval, each up to timeout.
  down:
    (LAB_TIMING.interval + (LAB_TIMING.fall - 1) * LAB_TIMING.fastInterval + LAB_TIMING.timeout) *
    1000,
  // The disable file is read at the start of every cycle.
  disable: LAB_TIMING.interval * 1000,
  // DISABLED → INIT at the next cycle, INIT waits an interval, then rise checks fast-interval apart.
  enable:
    (2 * LAB_TIMING.interval +
      (LAB_TIMING.rise - 1) * LAB_TIMING.fastInterval +
      LAB_TIMING.timeout) *
    1000,
  // The next check passes (≤ interval), then rise-1 more at fast-interval.
  up:
    (LAB_TIMING.interval + (LAB_TIMING.rise - 1) * LAB_TIMING.fastInterval + LAB_TIMING.timeout) *
    1000,
} as const;

export interface LabEvent {
  readonly name: string;
  readonly expectation: string;
  /** From the change on the server to the router's RIB showing it (RIB polled every 50 ms). */
  readonly measuredMs: number;
  /** From the change to the server's healthcheck entering its new state (from its --execute hook). */
  readonly decidedMs: number | undefined;
  /** The target server's transitions since the change: "+MS STATE". */
  readonly transitions: string[];
  readonly boundMs: number;
  /** Server whose path the router picked as best after the event. */
  readonly bestAfter: string;
  /** Paths the router holds after the event: "server MED", sorted by server. */
  readonly pathsAfter: string[];
}

export interface LabReport {
  readonly implementation: Implementation;
  readonly speaker: LabSpeaker;
  readonly events: LabEvent[];
  readonly timing: typeof LAB_TIMING;
}

interface Server {
  readonly index: number;
  readonly netns: string;
  readonly address: string;
  readonly dir: string;
  readonly disableFile: string;
  /** Lines "EPOCH_MS STATE" appended by the healthcheck's --execute hook on each transition. */
  readonly transitions: string;
  http: Daemon | undefined;
}

const serverAddress = (index: number) => `10.77.${index}.2`;
const routerAddress = (index: number) => `10.77.${index}.1`;

function serverOf(path: RibPath, servers: readonly Server[]): string {
  return `s${servers.find((server) => server.address === path.neighbor)?.index ?? '?'}`;
}

function describePaths(paths: readonly RibPath[], servers: readonly Server[]): string[] {
  return paths.map((path) => `${serverOf(path, servers)} ${path.med ?? '-'}`).sort();
}

/** Polls the router every 50 ms until `accept` holds, and says how long that took since `since`. */
async function measure(
  router: Gobgp,
  since: number,
  what: string,
  accept: (paths: RibPath[]) => boolean,
): Promise<{ ms: number; paths: RibPath[] }> {
  return waitFor(
    async () => {
      const paths = await router.rib('ipv4', ANYCAST_PREFIX);
      const observedAt = performance.now();
      return accept(paths)
        ? { ms: Math.round(observedAt - since), paths }
        : Promise.reject(new Error(JSON.stringify(paths.map((p) => [p.neighbor, p.med, p.best]))));
    },
    { timeoutMs: 40_000, intervalMs: 50, what },
  );
}

export interface LabOptions {
  readonly implementation: Implementation;
  /** The BGP speaker on each server (default exabgp). */
  readonly speaker?: LabSpeaker;
  /** Prints progress lines (the runnable script sets it). */
  readonly log?: (line: string) => void;
}

/** Builds the lab, runs the four events, tears everything down (also on failure) and reports. */
export async function runAnycastLab(options: LabOptions): Promise<LabReport> {
  const log = options.log ?? (() => undefined);
  const speaker = options.speaker ?? 'exabgp';
  if (speaker !== 'exabgp' && options.implementation === 'reference')
    throw new Error(`the reference healthcheck speaks only to ExaBGP, not ${speaker}`);
  const tag = `bgphc-lab-${process.pid}`;
  const routerNs = `${tag}-r`;
  const namespaces: string[] = [];
  const supervisor = new Supervisor();
  const root = await makeTempDir('lab');
  supervisor.sweep(root);
  try {
    await addNamespace(routerNs);
    namespaces.push(routerNs);
    const servers: Server[] = [];
    for (const index of [1, 2, 3]) {
      const netns = `${tag}-s${index}`;
      await addNamespace(netns);
      namespaces.push(netns);
      await linkNamespaces(
        { netns: routerNs, ifname: `to-s${index}`, address: `${routerAddress(index)}/24` },
        { netns, ifname: 'uplink', address: `${serverAddress(index)}/24` },
      );
      const dir = join(root, `s${index}`);
      await makeServerDir(dir);
      servers.push({
        index,
        netns,
        address: serverAddress(index),
        dir,
        disableFile: join(dir, 'maintenance'),
        transitions: join(dir, 'transitions.log'),
        http: undefined,
      });
    }
    log(
      `topology: router ${routerNs}, servers ${servers.map((s) => `${s.netns}=${s.address}`).join(', ')}`,
    );

    const routerDir = join(root, 'router');
    await makeServerDir(routerDir);
    const router = await startGobgp(supervisor, routerDir, {
      as: LAB_AS,
      routerId: '10.77.0.1',
      port: 179,
      grpcPort: GRPC_PORT,
      neighbors: servers.map((server) => ({ address: server.address, peerAs: LAB_AS })),
      netns: routerNs,
    });

    /** Starts the service and resolves once it listens: that moment is the change on the server. */
    const startHttp = async (server: Server): Promise<void> => {
      const logFile = join(server.dir, 'http.log');
      const before = await readLines(logFile);
      server.http = supervisor.start(
        `http-s${server.index}`,
        'ip',
        [
          'netns',
          'exec',
          server.netns,
          process.execPath,
          '-e',
          `require('node:http').createServer((q, s) => s.end('ok'))` +
            `.listen(${HTTP_PORT}, '127.0.0.1', () => console.log('listening'))`,
        ],
        { logFile },
      );
      await waitFor(async () => (await readLines(logFile)).length > before.length, {
        timeoutMs: 10_000,
        intervalMs: 10,
        what: `the HTTP service of s${server.index} to listen`,
      });
    };

    for (const server of servers) {
      await startHttp(server);
      const hook = join(server.dir, 'hook.sh');
      await writeFile(
        hook,
        `#!/bin/sh\necho "$(date +%s%3N) $STATE" >> '${server.transitions}'\n`,
        {
          mode: 0o755,
        },
      );
      // bash's /dev/tcp makes an HTTP check that starts in milliseconds even on a loaded machine.
      const check = join(server.dir, 'check-http.sh');
      await writeFile(
        check,
        [
          '#!/bin/bash',
          `exec 3<>/dev/tcp/127.0.0.1/${HTTP_PORT} || exit 1`,
          "printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3",
          'read -r status <&3',
          '[[ $status == *" 200 "* ]]',
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
      await SPEAKER_STARTERS[speaker]({
        supervisor,
        implementation: options.implementation,
        server,
        check,
        hook,
      });
    }

    const allUp = (paths: RibPath[]) =>
      paths.length === 3 && paths.every((path) => path.med === LAB_METRICS.up);
    const converged = await measure(
      router,
      performance.now(),
      'three paths with the up MED',
      allUp,
    );
    log(
      `converged: ${describePaths(converged.paths, servers).join(', ')} after ${converged.ms} ms`,
    );

    const [s1, s2, s3] = servers as [Server, Server, Server];
    const events: LabEvent[] = [];
    const run = async (
      name: string,
      expectation: string,
      boundMs: number,
      target: { server: Server; state: 'UP' | 'DOWN' | 'DISABLED' },
      change: () => Promise<void>,
      accept: (paths: RibPath[]) => boolean,
    ) => {
      // Land the change at a random point of the check cycle, as a real failure would.
      await delay(Math.floor(Math.random() * LAB_TIMING.interval * 1000));
      await change();
      const since = performance.now();
      const sinceWall = Date.now();
      const { ms, paths } = await measure(router, since, expectation, accept);
      const transitions = (await readLines(target.server.transitions))
        .map((line) => line.split(' '))
        .map(([at, state]) => ({ ms: Number(at) - sinceWall, state }))
        .filter((transition) => transition.ms >= 0);
      const decided = transitions.find((transition) => transition.state === target.state);
      const best = paths.find((path) => path.best);
      const event: LabEvent = {
        name,
        expectation,
        measuredMs: ms,
        decidedMs: decided?.ms,
        transitions: transitions.map((transition) => `+${transition.ms} ${transition.state}`),
        boundMs,
        bestAfter: best === undefined ? 'none' : serverOf(best, servers),
        pathsAfter: describePaths(paths, servers),
      };
      events.push(event);
      log(
        `${name}: router after ${ms} ms, healthcheck ${target.state} after ${event.decidedMs ?? '?'} ms ` +
          `(bound ${boundMs} ms); paths ${event.pathsAfter.join(', ')}; best ${event.bestAfter}; ` +
          `transitions ${event.transitions.join(', ')}`,
      );
    };

    const medOf = (paths: RibPath[], server: Server) =>
      paths.find((path) => path.neighbor === server.address)?.med;

    await run(
      'stop the service on s1',
      'exactly the paths of s2 and s3',
      BOUNDS_MS.down,
      { server: s1, state: 'DOWN' },
      async () => {
        if (s1.http !== undefined) await supervisor.stop(s1.http);
      },
      (paths) => paths.length === 2 && medOf(paths, s1) === undefined,
    );
    await run(
      'maintenance on s2 (disable file)',
      's2 with the disabled MED, best path elsewhere',
      BOUNDS_MS.disable,
      { server: s2, state: 'DISABLED' },
      () => writeFile(s2.disableFile, 'maintenance\n'),
      (paths) =>
        medOf(paths, s2) === LAB_METRICS.disabled &&
        paths.some((p) => p.best && p.neighbor === s3.address),
    );
    await run(
      'end maintenance on s2',
      's2 back with the up MED',
      BOUNDS_MS.enable,
      { server: s2, state: 'UP' },
      () => rm(s2.disableFile),
      (paths) => medOf(paths, s2) === LAB_METRICS.up,
    );
    await run(
      'start the service on s1',
      'all three paths with the up MED',
      BOUNDS_MS.up,
      { server: s1, state: 'UP' },
      () => startHttp(s1),
      allUp,
    );
    return { implementation: options.implementation, speaker, events, timing: LAB_TIMING };
  } finally {
    await supervisor.stopAll();
    for (const netns of namespaces.reverse()) await deleteNamespace(netns);
    await removeTempDir(root);
  }
}

async function readLines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line.trim() !== '');
}

async function makeServerDir(dir: string): Promise<void> {
  await mkdir(dir, { mode: 0o755 });
}

/** The speakers a lab server can run; each is one function below. */
export const LAB_SPEAKERS = ['exabgp', 'bird', 'gobgp', 'frr'] as const;
export type LabSpeaker = (typeof LAB_SPEAKERS)[number];

interface ServerSetup {
  readonly supervisor: Supervisor;
  readonly implementation: Implementation;
  readonly server: Server;
  /** The HTTP check script and the transition hook (called with STATE set). */
  readonly check: string;
  readonly hook: string;
}

/** What every server's healthcheck does, whatever carries its routes. */
function serviceOptions({ server, check, hook }: ServerSetup) {
  return {
    name: `lab-s${server.index}`,
    check,
    hook,
    // Server 1 leaves the anycast group when its service dies; the others only drain by MED.
    withdrawOnDown: server.index === 1,
  };
}

/** ExaBGP runs the healthcheck as its process, with the ExaBGP-format options file. */
async function startExabgpServer(setup: ServerSetup): Promise<void> {
  const { server } = setup;
  const service = serviceOptions(setup);
  const config = join(server.dir, 'healthcheck.conf');
  const hc: Record<string, OptionValue> = {
    name: service.name,
    command: service.check,
    interval: LAB_TIMING.interval,
    'fast-interval': LAB_TIMING.fastInterval,
    timeout: LAB_TIMING.timeout,
    rise: LAB_TIMING.rise,
    fall: LAB_TIMING.fall,
    'up-metric': LAB_METRICS.up,
    'down-metric': LAB_METRICS.down,
    'disabled-metric': LAB_METRICS.disabled,
    disable: server.disableFile,
    execute: service.hook,
    ip: ANYCAST_PREFIX,
    'next-hop': server.address,
    'no-ip-setup': true,
    'no-syslog': true,
    'withdraw-on-down': service.withdrawOnDown,
  };
  await writeFile(config, healthcheckConfig(hc), { mode: 0o644 });
  await startExabgp(setup.supervisor, server.dir, {
    peerAddress: routerAddress(server.index),
    peerPort: 179,
    localAddress: server.address,
    localAs: LAB_AS,
    peerAs: LAB_AS,
    routerId: server.address,
    processArgv: healthcheckArgv(setup.implementation, config),
    netns: server.netns,
  });
}

/** The same service as YAML, for a speaker other than ExaBGP. */
function serviceYaml(setup: ServerSetup, speaker: readonly string[]): string {
  const service = serviceOptions(setup);
  return [
    'speaker:',
    ...speaker.map((line) => `  ${line}`),
    'services:',
    `  - name: ${service.name}`,
    `    disable: ${setup.server.disableFile}`,
    `    timing: { interval: ${LAB_TIMING.interval}, fast-interval: ${LAB_TIMING.fastInterval}, timeout: ${LAB_TIMING.timeout}, rise: ${LAB_TIMING.rise}, fall: ${LAB_TIMING.fall} }`,
    `    hooks: { execute: ${service.hook} }`,
    `    checks: [{ type: command, command: ${service.check} }]`,
    '    routes:',
    `      prefixes: [${ANYCAST_PREFIX}]`,
    `      next-hop: ${setup.server.address}`,
    `      up-metric: ${LAB_METRICS.up}`,
    `      down-metric: ${LAB_METRICS.down}`,
    `      disabled-metric: ${LAB_METRICS.disabled}`,
    `      withdraw-on-down: ${service.withdrawOnDown}`,
    '      ip-setup: false',
    '',
  ].join('\n');
}

/** bgp-healthcheck in the server's namespace, reading `yaml`. */
async function startOurs(setup: ServerSetup, yaml: string): Promise<void> {
  const config = join(setup.server.dir, 'healthcheck.yaml');
  await writeFile(config, yaml, { mode: 0o644 });
  const [first = process.execPath, ...rest] = OUR_COMMAND;
  const [command, args] = inNamespace(setup.server.netns, first, [
    ...rest,
    '--config',
    config,
    '--no-syslog',
  ]);
  setup.supervisor.start(`bgp-healthcheck-s${setup.server.index}`, command, args, {
    logFile: join(setup.server.dir, 'healthcheck.log'),
  });
}

/** BIRD 2 peers with the router; our process writes the file it includes (static layout: MEDs). */
async function startBirdServer(setup: ServerSetup): Promise<void> {
  const { server } = setup;
  const include = join(server.dir, 'bgp-healthcheck.conf');
  await writeFile(include, '', { mode: 0o644 });
  const bird = await startBirdWithConfig(
    setup.supervisor,
    server.dir,
    birdSpeakerConfig({
      routerId: server.address,
      localAddress: server.address,
      localPort: 179,
      as: LAB_AS,
      peerAddress: routerAddress(server.index),
      peerPort: 179,
      include,
      exportFilter: {
        ipv4: 'where proto = "bgp_healthcheck4"',
        ipv6: 'where proto = "bgp_healthcheck6"',
      },
    }),
    server.netns,
  );
  await startOurs(
    setup,
    serviceYaml(setup, ['type: bird', `file: ${include}`, `socket: ${bird.socket}`]),
  );
}

/** A gobgpd of the server's own connects to the router; our process adds and deletes its paths with the CLI. */
async function startGobgpServer(setup: ServerSetup): Promise<void> {
  const { server } = setup;
  await startGobgp(setup.supervisor, server.dir, {
    as: LAB_AS,
    routerId: server.address,
    port: 179,
    grpcPort: GRPC_PORT,
    listen: [server.address],
    neighbors: [{ address: routerAddress(server.index), peerAs: LAB_AS, active: true }],
    netns: server.netns,
  });
  await startOurs(setup, serviceYaml(setup, ['type: gobgp', `address: 127.0.0.1:${GRPC_PORT}`]));
}

/** FRR (zebra, staticd, bgpd) in the server's namespace peers with the router; our process configures it with vtysh. */
async function startFrrServer(setup: ServerSetup): Promise<void> {
  const { server } = setup;
  const frr = await startFrr(setup.supervisor, server.dir, {
    netns: server.netns,
    bgpdConfig: frrPeerConfig({
      as: LAB_AS,
      routerId: server.address,
      localAddress: server.address,
      peerAddress: routerAddress(server.index),
      peerAs: LAB_AS,
    }),
    listen: server.address,
    port: 179,
  });
  await startOurs(setup, serviceYaml(setup, ['type: frr', `vtysh: ${frr.vtyshCommand}`]));
}

const SPEAKER_STARTERS: Record<LabSpeaker, (setup: ServerSetup) => Promise<void>> = {
  exabgp: startExabgpServer,
  bird: startBirdServer,
  gobgp: startGobgpServer,
  frr: startFrrServer,
};
