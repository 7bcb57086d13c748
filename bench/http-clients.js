// HTTP clients side by side under the load of 1000 http services: N loops, one GET each per second,
// against bench/target-server.js. Each client runs in a process of its own with the node flags of
// the bin's `#!` line and counts only its own CPU (user + system, from /proc); the clients take turns,
// several rounds, and the report gives each one's min/median and its ratio to the raw floor of the
// same kind (a kept connection or a new one per check), with the load average beside them.
//
//   raw-kept       `net`, one kept connection per loop, a prebuilt request buffer (the floor)
//   raw-fresh      `net`, a new connection per check, a prebuilt request buffer (the floor)
//   node-http-kept `node:http`, a keep-alive agent per loop
//   undici-client  undici `Client` per loop (kept connection)
//   undici-pool    undici `Pool` per target port, shared by the loops on it
//   undici-fresh   undici `Client` per loop, `reset: true` (a new connection per check)
//   ours-client    the shipped probe's client alone (dist/probes/http-client.js), kept connection
//   ours-kept      the shipped http probe (dist/probes/http.js), `keepAlive: true`
//   ours-fresh     the same, `keepAlive: false`
//
// Usage: node bench/http-clients.js [--services N] [--seconds S] [--rounds R] [--clients a,b] [--json]
// `npm run build` first (ours is loaded from dist/). Linux only.
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';
import { parseArgs } from 'node:util';
import { binNodeFlags, readCpu } from './proc.js';
import { rawCheck } from './raw-http.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FLAGS = binNodeFlags(join(ROOT, 'bin', 'bgp-healthcheck'));
export const CLIENTS = [
  'raw-kept',
  'raw-fresh',
  'node-http-kept',
  'undici-client',
  'undici-pool',
  'undici-fresh',
  'ours-client',
  'ours-kept',
  'ours-fresh',
];
/** The floor each client is compared with. */
const FLOOR_OF = (client) =>
  client.endsWith('fresh') ? 'raw-fresh' : client === 'raw-kept' ? undefined : 'raw-kept';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

if (process.argv[2] === '--child') await child(process.argv[3], JSON.parse(process.argv[4]));
else if (process.argv[1] === fileURLToPath(import.meta.url)) await main();

/**
 * Runs every client `rounds` times, in turns, and returns the rows of the report. Exported so that
 * another bench can call it.
 */
