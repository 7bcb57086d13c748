// The floor under the 1000-service figures of bench/run.js: Node's networking alone, with no
// checker around it, making the same load (N loops, one operation each per second, started evenly
// over the first second, against the same target server). It runs with the node flags of the bin's
// `#!` line, as ours does, and prints the CPU (user + system, from /proc) of:
//   tcp        a connection opened and closed (what a tcp check does),
//   fresh      a GET on a `net` connection of its own, the request bytes built once, the status
//              read from the first bytes, the connection closed (an http check),
//   kept       the same on a `net` connection kept per loop (an http check with keep-alive),
//   http-fresh, http-kept   the same two through `node:http` (an agent per loop when kept): what
//              the floor was before it was raw, kept to compare with older figures.
//
// Usage: node bench/floor.js [SERVICES (default 1000)] [SECONDS (default 20)] [MODES (default tcp,fresh,kept)]
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { fileURLToPath, URL } from 'node:url';
import { binNodeFlags, readCpu } from './proc.js';
import { rawCheck } from './raw-http.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FLAGS = binNodeFlags(join(ROOT, 'bin', 'bgp-healthcheck'));

// Run again under the bin's node flags: the floor must pay the same garbage collector settings.
if (process.env.BENCH_FLOOR_CHILD !== '1') {
  const child = spawn(
    process.execPath,
    [...FLAGS, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: { ...process.env, BENCH_FLOOR_CHILD: '1' },
    },
  );
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  await floor();
}

async function floor() {
  const services = Number(process.argv[2] ?? 1000);
  const seconds = Number(process.argv[3] ?? 20);
  const modes = (process.argv[4] ?? 'tcp,fresh,kept').split(',');
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  const server = spawn(process.execPath, [join(ROOT, 'bench', 'target-server.js'), '8'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const ports = await new Promise((resolve) =>
    server.stdout.once('data', (chunk) => resolve(JSON.parse(chunk.toString()))),
  );
  const portOf = (i) => ports.http[i % ports.http.length];

  /** A connection to the TCP port, closed once open; resolves either way. */
  const open = () =>
    new Promise((resolve) => {
      const socket = connect(ports.tcp, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => resolve());
    });

  /** One GET, its body read to the end; with no agent, on a connection of its own. */
  const get = (i, agent) =>
    new Promise((resolve) => {
      const options = { host: '127.0.0.1', port: portOf(i), path: `/s/svc-${i}` };
      const request = http.request(
        agent
          ? { ...options, agent }
          : {
              ...options,
              headers: { connection: 'close' },
              createConnection: () => connect(portOf(i), '127.0.0.1'),
            },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode));
        },
      );
      request.on('error', () => resolve(0));
      request.end();
    });

  /** One GET on `net` alone per loop: the request bytes built once, the status from the first bytes. */
  const fresh = rawCheck(false, (i) => `/s/svc-${i}`, portOf);
  const kept = rawCheck(true, (i) => `/s/svc-${i}`, portOf);

  const operations = {
    tcp: () => open(),
    fresh,
    kept,
    'http-fresh': (i) => get(i, undefined),
    'http-kept': (i) => get(i, agents[i]),
  };
  let agents = [];

  async function measure(mode) {
    const operation = operations[mode];
    if (operation === undefined) throw new Error(`unknown mode ${mode}`);
    agents =
      mode === 'http-kept'
        ? Array.from({ length: services }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }))
        : [];
    let done = 0;
    let running = true;
    for (let i = 0; i < services; i++) {
      const loop = async () => {
        if (!running) return;
        const started = performance.now();
        await operation(i);
        done++;
        setTimeout(loop, Math.max(0, 1000 - (performance.now() - started)));
      };
      setTimeout(loop, (i / services) * 1000);
    }
    await sleep(5000);
    const before = { cpu: readCpu(process.pid), done, at: performance.now() };
    await sleep(seconds * 1000);
    const after = { cpu: readCpu(process.pid), done, at: performance.now() };
    running = false;
    const wall = (after.at - before.at) / 1000;
    const user = after.cpu.user - before.cpu.user;
    const system = after.cpu.system - before.cpu.system;
    for (const agent of agents) agent.destroy();
    process.stdout.write(
      `${mode.padEnd(5)} ${(((user + system) / wall) * 100).toFixed(1)}% of one core ` +
        `(user ${user.toFixed(2)} s, system ${system.toFixed(2)} s), ` +
        `${((after.done - before.done) / wall).toFixed(0)} operations/s\n`,
    );
  }

  process.stdout.write(
    `Node's networking alone, ${services} loops, one operation each per second, node ${FLAGS.join(' ')}:\n`,
  );
  for (const mode of modes) await measure(mode);
  server.kill();
  process.exit(0);
}
