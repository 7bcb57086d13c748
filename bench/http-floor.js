// The floor under the HTTP figures of bench/run.js: Node's own HTTP client alone, with no checker
// around it, making the same load (N loops, one GET each per second, against the same target server).
// Prints the client's CPU (user + system, from /proc) for fresh connections and for kept ones.
//
// Usage: node bench/http-floor.js [SERVICES (default 1000)] [SECONDS (default 20)]
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { fileURLToPath, URL } from 'node:url';
import { readCpu } from './proc.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const services = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 20);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const server = spawn(process.execPath, [join(ROOT, 'bench', 'target-server.js'), '8'], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const ports = await new Promise((resolve) =>
  server.stdout.once('data', (chunk) => resolve(JSON.parse(chunk.toString()))),
);

/** One GET, its body read to the end; resolves with the status (0 on an error). */
function get(i, agent, fresh) {
  return new Promise((resolve) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: ports.http[i % ports.http.length],
        path: `/s/svc-${i}`,
        agent,
        headers: fresh ? { connection: 'close' } : {},
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode));
      },
    );
    request.on('error', () => resolve(0));
    request.end();
  });
}

async function measure(mode) {
  const fresh = mode === 'fresh';
  const shared = new http.Agent({ keepAlive: false });
  const agents = Array.from({ length: services }, () =>
    fresh ? shared : new http.Agent({ keepAlive: true, maxSockets: 1 }),
  );
  let done = 0;
  let running = true;
  for (let i = 0; i < services; i++) {
    const loop = async () => {
      if (!running) return;
      await get(i, agents[i], fresh);
      done++;
      setTimeout(loop, 1000);
    };
    setTimeout(loop, Math.random() * 1000);
  }
  await sleep(5000);
  const before = { cpu: readCpu(process.pid), done, at: performance.now() };
  await sleep(seconds * 1000);
  const after = { cpu: readCpu(process.pid), done, at: performance.now() };
  running = false;
  const wall = (after.at - before.at) / 1000;
  const cpu = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system;
  for (const agent of new Set(agents)) agent.destroy();
  process.stdout.write(
    `node:http alone, ${mode} connections: ${((cpu / wall) * 100).toFixed(1)}% of one core ` +
      `(user ${(after.cpu.user - before.cpu.user).toFixed(2)} s, system ${(after.cpu.system - before.cpu.system).toFixed(2)} s), ` +
      `${((after.done - before.done) / wall).toFixed(0)} requests/s\n`,
  );
}

await measure('fresh');
await measure('kept');
server.kill();
process.exit(0);
