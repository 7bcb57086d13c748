// What the user pays in total: ours run by a real ExaBGP (Debian's 4.2), ExaBGP peered with a real
// gobgpd on loopback, and the CPU of all three over one window, with the routes counted in GoBGP's
// RIB so that a run whose routes never arrived cannot look cheap. The daemons are started and
// stopped with the e2e harness (test/e2e/harness), bundled on the fly by esbuild.
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';
import { build } from 'esbuild';
import { loadAverage, readCpu } from './proc.js';

const HARNESS = fileURLToPath(new URL('../test/e2e/harness/', import.meta.url));
/** What the series needs on the machine, as the e2e tiers name it. */
export const TOTAL_REQUIREMENTS = { tools: ['exabgp', 'gobgpd', 'gobgp'], root: true };
const EXABGP_AS = 65000;
const GOBGP_AS = 65001;
const EXABGP_ADDRESS = '127.0.0.2';
const GOBGP_ADDRESS = '127.0.0.1';

/** Next hops GoBGP takes as valid (a loopback next hop turns the update into a withdraw). */
export const nextHopFor = (address) => (address.includes(':') ? '2001:db8::1' : '192.0.2.10');

/**
 * The harness's TypeScript, bundled into `dir` and imported. Its `describeWhen` helper imports
 * vitest, which the bench does not run under: that import gets an empty stand-in.
 */
export async function loadHarness(dir) {
  const outfile = join(dir, 'harness.mjs');
  await build({
    stdin: {
      contents: [
        "export { startExabgp } from './exabgp.ts';",
        "export { startGobgp } from './gobgp.ts';",
        "export { Supervisor } from './processes.ts';",
        "export { freePorts } from './ports.ts';",
        "export { missingRequirements } from './tools.ts';",
        "export { commandLine, parentPid } from './proc.ts';",
        "export { runChecked } from './exec.ts';",
      ].join('\n'),
      resolveDir: HARNESS,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'error',
    plugins: [
      {
        name: 'no-vitest',
        setup(builder) {
          builder.onResolve({ filter: /^vitest$/ }, () => ({ path: 'vitest', namespace: 'stub' }));
          builder.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
            contents: 'export const describe = () => {}; export const it = () => {};',
          }));
        },
      },
    ],
  });
  return import(pathToFileURL(outfile).href);
}

/** Every process below `root`, found through /proc by parent. */
function descendants(harness, root) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = harness.parentPid(Number(entry));
    if (parent === undefined) continue;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(Number(entry));
  }
  const below = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()) ?? []) {
      below.push(child);
      queue.push(child);
    }
  }
  return below;
}

/** CPU seconds of a process: its own user and system time and its reaped children's. */
function cpuSeconds(pid) {
  const cpu = readCpu(pid);
  return cpu ? cpu.user + cpu.system + cpu.children : 0;
}

/**
 * The processes of one run by who pays for them: ours (the process ExaBGP started with the bin,
 * and anything below it), ExaBGP (its own process and every other process below it), gobgpd.
 */
function processesOf(harness, exabgpPid, gobgpdPid, bin) {
  const below = descendants(harness, exabgpPid);
  const ours = below.filter((pid) => harness.commandLine(pid).includes(bin));
  const oursAndBelow = new Set(ours.flatMap((pid) => [pid, ...descendants(harness, pid)]));
  return {
    ours: [...oursAndBelow],
    exabgp: [exabgpPid, ...below.filter((pid) => !oursAndBelow.has(pid))],
    gobgpd: [gobgpdPid],
  };
}

const sumCpu = (pids) => pids.reduce((total, pid) => total + cpuSeconds(pid), 0);

/** Paths GoBGP holds from ExaBGP, both families, and the UPDATE messages it has received. */
async function peerView(harness, grpcPort) {
  const gobgp = (args) => harness.runChecked('gobgp', ['-p', String(grpcPort), ...args], 20_000);
  let paths = 0;
  for (const family of ['ipv4', 'ipv6']) {
    const text = (await gobgp(['global', 'rib', '-a', family, '-j'])).trim();
    if (text === '' || text === 'null') continue;
    for (const entries of Object.values(JSON.parse(text))) paths += entries.length;
  }
  const neighbors = JSON.parse(await gobgp(['neighbor', '-j']));
  const updates = neighbors.reduce(
    (total, peer) => total + Number(peer.state?.messages?.received?.update ?? 0),
    0,
  );
  return { paths, updates };
}