export async function compareHttpClients({
  services = 1000,
  seconds = 15,
  rounds = 3,
  clients = CLIENTS,
  log = () => {},
} = {}) {
  const server = spawn(process.execPath, [join(ROOT, 'bench', 'target-server.js'), '8'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const ports = await new Promise((resolve) =>
    server.stdout.once('data', (chunk) => resolve(JSON.parse(chunk.toString()).http)),
  );
  const samples = new Map(clients.map((client) => [client, []]));
  const loads = [];
  try {
    for (let round = 0; round < rounds; round++) {
      for (const client of clients) {
        const result = await runChild(client, { services, seconds, ports });
        samples.get(client).push(result);
        loads.push(loadavg()[0]);
        log(
          `round ${round + 1} ${client.padEnd(15)} ${result.cpu.toFixed(1)}% ` +
            `${result.rate.toFixed(0)}/s ${result.failed} failed, load ${loadavg()[0].toFixed(2)}`,
        );
      }
    }
  } finally {
    server.stdin.end();
    server.kill();
  }
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  // CPU per check: on a loaded machine a client may not keep up with 1000 checks a second.
  const perCheck = (sample) => (sample.cpu * 10_000) / sample.rate;
  const rows = clients.map((client) => {
    const cpu = samples.get(client).map((sample) => sample.cpu);
    const micros = samples.get(client).map(perCheck);
    const floor = FLOOR_OF(client);
    // A ratio per round, of CPU per check, against the floor measured in the same round.
    const ratios =
      floor && samples.has(floor)
        ? micros.map((value, round) => value / perCheck(samples.get(floor)[round]))
        : undefined;
    return {
      client,
      cpuMin: Math.min(...cpu),
      cpuMedian: median(cpu),
      microsPerCheckMin: Math.min(...micros),
      microsPerCheckMedian: median(micros),
      floor,
      ratioMin: ratios ? Math.min(...ratios) : undefined,
      ratioMedian: ratios ? median(ratios) : undefined,
      checksPerSecond: median(samples.get(client).map((sample) => sample.rate)),
      failed: samples.get(client).reduce((sum, sample) => sum + sample.failed, 0),
    };
  });
  return {
    services,
    seconds,
    rounds,
    node: process.version,
    flags: FLAGS,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    load: { min: Math.min(...loads), max: Math.max(...loads) },
    rows,
  };
}

function runChild(client, options) {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [...FLAGS, fileURLToPath(import.meta.url), '--child', client, JSON.stringify(options)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    proc.stdout.on('data', (chunk) => (out += chunk));
    proc.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${client} exited ${code}`)),
    );
  });
}

async function main() {
  const { values } = parseArgs({
    options: {
      services: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '15' },
      rounds: { type: 'string', default: '3' },
      clients: { type: 'string', default: CLIENTS.join(',') },
      json: { type: 'boolean', default: false },
    },
  });
  const report = await compareHttpClients({
    services: Number(values.services),
    seconds: Number(values.seconds),
    rounds: Number(values.rounds),
    clients: values.clients.split(','),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const percent = (value) => `${value.toFixed(1)}%`;
  const ratio = (value) => (value === undefined ? '-' : `${value.toFixed(2)}×`);
  process.stdout.write(
    `${report.services} loops, one GET each per second, ${report.seconds} s × ${report.rounds} rounds, ` +
      `node ${report.node} ${report.flags.join(' ')}\n${report.cpuModel}, load average ` +
      `${report.load.min.toFixed(2)}–${report.load.max.toFixed(2)}\n\n` +
      `| client | CPU % of one core, min / median | µs CPU per check, min / median | × floor, min / median | floor | checks/s | failed |\n` +
      `|---|---|---|---|---|---|---|\n`,
  );
  for (const row of report.rows) {
    process.stdout.write(
      `| ${row.client} | ${percent(row.cpuMin)} / ${percent(row.cpuMedian)} | ` +
        `${row.microsPerCheckMin.toFixed(0)} / ${row.microsPerCheckMedian.toFixed(0)} | ` +
        `${ratio(row.ratioMin)} / ${ratio(row.ratioMedian)} | ${row.floor ?? '-'} | ` +
        `${row.checksPerSecond.toFixed(0)} | ${row.failed} |\n`,
    );
  }
}

/** One client's process: the load for 3 s of warm-up and `seconds` of measure, then one JSON line. */
async function child(client, { services, seconds, ports }) {
  const portOf = (i) => ports[i % ports.length];
  const check = await makeCheck(client, services, portOf);
  let done = 0;
  let failed = 0;
  let running = true;
  for (let i = 0; i < services; i++) {
    const loop = async () => {
      if (!running) return;
      const started = performance.now();
      if (!(await check(i))) failed++;
      done++;
      setTimeout(loop, Math.max(0, 1000 - (performance.now() - started)));
    };
    setTimeout(loop, (i / services) * 1000);
  }
  await sleep(3000);
  const before = { cpu: readCpu(process.pid), done, failed, at: performance.now() };
  await sleep(seconds * 1000);
  const after = { cpu: readCpu(process.pid), done, failed, at: performance.now() };
  running = false;
  const wall = (after.at - before.at) / 1000;
  const used = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system;
  process.stdout.write(
    `${JSON.stringify({
      cpu: (used / wall) * 100,
      rate: (after.done - before.done) / wall,
      failed: after.failed - before.failed,
    })}\n`,
  );
  process.exit(0);
}

/** The client's check of loop `i`: resolves true on a 200 read to its end. */
async function makeCheck(client, services, portOf) {
  const path = (i) => `/s/svc-${i}`;
  switch (client) {
    case 'raw-kept':
    case 'raw-fresh':
      return rawCheck(client === 'raw-kept', path, portOf);
    case 'node-http-kept': {
      const agents = Array.from(
        { length: services },
        () => new http.Agent({ keepAlive: true, maxSockets: 1 }),
      );
      return (i) =>
        new Promise((resolve) => {
          const request = http.request(
            { host: '127.0.0.1', port: portOf(i), path: path(i), agent: agents[i] },
            (response) => {
              response.resume();
              response.on('end', () => resolve(response.statusCode === 200));
            },
          );
          request.on('error', () => resolve(false));
          request.end();
        });
    }
    case 'undici-client':
    case 'undici-fresh':
    case 'undici-pool': {
      const { Client, Pool } = await import('undici');
      const reset = client === 'undici-fresh';
      const dispatchers =
        client === 'undici-pool'
          ? Array.from({ length: 8 }, (_, port) => new Pool(`http://127.0.0.1:${portOf(port)}`))
          : Array.from(
              { length: services },
              (_, i) => new Client(`http://127.0.0.1:${portOf(i)}`, { pipelining: 1 }),
            );
      return async (i) => {
        try {
          const dispatcher = client === 'undici-pool' ? dispatchers[i % 8] : dispatchers[i];
          const response = await dispatcher.request({ path: path(i), method: 'GET', reset });
          await response.body.dump();
          return response.statusCode === 200;
        } catch {
          return false;
        }
      };
    }
    case 'ours-client': {
      const { HttpConnection, requestBytes } = await import(
        pathToFileURL(join(ROOT, 'dist/probes/http-client.js')).href
      );
      const never = { aborted: false, addEventListener() {}, removeEventListener() {} };
      const wantBody = () => false;
      const loops = Array.from({ length: services }, (_, i) => ({
        connection: new HttpConnection(
          { host: '127.0.0.1', port: portOf(i), secure: false, tlsVerify: true },
          true,
        ),
        request: {
          bytes: requestBytes('GET', new URL(`http://127.0.0.1${path(i)}`), {}, true, 'bench'),
          head: false,
          wantBody,
        },
      }));
      return async (i) => {
        const answer = await loops[i].connection.send(loops[i].request, never);
        return answer.ok && answer.response.status === 200;
      };
    }
    case 'ours-kept':
    case 'ours-fresh': {
      const { httpProbe } = await import(pathToFileURL(join(ROOT, 'dist/probes/http.js')).href);
      const probes = Array.from({ length: services }, (_, i) =>
        httpProbe(
          {
            kind: 'http',
            url: `http://127.0.0.1:${portOf(i)}${path(i)}`,
            method: 'GET',
            headers: {},
            expectStatus: [],
            tlsVerify: true,
            followRedirects: false,
            keepAlive: client === 'ours-kept',
          },
          2000,
        ),
      );
      const signal = { aborted: false, addEventListener() {}, removeEventListener() {} };
      return async (i) => (await probes[i](signal)).ok;
    }
    default:
      throw new Error(`unknown client '${client}' (known: ${CLIENTS.join(', ')})`);
  }
}
