// The benchmark's probe targets, in their own process so their CPU is not charged to the checkers.
//
// Usage: node bench/target-server.js [HTTP_PORT_COUNT]
// Prints one JSON line on stdout: { "http": [ports...], "tcp": port, "control": port }.
// HTTP: GET /s/NAME answers 200 "ok", or 503 while NAME is failing.
// Control (its own port): POST /fail/NAME, POST /ok/NAME, GET /stats (requests, HTTP and TCP connections so far),
// GET /first-fail/NAME (epoch ms at which the first 503 since POST /fail/NAME was sent, or null).
// Everything binds to 127.0.0.1 on ports the kernel picks. Exits when stdin closes.
import * as http from 'node:http';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import process from 'node:process';

const httpPortCount = Math.max(1, Number(process.argv[2] ?? 8));
const failing = new Set();
const firstFail = new Map();
const counters = { requests: 0, failed: 0, tcpConnections: 0, httpConnections: 0 };

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

function targetServer() {
  const server = http.createServer((req, res) => {
    counters.requests++;
    const name = req.url?.startsWith('/s/') ? req.url.slice(3) : '';
    if (failing.has(name)) {
      counters.failed++;
      if (!firstFail.has(name)) firstFail.set(name, performance.timeOrigin + performance.now());
      res.writeHead(503, { 'content-type': 'text/plain', 'content-length': '5' });
      res.end('down\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '3' });
    res.end('ok\n');
  });
  server.on('connection', () => counters.httpConnections++);
  return server;
}

const controlServer = http.createServer((req, res) => {
  const [, verb, name] = /^\/(fail|ok|stats|first-fail)(?:\/(.*))?$/.exec(req.url ?? '') ?? [];
  if (verb === 'stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(counters));
    return;
  }
  if (verb === 'first-fail' && name) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(firstFail.get(name) ?? null));
    return;
  }
  if ((verb === 'fail' || verb === 'ok') && name) {
    if (verb === 'fail') {
      failing.add(name);
      firstFail.delete(name);
    } else failing.delete(name);
    res.writeHead(204);
    res.end();
    return;
  }
  res.writeHead(404);
  res.end();
});

const tcpServer = net.createServer((socket) => {
  counters.tcpConnections++;
  socket.on('error', () => {});
  socket.resume();
  socket.on('end', () => socket.end());
});

const httpPorts = [];
for (let i = 0; i < httpPortCount; i++) httpPorts.push(await listen(targetServer()));
const tcp = await listen(tcpServer);
const control = await listen(controlServer);
process.stdout.write(`${JSON.stringify({ http: httpPorts, tcp, control })}\n`);

process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