/**
 * One run: gobgpd, then ExaBGP with ours as its process (`ourArgv`, the API acknowledged as
 * ExaBGP's default has it), until GoBGP holds every route; then `warmupS`, then `durationS`
 * measured. The row gives each party's CPU as % of one core and GoBGP's paths after the window.
 */
export async function runTotal(harness, options) {
  const { dir, services, variant, configFile, ourArgv, bin, warmupS, durationS, log } = options;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const supervisor = new harness.Supervisor();
  // ExaBGP starts ours in a process group of its own: whatever names this run's files goes too.
  supervisor.sweep(dir);
  supervisor.sweep(configFile);
  try {
    const [port, grpcPort] = await harness.freePorts(2);
    const gobgp = await harness.startGobgp(supervisor, dir, {
      as: GOBGP_AS,
      routerId: GOBGP_ADDRESS,
      port,
      grpcPort,
      listen: [GOBGP_ADDRESS],
      neighbors: [{ address: EXABGP_ADDRESS, peerAs: EXABGP_AS }],
    });
    const exabgp = await harness.startExabgp(supervisor, dir, {
      peerAddress: GOBGP_ADDRESS,
      peerPort: port,
      localAddress: EXABGP_ADDRESS,
      localAs: EXABGP_AS,
      peerAs: GOBGP_AS,
      routerId: EXABGP_ADDRESS,
      processArgv: ourArgv,
    });
    const failure = async (what) =>
      new Error(
        `total ${variant}: ${what}; ExaBGP's log ends:\n${(await exabgp.log()).slice(-2000)}`,
      );
    const started = performance.now();
    const deadline = started + 60_000 + services * 100;
    for (;;) {
      if (exabgp.daemon.hasExited()) throw await failure('ExaBGP exited');
      if (gobgp.daemon.hasExited()) throw await failure('gobgpd exited');
      const { paths } = await peerView(harness, grpcPort);
      if (paths >= services) break;
      if (performance.now() > deadline) {
        throw await failure(
          `GoBGP holds ${paths} of ${services} routes after ${deadline - started} ms`,
        );
      }
      await sleep(500);
    }
    const readyS = (performance.now() - started) / 1000;
    await sleep(warmupS * 1000);
    const who = processesOf(harness, exabgp.daemon.pid, gobgp.daemon.pid, bin);
    if (who.ours.length === 0) throw await failure('no process of ours below ExaBGP');
    const snapshot = async () => ({
      ours: sumCpu(who.ours),
      exabgp: sumCpu(who.exabgp),
      gobgpd: sumCpu(who.gobgpd),
      peer: await peerView(harness, grpcPort),
      at: performance.now(),
    });
    const before = await snapshot();
    await sleep(durationS * 1000);
    const after = await snapshot();
    // The same processes at both ends: a restart of ours inside the window would hide its cost.
    const again = processesOf(harness, exabgp.daemon.pid, gobgp.daemon.pid, bin);
    if (again.ours.join() !== who.ours.join())
      throw await failure('ours restarted during the window');
    if (after.peer.paths !== services) {
      throw await failure(`GoBGP holds ${after.peer.paths} of ${services} routes after the window`);
    }
    const wallS = (after.at - before.at) / 1000;
    const percent = (key) => ((after[key] - before[key]) / wallS) * 100;
    const row = {
      label: 'total',
      probe: variant,
      services,
      readyS,
      wallS,
      oursPercent: percent('ours'),
      exabgpPercent: percent('exabgp'),
      gobgpdPercent: percent('gobgpd'),
      paths: after.peer.paths,
      updatesPerS: (after.peer.updates - before.peer.updates) / wallS,
      updates: after.peer.updates,
      load: loadAverage(),
    };
    row.sumPercent = row.oursPercent + row.exabgpPercent + row.gobgpdPercent;
    log(
      `total ${variant} x${services}: ours ${row.oursPercent.toFixed(2)}%, ExaBGP ${row.exabgpPercent.toFixed(2)}%, ` +
        `gobgpd ${row.gobgpdPercent.toFixed(2)}%, sum ${row.sumPercent.toFixed(2)}%; ${row.paths} paths in GoBGP, ` +
        `${row.updatesPerS.toFixed(1)} UPDATEs/s received (${row.updates} since the session opened); load ${row.load}`,
    );
    return row;
  } finally {
    await supervisor.stopAll();
  }
}
