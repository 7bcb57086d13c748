// The performance benchmark: bgp-healthcheck (many services, one process) against the reference
// healthcheck (one Python process per service, `curl -sf` per check), on CPU time, peak RSS and the
// time from a failing service to the changed line on stdout. Loopback only; every process it starts
// is stopped before it exits. Run `npm run build` first. Options: `node bench/run.js --help`.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { URL, fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { binNodeFlags, loadAverage, machine, readCpu, readMemory, readPss } from './proc.js';
import { TOTAL_REQUIREMENTS, loadHarness, nextHopFor, runTotal } from './total.js';

const USAGE = `Usage: node bench/run.js [options]
  --repeats N         rounds; each runs every series once, ours, the floor and the reference
                      interleaved, and the report gives min/median over rounds (default 3)
  --quick             a smoke run in well under a minute: small counts, 2 s windows, one round
  --duration S        measured seconds per run (default 20)
  --warmup S          seconds between every service's first line and the measurement (default 5)
  --http LIST         service counts for ours with HTTP checks (default 1000)
  --http-keep-alive LIST  the same with keep-alive: true, one kept connection per check (default 1000)
  --tcp LIST          service counts for ours with TCP checks (default 1000)
  --total LIST        service counts for ours (HTTP keep-alive) run by a real ExaBGP peered with
                      gobgpd, every-cycle re-announcement and announce on change; CPU of all
                      three (default 1000; needs exabgp, gobgpd, gobgp and root)
  --floor MODES       bench/floor.js modes run in each round: fresh, kept (raw \`net\`, a prebuilt
                      request), tcp (default these three); http-fresh, http-kept (\`node:http\`)
  --floor-services N  loops of the floor (default 1000)
  --drop-in LIST      process counts for ours run as the reference is: one process per service,
                      --cmd "curl -sf URL" (default 20); each next to the Node floor
                      (bench/node-floor.js: as many node processes doing only the same spawns)
  --reference LIST    service counts for the reference, one process each (default 20)
  --latency-trials N  failures timed per implementation (default 7; 0 skips)
  --latency-load N    also time ours with the failing service among N (default 1000; 0 skips)
  --http-ports N      HTTP ports the target server listens on (default 8)
  --cpu-prof DIR      run ours under node --cpu-prof, profiles into DIR
  --node-flags=FLAGS  extra node flags for ours, space-separated (e.g. --node-flags=--optimize-for-size)
  --json FILE         also write the raw results as JSON
  --every-cycle       ours (the http, keep-alive and tcp series) re-announces every interval, as
                      the reference does (debounce: false); default: on change, the YAML default
  --report FILE       run nothing: print the report of results written by --json (the targets as
                      this version of the bench states them)
An empty LIST ('') skips that series.`;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'bgp-healthcheck');
const PYTHON = '/usr/bin/python3';
const UP_METRIC = 100;
const DOWN_METRIC = 1000;
const STOP_GRACE_MS = 5000;

const { values: opts } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    http: { type: 'string', default: '1000' },
    'http-keep-alive': { type: 'string', default: '1000' },
    tcp: { type: 'string', default: '1000' },
    total: { type: 'string', default: '1000' },
    floor: { type: 'string', default: 'fresh,kept,tcp' },
    'floor-services': { type: 'string', default: '1000' },
    'drop-in': { type: 'string', default: '20' },
    reference: { type: 'string', default: '20' },
    'latency-trials': { type: 'string', default: '7' },
    'latency-load': { type: 'string', default: '1000' },
    'http-ports': { type: 'string', default: '8' },
    'cpu-prof': { type: 'string' },
    'node-flags': { type: 'string', default: '' },
    json: { type: 'string' },
    report: { type: 'string' },
    'every-cycle': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (opts.quick) {
  // What `npm test` runs: every kind of series once, small, so the bench itself is known to work.
  Object.assign(opts, {
    repeats: '1',
    duration: '2',
    warmup: '1',
    http: '20',
    'http-keep-alive': '20',
    tcp: '20',
    total: '10',
    floor: 'tcp',
    'floor-services': '20',
    'drop-in': '2',
    reference: '2',
    'latency-trials': '0',
    'latency-load': '0',
  });
}
const counts = (text) =>
  text
    .split(',')
    .filter((item) => item.trim() !== '')
    .map((item) => {
      const n = Number(item);
      if (!Number.isInteger(n) || n < 1) throw new Error(`not a service count: '${item}'`);
      return n;
    });
const durationS = Number(opts.duration);
const warmupS = Number(opts.warmup);
const latencyTrials = Number(opts['latency-trials']);
const latencyLoad = Number(opts['latency-load']);
const repeats = Number(opts.repeats);
const floorServices = Number(opts['floor-services']);
const floorModes = opts.floor.split(',').filter(Boolean);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (text) => process.stderr.write(`bench: ${text}\n`);
const children = new Set();
const workDir = mkdtempSync(join(tmpdir(), `bgp-healthcheck-bench-${process.pid}-`));

