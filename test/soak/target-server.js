// The soak's check targets, in their own process so that the soak's own work (reading the RIB and
// /status) cannot make a check time out: one HTTP server for every http service, a TCP listener
// per tcp service, and the mode files the command services' script reads.
//
// Usage: node test/soak/target-server.js DIR. Prints {"http": PORT, "script": PATH} on stdout, then
// takes one request a line on stdin, `NAME KIND MODE` (KIND command, http or tcp; MODE ok, down,
// stall, hang or flood), answers `ok PORT` (the tcp port, else 0) once the target does so, and
// exits when stdin closes.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { join } from 'node:path';
import process from 'node:process';
import { createInterface } from 'node:readline';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node target-server.js DIR\n');
  process.exit(2);
}
const modesDir = join(dir, 'modes');
const script = join(dir, 'check.sh');
/**
 * What the command check writes when it floods, every cycle: sixteen times the 64 KiB the checker
 * keeps (test/integration covers 400 MB at once; here the flood goes on for minutes).
 */
const FLOOD_BYTES = 1024 * 1024;
mkdirSync(modesDir, { recursive: true, mode: 0o755 });
// Not `exec sleep`: the shell, whose argument names the soak's directory, stays as the parent, so
// a hung check that outlives its process group is found by the leak count.
writeFileSync(
  script,
  [
    '#!/bin/sh',
    // `read`, a builtin: one process per check, the shell.
    `read m < '${modesDir}'/"$1" 2>/dev/null`,
    'case "$m" in',
    '  hang) sleep 3600; exit 0 ;;',
    `  flood) head -c ${FLOOD_BYTES} /dev/zero; exit 0 ;;`,
    '  down) exit 1 ;;',
    'esac',
    'exit 0',
    '',
  ].join('\n'),
  { mode: 0o755 },
);

const modes = new Map();
const passes = (mode) => mode === 'ok' || mode === 'flood';

const web = http.createServer((request, response) => {
  const name = (request.url ?? '').replace(/^\/s\//, '');
  const mode = modes.get(name) ?? 'down';
  // A stalled target takes the request and never answers.
  if (mode === 'stall') return;
  response.writeHead(passes(mode) ? 200 : 503).end(passes(mode) ? 'ok' : 'down');
});
web.keepAliveTimeout = 1000;

/** name -> { port, server }: a tcp target passes while something listens on its port. */
const listeners = new Map();

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, () => resolve(server.address().port));
  });
}

async function setTcp(name, listening) {
  const entry = listeners.get(name) ?? { port: 0, server: null };
  listeners.set(name, entry);
  if (listening && entry.server === null) {
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.end();
    });
    entry.port = await listen(server, entry.port);
    entry.server = server;
  } else if (!listening && entry.server !== null) {
    const { server } = entry;
    entry.server = null;
    await new Promise((resolve) => server.close(() => resolve()));
  }
  return entry.port;
}

async function handle(line) {
  const [name, kind, mode] = line.trim().split(/\s+/);
  if (!name || !kind || !mode) return 'error: expected NAME KIND MODE';
  modes.set(name, mode);
  if (kind === 'command') writeFileSync(join(modesDir, name), `${mode}\n`, { mode: 0o644 });
  if (kind === 'tcp') return `ok ${await setTcp(name, passes(mode))}`;
  return 'ok 0';
}

const httpPort = await listen(web, 0);
process.stdout.write(`${JSON.stringify({ http: httpPort, script })}\n`);
// One request at a time, answered in order.
let chain = Promise.resolve();
createInterface({ input: process.stdin })
  .on('line', (line) => {
    chain = chain.then(async () => {
      const answer = await handle(line).catch((error) => `error: ${error.message}`);
      process.stdout.write(`${answer}\n`);
    });
  })
  .on('close', () => process.exit(0));