/** Every child is killed if the bench ends early (an error, ^C), so no checker outlives it. */
function killAll() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  rmSync(workDir, { recursive: true, force: true });
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stop(processes) {
  const exits = processes.map((child) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise((resolve) => child.once('exit', resolve)),
  );
  for (const child of processes) {
    child.stdin?.end();
    child.kill('SIGTERM');
  }
  const timer = setTimeout(() => {
    for (const child of processes) if (child.exitCode === null) child.kill('SIGKILL');
  }, STOP_GRACE_MS);
  await Promise.all(exits);
  clearTimeout(timer);
}

/** Calls `onLine(line, ms)` for each complete line of a stream, with the time it was read. */
function eachLine(stream, onLine) {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const now = performance.now();
    pending += chunk;
    let end;
    while ((end = pending.indexOf('\n')) >= 0) {
      onLine(pending.slice(0, end), now);
      pending = pending.slice(end + 1);
    }
  });
}

function request(port, method, path) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, agent: false, timeout: 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve(body));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`control request ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

async function startTargets(portCount) {
  const child = track(
    spawn(process.execPath, [join(ROOT, 'bench', 'target-server.js'), String(portCount)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const ports = await new Promise((resolve, reject) => {
    eachLine(child.stdout, (line) => resolve(JSON.parse(line)));
    child.once('exit', () => reject(new Error('the target server exited')));
  });
  return {
    child,
    ports,
    stats: async () => JSON.parse(await request(ports.control, 'GET', '/stats')),
    fail: (name) => request(ports.control, 'POST', `/fail/${name}`),
    heal: (name) => request(ports.control, 'POST', `/ok/${name}`),
    firstFail: async (name) =>
      JSON.parse(await request(ports.control, 'GET', `/first-fail/${name}`)),
  };
}

/** A route value per service: documentation addresses, never connected to. */
function addressFor(i) {
  const blocks = ['198.51.100', '203.0.113', '192.0.2'];
  if (i < blocks.length * 254) return `${blocks[Math.floor(i / 254)]}.${(i % 254) + 1}`;
  return `2001:db8::${(i + 1).toString(16)}`;
}

const name = (i) => `svc-${i}`;
const httpUrl = (targets, i, service = name(i)) =>
  `http://127.0.0.1:${targets.ports.http[i % targets.ports.http.length]}/s/${service}`;

/**
 * A set of checker processes and what they wrote: lines in total, lines per state, and each route's
 * first appearance, so "every service has announced" can be awaited.
 */
function fleet(processes, includeChildren) {
  const state = {
    processes,
    includeChildren,
    lines: 0,
    upLines: 0,
    routes: new Set(),
    listeners: new Set(),
    stderrTail: '',
  };
  for (const child of processes) {
    eachLine(child.stdout, (line, at) => {
      state.lines++;
      if (line.endsWith(` med ${UP_METRIC}`)) state.upLines++;
      const route = /\broute (\S+)/.exec(line)?.[1];
      if (route) state.routes.add(route);
      for (const listener of state.listeners) listener(line, at);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on(
      'data',
      (chunk) => (state.stderrTail = (state.stderrTail + chunk).slice(-2000)),
    );
  }
  return state;
}

async function until(what, deadlineMs, predicate, group) {
  const deadline = performance.now() + deadlineMs;
  while (!predicate()) {
    const dead = group.processes.find((c) => c.exitCode !== null || c.signalCode !== null);
    if (dead) throw new Error(`a checker exited while waiting for ${what}:\n${group.stderrTail}`);
    if (performance.now() > deadline) {
      throw new Error(`timed out waiting for ${what}:\n${group.stderrTail}`);
    }
    await sleep(50);
  }
}

/** The first line after now that `match` accepts, with the time it was read. */
function nextLine(group, match, deadlineMs) {
  return new Promise((resolve, reject) => {
    const listener = (line, at) => {
      if (!match(line)) return;
      group.listeners.delete(listener);
      clearTimeout(timer);
      resolve(at);
    };
    const timer = setTimeout(() => {
      group.listeners.delete(listener);
      reject(new Error('no matching line before the deadline'));
    }, deadlineMs);
    group.listeners.add(listener);
  });
}

function ourConfig(count, checkFor, timing) {
  const services = [];
  for (let i = 0; i < count; i++) {
    const service = typeof checkFor === 'function' ? checkFor(i) : checkFor;
    services.push({
      name: service.name ?? name(i),
      routes: {
        prefixes: [`${addressFor(i)}/${addressFor(i).includes(':') ? 128 : 32}`],
        'ip-setup': false,
        ...service.routes,
      },
      timing: service.timing ?? timing,
      checks: [service.check],
    });
  }
  // JSON is YAML: a thousand services need no YAML writer.
  const file = join(workDir, `ours-${count}-${services[0].checks[0].type}-${Date.now()}.yaml`);
  writeFileSync(file, JSON.stringify({ services }, null, 1));
  return file;
}

/**
 * The node flags ours runs with: those of the bin's `#!/usr/bin/env -S node FLAGS` line, so it runs
 * as ExaBGP starts it, then --node-flags.
 */
const OUR_NODE_FLAGS = [...binNodeFlags(BIN), ...opts['node-flags'].split(' ').filter(Boolean)];

function startOurs(configFile) {
  const nodeArgs = [...OUR_NODE_FLAGS];
  if (opts['cpu-prof']) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', opts['cpu-prof']);
  const child = track(
    spawn(process.execPath, [...nodeArgs, BIN, '--config', configFile, '--no-ack', '--no-syslog'], {
      // stdin stays an open pipe: ours, like ExaBGP's children, exits when its input closes.
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  return fleet([child], false);
}

function referenceArgs(address, command, extra = []) {
  return [
    '-m',
    'exabgp',
    'healthcheck',
    '--no-syslog',
    '--no-ack',
    '--no-ip-setup',
    '--ip',
    address,
    '--interval',
    '1',
    ...extra,
    '--command',
    command,
  ];
}

function startReference(argsList) {
  const processes = argsList.map((args) =>
    track(spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'] })),
  );
  return fleet(processes, true);
}

/** Seconds of CPU: user and system of the checkers, and of the children they reaped when counted. */
function cpuOf(group) {
  const total = { user: 0, system: 0, children: 0 };
  for (const child of group.processes) {
    const cpu = readCpu(child.pid);
    if (!cpu) throw new Error(`process ${child.pid} is gone:\n${group.stderrTail}`);
    total.user += cpu.user;
    total.system += cpu.system;
    if (group.includeChildren) total.children += cpu.children;
  }
  return total;
}

function memoryOf(group) {
  let peak = 0;
  let current = 0;
  let pss = 0;
  for (const child of group.processes) {
    const memory = readMemory(child.pid);
    const proportional = readPss(child.pid);
    if (!memory || proportional === null) {
      throw new Error(`process ${child.pid} is gone:\n${group.stderrTail}`);
    }
    peak += memory.peak;
    current += memory.current;
    pss += proportional;
  }
  return { peak, current, pss };
}

const sumCpu = (cpu) => cpu.user + cpu.system + cpu.children;

/** Waits for every service's first line, warms up, then measures one window. */
async function measure(label, group, count, targets, probe) {
  const readyMs = 60_000 + count * 1000;
  const started = performance.now();
  await until(
    `${label}: all ${count} services announced`,
    readyMs,
    () => group.routes.size >= count,
    group,
  );
  const readyS = (performance.now() - started) / 1000;
  const snapshot = async () => ({
    cpu: cpuOf(group),
    lines: group.lines,
    up: group.upLines,
    server: await targets.stats(),
    at: performance.now(),
  });
  await sleep(warmupS * 1000);
  const before = await snapshot();
  await sleep(durationS * 1000);
  const after = await snapshot();
  const wallS = (after.at - before.at) / 1000;
  const memory = memoryOf(group);
  const probes = probe === 'tcp' ? 'tcpConnections' : 'requests';
  const row = {
    label,
    probe,
    services: count,
    processes: group.processes.length,
    readyS,
    wallS,
    cpuS: sumCpu(after.cpu) - sumCpu(before.cpu),
    userS: after.cpu.user - before.cpu.user,
    systemS: after.cpu.system - before.cpu.system,
    childrenS: after.cpu.children - before.cpu.children,
    cpuPercent: ((sumCpu(after.cpu) - sumCpu(before.cpu)) / wallS) * 100,
    peakRssMB: memory.peak / 2 ** 20,
    rssMB: memory.current / 2 ** 20,
    pssMB: memory.pss / 2 ** 20,
    load: loadAverage(),
    linesPerS: (after.lines - before.lines) / wallS,
    upShare: after.lines > before.lines ? (after.up - before.up) / (after.lines - before.lines) : 0,
    checksPerS: (after.server[probes] - before.server[probes]) / wallS,
    connectionsPerS:
      probe === 'tcp'
        ? undefined
        : (after.server.httpConnections - before.server.httpConnections) / wallS,
  };
  log(
    `${label} ${probe} x${count}: cpu ${row.cpuPercent.toFixed(2)}% peak RSS ${row.peakRssMB.toFixed(1)} MB, ` +
      `PSS ${row.pssMB.toFixed(1)} MB, load ${row.load}, ` +
      `${row.checksPerS.toFixed(1)} checks/s, ${row.linesPerS.toFixed(1)} lines/s` +
      (row.connectionsPerS === undefined
        ? ''
        : `, ${row.connectionsPerS.toFixed(1)} connections/s`),
  );
  return row;
}

async function runOurs(targets, count, probe) {
  const file = ourConfig(
    count,
    (i) => ({
      check:
        probe === 'tcp'
          ? { type: 'tcp', host: '127.0.0.1', port: targets.ports.tcp }
          : {
              type: 'http',
              url: httpUrl(targets, i),
              // Kept is the default now: the plain series asks for a new connection per check.
              'keep-alive': probe === KEEP_ALIVE,
            },
    }),
    // Announced on change, the YAML default; --every-cycle re-announces every interval instead.
    { interval: 1, debounce: !opts['every-cycle'] },
  );
  const group = startOurs(file);
  let row;
  try {
    row = await measure('ours', group, count, targets, probe);
  } finally {
    await stop(group.processes);
  }
  if (opts['cpu-prof']) row.profile = profileSummary(opts['cpu-prof']);
  return row;
}

/** The variants of the total series: `debounce` off (the reference's behaviour) and on. */
const TOTAL_VARIANTS = { 'every cycle': false, 'on change': true };

/**
 * Ours with `count` HTTP keep-alive services, run by a real ExaBGP that is peered with gobgpd: the
 * CPU of all three, with every-cycle re-announcement or announce on change.
 */
async function runTotalSeries(harness, targets, count, variant) {
  const file = ourConfig(
    count,
    (i) => ({
      check: { type: 'http', url: httpUrl(targets, i) },
      routes: { 'next-hop': nextHopFor(addressFor(i)) },
    }),
    { interval: 1, debounce: TOTAL_VARIANTS[variant] },
  );
  return runTotal(harness, {
    dir: join(workDir, `total-${count}-${variant.replace(' ', '-')}-${Date.now()}`),
    services: count,
    variant,
    configFile: file,
    // As ExaBGP runs ours for a user: the bin's node flags, the API acknowledged (ExaBGP's default).
    ourArgv: [process.execPath, ...OUR_NODE_FLAGS, BIN, '--config', file, '--no-syslog'],
    bin: BIN,
    warmupS,
    durationS,
    log,
  });
}

/** Where the newest profile in `dir` spent its time, by file: the `--cpu-prof` summary of a series. */
function profileSummary(dir) {
  const newest = readdirSync(dir)
    .filter((file) => file.endsWith('.cpuprofile'))
    .map((file) => join(dir, file))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!newest) return null;
  const summary = spawnSync(
    process.execPath,
    [join(ROOT, 'bench', 'profile-summary.js'), newest, '8'],
    { encoding: 'utf8' },
  );
  const text = summary.stdout ?? '';
  return text.slice(text.indexOf('Self time by file')).trim();
}

/** One node process per service under our node flags, `argsFor(i)` after them; children counted. */
async function runNodeProcesses(label, targets, count, argsFor) {
  const processes = [];
  for (let i = 0; i < count; i++) {
    processes.push(
      track(
        spawn(process.execPath, [...OUR_NODE_FLAGS, ...argsFor(i)], {
          stdio: ['pipe', 'pipe', 'pipe'],
        }),
      ),
    );
  }
  const group = fleet(processes, true);
  try {
    return await measure(label, group, count, targets, 'http');
  } finally {
    await stop(group.processes);
  }
}

/**
 * Ours as ExaBGP runs the reference: one process per service, the reference's options, the check a
 * `curl -sf` through `--cmd`, node flags from the bin's `#!` line. Children (sh, curl) are counted.
 */
function runDropIn(targets, count) {
  return runNodeProcesses('drop-in', targets, count, (i) => [
    BIN,
    ...referenceArgs(addressFor(i), `curl -sf ${httpUrl(targets, i)}`).slice(3),
  ]);
}

/**
 * The drop-in mode's floor: the same number of processes, under the same node flags, each doing
 * nothing but what the drop-in mode must do (`bench/node-floor.js`: run the check through `sh`
 * every second, print a line when it passes). What any Node implementation pays, before checking.
 */
function runNodeFloor(targets, count) {
  return runNodeProcesses('node floor', targets, count, (i) => [
    join(ROOT, 'bench', 'node-floor.js'),
    addressFor(i),
    `curl -sf ${httpUrl(targets, i)}`,
  ]);
}

/** The probe label each floor mode stands for, so ours and its floor pair up. */
const FLOOR_PROBE = {
  fresh: 'http',
  kept: 'http keep-alive',
  tcp: 'tcp',
  'http-fresh': 'http',
  'http-kept': 'http keep-alive',
};

/** bench/floor.js in one mode, under the bin's node flags: Node's networking alone, same load. */
async function runFloor(mode) {
  const child = track(
    spawn(
      process.execPath,
      [join(ROOT, 'bench', 'floor.js'), String(floorServices), String(durationS), mode],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    ),
  );
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => (out += chunk));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  const match = /([\d.]+)% of one core .*?(\d+) operations\/s/.exec(out);
  if (code !== 0 || !match) throw new Error(`bench/floor.js ${mode} failed:\n${out}`);
  const row = {
    label: 'floor',
    probe: FLOOR_PROBE[mode],
    services: floorServices,
    processes: 1,
    cpuPercent: Number(match[1]),
    checksPerS: Number(match[2]),
    load: loadAverage(),
  };
  log(`floor ${mode} x${floorServices}: cpu ${row.cpuPercent}%, load ${row.load}`);
  return row;
}

async function runReference(targets, count) {
  const argsList = [];
  for (let i = 0; i < count; i++)
    argsList.push(referenceArgs(addressFor(i), `curl -sf ${httpUrl(targets, i)}`));
  const group = startReference(argsList);
  try {
    return await measure('reference', group, count, targets, 'http');
  } finally {
    await stop(group.processes);
  }
}

/**
 * Flips one service's target to 503 at a random point of its check cycle and times the first line
 * announcing the down metric; heals it and waits for the up line before the next trial.
 */
async function timeFailures(label, group, targets, service, trials) {
  const down = (line) =>
    line.includes(service.route) &&
    (line.endsWith(` med ${DOWN_METRIC}`) || line.startsWith('withdraw'));
  const up = (line) => line.includes(service.route) && line.endsWith(` med ${UP_METRIC}`);
  await nextLine(group, up, 120_000);
  const samples = [];
  const reactions = [];
  for (let trial = 0; trial < trials; trial++) {
    await sleep(300 + Math.random() * 1000);
    const downSeen = nextLine(group, down, 30_000);
    const at = performance.now();
    await targets.fail(service.name);
    const seen = await downSeen;
    samples.push(seen - at);
    // Both clocks are this machine's wall clock: the checker's own share, whatever the phase.
    reactions.push(performance.timeOrigin + seen - (await targets.firstFail(service.name)));
    const upSeen = nextLine(group, up, 30_000);
    await targets.heal(service.name);
    await upSeen;
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const row = {
    label,
    trials,
    medianMs: median(samples),
    minMs: sorted[0],
    maxMs: sorted[sorted.length - 1],
    samplesMs: samples.map((s) => Math.round(s)),
    reactionMedianMs: median(reactions),
    reactionsMs: reactions.map((r) => Math.round(r * 10) / 10),
  };
  log(
    `latency ${label}: median ${row.medianMs.toFixed(0)} ms (${row.samplesMs.join(', ')}); ` +
      `first 503 served to line: median ${row.reactionMedianMs.toFixed(1)} ms (${row.reactionsMs.join(', ')})`,
  );
  return row;
}

/** The probe label of HTTP checks that keep their connection between checks. */
const KEEP_ALIVE = 'http keep-alive';

const FAST = { interval: 1, 'fast-interval': 1, rise: 1, fall: 1, debounce: false };

async function latencyOurs(targets, count) {
  const watched = { name: 'lat-ours', route: `${addressFor(0)}/32` };
  const file = ourConfig(
    count,
    (i) =>
      i === 0
        ? {
            name: watched.name,
            timing: FAST,
            check: { type: 'http', url: httpUrl(targets, 0, watched.name) },
          }
        : {
            timing: { interval: 1, debounce: false },
            check: { type: 'http', url: httpUrl(targets, i) },
          },
    FAST,
  );
  const group = startOurs(file);
  try {
    await until(
      'ours: all services announced',
      60_000 + count * 1000,
      () => group.routes.size >= count,
      group,
    );
    const label = count === 1 ? 'ours' : `ours, 1 of ${count} services`;
    return await timeFailures(label, group, targets, watched, latencyTrials);
  } finally {
    await stop(group.processes);
  }
}

async function latencyReference(targets) {
  const watched = { name: 'lat-ref', route: `${addressFor(0)}/32` };
  const command = `curl -sf ${httpUrl(targets, 0, watched.name)}`;
  const group = startReference([
    referenceArgs(addressFor(0), command, ['--fast-interval', '1', '--rise', '1', '--fall', '1']),
  ]);
  try {
    return await timeFailures('reference', group, targets, watched, latencyTrials);
  } finally {
    await stop(group.processes);
  }
}

function referenceAvailable() {
  const exabgp = spawnSync(PYTHON, ['-c', 'import exabgp.application.healthcheck'], {
    stdio: 'ignore',
  });
  const curl = spawnSync('curl', ['--version'], { stdio: 'ignore' });
  if (exabgp.status !== 0) return `${PYTHON} cannot import exabgp (apt-get install exabgp)`;
  if (curl.status !== 0) return 'curl is not installed (apt-get install -y curl)';
  return null;
}

const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

const median = (list) => {
  const sorted = [...list].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const minMedian = (list, digits = 2) =>
  list.length === 0 ? '-' : `${fmt(Math.min(...list), digits)} / ${fmt(median(list), digits)}`;
const perCheckMs = (r) => (r.cpuS * 1000) / (r.checksPerS * r.wallS);
const ownPerCheckMs = (r) => ((r.userS + r.systemS) * 1000) / (r.checksPerS * r.wallS);
const pssPerProcess = (r) => r.pssMB / r.processes;

/** The issue's targets, each a series of ours and what it is held against. */
const TARGETS = [
  { probe: 'http', floorRatio: 1.3, note: '≤ 1.3× the raw new-connection floor' },
  {
    probe: KEEP_ALIVE,
    cap: 10,
    floorRatio: 1.5,
    note: '< 10% of one core and ≤ 1.5× the raw keep-alive floor',
  },
  { probe: 'tcp', floorRatio: 1.3, note: '≤ 1.3× the raw connect floor' },
];

function report(results) {
  const out = [];
  const { system } = results;
  out.push(
    `Machine: ${system.cores} cores, ${system.model}, Node ${system.node}, Linux ${system.kernel}; load average at start ${system.load}, at the end ${results.endLoad}.`,
  );
  out.push(
    `${results.repeats} round(s), series interleaved in each; every service announced once, ${results.warmupS ?? warmupS} s warm-up, ${results.durationS ?? durationS} s measured; interval 1 s; ours announces ${results.announce === 'on change' ? 'on change (the YAML default)' : 'every interval (no debounce)'}.`,
  );
  if (OUR_NODE_FLAGS.length > 0) {
    out.push(`Ours ran as \`node ${OUR_NODE_FLAGS.join(' ')} bin/bgp-healthcheck\`.`);
  }
  out.push('');
  out.push(
    '| round | checker | probe | services | processes | % of one core | user / system / children s | CPU ms per check | peak RSS MB (sum) | RSS MB at end | PSS MB at end | checks/s | new connections/s | lines/s | up lines | load average |',
  );
  out.push('|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of results.runs.filter((run) => run.label !== 'total')) {
    const full = r.label !== 'floor';
    out.push(
      `| ${r.round} | ${r.label} | ${r.probe} | ${r.services} | ${r.processes} | ${fmt(r.cpuPercent, 2)} | ${full ? `${fmt(r.userS, 2)} / ${fmt(r.systemS, 2)} / ${fmt(r.childrenS, 2)}` : '-'} | ${full ? fmt(perCheckMs(r), 2) : '-'} | ${full ? fmt(r.peakRssMB) : '-'} | ${full ? fmt(r.rssMB) : '-'} | ${full ? fmt(r.pssMB) : '-'} | ${fmt(r.checksPerS)} | ${r.connectionsPerS === undefined ? '-' : fmt(r.connectionsPerS)} | ${full ? fmt(r.linesPerS) : '-'} | ${full ? `${fmt(r.upShare * 100, 0)}%` : '-'} | ${r.load} |`,
    );
  }

  // Ratios are taken within a round, so a busy neighbour weighs on both sides of each.
  const rounds = [...new Set(results.runs.map((r) => r.round))];
  const inRound = (round, label, probe, services) =>
    results.runs.find(
      (r) =>
        r.round === round &&
        r.label === label &&
        r.probe === probe &&
        (services === undefined || r.services === services),
    );
  const verdict = (ok) => (ok ? 'met' : 'MISSED');
  /** The service counts a series was run with, from the results (so --report needs no options). */
  const measured = (label, probe) => [
    ...new Set(
      results.runs.filter((r) => r.label === label && r.probe === probe).map((r) => r.services),
    ),
  ];
  out.push('');
  out.push(
    '| series | services | % of one core, min / median | floor, % of one core, min / median | ours / floor, min / median | peak RSS MB, max | target | verdict (median) |',
  );
  out.push('|---|---:|---:|---:|---:|---:|---|---|');
  for (const target of TARGETS) {
    for (const services of measured('ours', target.probe)) {
      const ours = [];
      const floors = [];
      const ratios = [];
      const peaks = [];
      for (const round of rounds) {
        const o = inRound(round, 'ours', target.probe, services);
        const f = inRound(round, 'floor', target.probe);
        if (o) {
          ours.push(o.cpuPercent);
          peaks.push(o.peakRssMB);
        }
        if (f) floors.push(f.cpuPercent);
        if (o && f) ratios.push(o.cpuPercent / f.cpuPercent);
      }
      if (ours.length === 0) continue;
      const ok =
        (target.cap === undefined || median(ours) < target.cap) &&
        (ratios.length === 0 || median(ratios) <= target.floorRatio) &&
        Math.max(...peaks) < 100;
      out.push(
        `| ${target.probe} | ${services} | ${minMedian(ours)} | ${minMedian(floors)} | ${minMedian(ratios)} | ${fmt(Math.max(...peaks))} | ${target.note}; RSS < 100 MB | ${verdict(ok)} |`,
      );
    }
  }
  // The checker alone: what ours adds to the raw tcp floor (a connect per check is the cheapest probe).
  const alone = [];
  for (const round of rounds) {
    for (const services of measured('ours', 'tcp')) {
      const o = inRound(round, 'ours', 'tcp', services);
      const f = inRound(round, 'floor', 'tcp');
      if (o && f && f.services === services) alone.push(o.cpuPercent - f.cpuPercent);
    }
  }
  if (alone.length > 0) {
    out.push(
      `| checker alone (ours tcp − tcp floor) | ${measured('floor', 'tcp').join(', ')} | ${minMedian(alone)} | - | - | - | ≤ 2% of one core | ${verdict(median(alone) <= 2)} |`,
    );
  }

  // The drop-in mode against the reference (the target) and against the Node floor (how close any
  // Node implementation could come), each ratio taken within a round.
  for (const services of measured('drop-in', 'http')) {
    const rows = { ours: [], floor: [], reference: [] };
    const ratios = { cpu: [], pss: [], cpuFloor: [], pssFloor: [], floorCpu: [], floorPss: [] };
    for (const round of rounds) {
      const o = inRound(round, 'drop-in', 'http', services);
      const f = inRound(round, 'node floor', 'http', services);
      const r = inRound(round, 'reference', 'http', services);
      if (o) rows.ours.push(o);
      if (f) rows.floor.push(f);
      if (r) rows.reference.push(r);
      if (o && r) {
        ratios.cpu.push(perCheckMs(o) / perCheckMs(r));
        ratios.pss.push(pssPerProcess(o) / pssPerProcess(r));
      }
      if (o && f) {
        ratios.cpuFloor.push(perCheckMs(o) / perCheckMs(f));
        ratios.pssFloor.push(pssPerProcess(o) / pssPerProcess(f));
      }
      if (f && r) {
        ratios.floorCpu.push(perCheckMs(f) / perCheckMs(r));
        ratios.floorPss.push(pssPerProcess(f) / pssPerProcess(r));
      }
    }
    if (rows.ours.length === 0) continue;
    out.push('');
    out.push(
      `| drop-in, ${services} processes | CPU ms per check, min / median | of which the process itself (not sh, curl) | PSS MB per process, min / median | CPU / reference, min / median | PSS / reference, min / median | CPU / Node floor | PSS / Node floor | target | verdict (median) |`,
    );
    out.push('|---|---:|---:|---:|---:|---:|---:|---:|---|---|');
    const line = (label, list, cpu, pss, cpuFloor, pssFloor, tail) =>
      `| ${label} | ${minMedian(list.map(perCheckMs))} | ${minMedian(list.map(ownPerCheckMs))} | ${minMedian(list.map(pssPerProcess))} | ${minMedian(cpu)} | ${minMedian(pss)} | ${cpuFloor} | ${pssFloor} | ${tail} |`;
    const met =
      ratios.cpu.length > 0 ? verdict(median(ratios.cpu) <= 1 && median(ratios.pss) <= 1.3) : '-';
    const floorNote =
      ratios.floorPss.length > 0 && median(ratios.floorPss) > 1.3
        ? ` (the Node floor alone is ${fmt(median(ratios.floorPss), 2)}× the reference's PSS)`
        : '';
    out.push(
      line(
        'ours',
        rows.ours,
        ratios.cpu,
        ratios.pss,
        minMedian(ratios.cpuFloor),
        minMedian(ratios.pssFloor),
        `CPU ≤ 1×, PSS ≤ 1.3× the reference | ${met}${floorNote}`,
      ),
    );
    if (rows.floor.length > 0) {
      out.push(line('Node floor', rows.floor, ratios.floorCpu, ratios.floorPss, '1', '1', '- | -'));
    }
    if (rows.reference.length > 0) {
      out.push(line('reference', rows.reference, [], [], '-', '-', '- | -'));
    }
  }

  const totals = results.runs.filter((r) => r.label === 'total');
  if (totals.length > 0) {
    out.push('');
    out.push(
      'What the user pays in total: ours (HTTP keep-alive, interval 1 s) run by ExaBGP 4.2, peered with gobgpd on loopback; % of one core, each process with its reaped children.',
    );
    out.push('');
    out.push(
      '| round | announce | services | ours | ExaBGP | gobgpd | sum | paths in GoBGP | UPDATEs/s received | load average |',
    );
    out.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const r of totals) {
      out.push(
        `| ${r.round} | ${r.probe} | ${r.services} | ${fmt(r.oursPercent, 2)} | ${fmt(r.exabgpPercent, 2)} | ${fmt(r.gobgpdPercent, 2)} | ${fmt(r.sumPercent, 2)} | ${r.paths} | ${fmt(r.updatesPerS)} | ${r.load} |`,
      );
    }
    out.push('');
    out.push(
      '| total, announce | services | ours, min / median | ExaBGP, min / median | gobgpd, min / median | sum, min / median |',
    );
    out.push('|---|---:|---:|---:|---:|---:|');
    for (const variant of [...new Set(totals.map((r) => r.probe))]) {
      for (const services of [...new Set(totals.map((r) => r.services))]) {
        const rows = totals.filter((r) => r.probe === variant && r.services === services);
        if (rows.length === 0) continue;
        const of = (key) => minMedian(rows.map((r) => r[key]));
        out.push(
          `| ${variant} | ${services} | ${of('oursPercent')} | ${of('exabgpPercent')} | ${of('gobgpdPercent')} | ${of('sumPercent')} |`,
        );
      }
    }
  }

  const profiled = results.runs.filter((r) => r.profile && r.round === 1);
  if (profiled.length > 0) {
    out.push('');
    out.push('CPU profiles (`--cpu-prof`, first round), self time by file:');
    for (const r of profiled) {
      out.push('');
      out.push(`ours ${r.probe} x${r.services}:`);
      out.push('```');
      out.push(r.profile);
      out.push('```');
    }
  }
  if (results.latency.length > 0) {
    out.push('');
    out.push(
      '| failure to down line | trials | median ms | min ms | max ms | samples ms | first 503 served to line, median ms | samples ms |',
    );
    out.push('|---|---:|---:|---:|---:|---|---:|---|');
    for (const l of results.latency) {
      out.push(
        `| ${l.label} | ${l.trials} | ${fmt(l.medianMs, 0)} | ${fmt(l.minMs, 0)} | ${fmt(l.maxMs, 0)} | ${l.samplesMs.join(', ')} | ${fmt(l.reactionMedianMs)} | ${l.reactionsMs.join(', ')} |`,
      );
    }
  }
  return out.join('\n');
}

async function main() {
  if (opts.report) {
    process.stdout.write(`${report(JSON.parse(readFileSync(opts.report, 'utf8')))}\n`);
    return;
  }
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js')))
    throw new Error('dist/ is missing: run `npm run build` first');
  const system = machine();
  const results = {
    system,
    durationS,
    warmupS,
    repeats,
    announce: opts['every-cycle'] ? 'every cycle' : 'on change',
    runs: [],
    latency: [],
  };
  const noReference = referenceAvailable();
  if (noReference) log(`skipping the reference: ${noReference}`);
  let harness = null;
  if (counts(opts.total).length > 0) {
    harness = await loadHarness(workDir);
    const missing = harness.missingRequirements(TOTAL_REQUIREMENTS);
    if (missing && process.env.REQUIRE_E2E === '1')
      throw new Error(`the total series cannot run (REQUIRE_E2E=1): ${missing}`);
    if (missing) {
      log(`skipping the total series: ${missing} (apt-get install exabgp gobgpd, as root)`);
      harness = null;
    }
  }
  const started = performance.now();
  const targets = await startTargets(Number(opts['http-ports']));
  // One round: each series of ours next to its floor, then the drop-in mode next to the Node floor
  // and the reference.
  const jobs = [];
  const floorFor = (probe) =>
    Object.keys(FLOOR_PROBE).find(
      (mode) => FLOOR_PROBE[mode] === probe && floorModes.includes(mode),
    );
  for (const [probe, list] of [
    ['http', opts.http],
    [KEEP_ALIVE, opts['http-keep-alive']],
    ['tcp', opts.tcp],
  ]) {
    for (const count of counts(list)) jobs.push(() => runOurs(targets, count, probe));
    const mode = floorFor(probe);
    if (mode) jobs.push(() => runFloor(mode));
  }
  if (harness) {
    for (const count of counts(opts.total)) {
      for (const variant of Object.keys(TOTAL_VARIANTS))
        jobs.push(() => runTotalSeries(harness, targets, count, variant));
    }
  }
  for (const count of counts(opts['drop-in'])) {
    jobs.push(() => runDropIn(targets, count));
    jobs.push(() => runNodeFloor(targets, count));
    if (!noReference && counts(opts.reference).includes(count))
      jobs.push(() => runReference(targets, count));
  }
  if (!noReference) {
    for (const count of counts(opts.reference)) {
      if (!counts(opts['drop-in']).includes(count)) jobs.push(() => runReference(targets, count));
    }
  }
  try {
    for (let round = 1; round <= repeats; round++) {
      log(`round ${round} of ${repeats}`);
      for (const job of jobs) results.runs.push({ round, ...(await job()) });
    }
    if (latencyTrials > 0) {
      results.latency.push(await latencyOurs(targets, 1));
      if (!noReference) results.latency.push(await latencyReference(targets));
      if (latencyLoad > 1) results.latency.push(await latencyOurs(targets, latencyLoad));
    }
  } finally {
    await stop([targets.child]);
  }
  results.endLoad = loadAverage();
  results.elapsedS = (performance.now() - started) / 1000;
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${report(results)}\n\nThe bench took ${fmt(results.elapsedS, 0)} s.\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
