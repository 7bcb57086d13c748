// The http check as shipped (bin/bgp-healthcheck) against real HTTP servers: Node's, Python's
// http.server and nginx, on a kept connection and on a new one per check, UP then DOWN.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { requireTool, runOursOnConfig, waitFor } from '../support/healthcheck-process.js';
import { closedPort, startHttpServer } from '../support/servers.js';

const dir = mkdtempSync(join(tmpdir(), 'bhc-http-servers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const PREFIX = '198.51.100.61/32';
const UP_LINE = `announce route ${PREFIX} next-hop 192.0.2.10 med 100`;
const DOWN_LINE = `announce route ${PREFIX} next-hop 192.0.2.10 med 1000`;
const PYTHON = '/usr/bin/python3';
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));

/** A server whose document root holds `health.txt`; removing it turns the check DOWN. */
interface Served {
  /** The URL's origin, `http://HOST:PORT`. */
  readonly origin: string;
  readonly root: string;
}

/** Starts a server process and waits until its port accepts connections. */
async function startProcess(
  command: string,
  args: readonly string[],
  host: string,
  port: number,
): Promise<ChildProcess> {
  const proc = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGKILL');
      }),
  );
  const accepts = (): Promise<true | undefined> =>
    new Promise((resolve) => {
      const socket = connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(undefined));
    });
  await waitFor(accepts, `${command} to listen on ${port}`).catch((error: Error) => {
    throw new Error(`${error.message}; its stderr:\n${stderr}`);
  });
  return proc;
}

function documentRoot(name: string): string {
  const root = join(dir, name);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'health.txt'), 'status: ready\n');
  return root;
}

const SERVERS: readonly {
  readonly title: string;
  readonly available: () => boolean;
  readonly tool: string;
  readonly start: (name: string) => Promise<Served>;
}[] = [
  {
    title: "Node's http server",
    available: () => true,
    tool: 'node',
    start: async (name) => {
      const root = documentRoot(name);
      const server = await startHttpServer((_request, response) => {
        if (existsSync(join(root, 'health.txt'))) response.end('status: ready\n');
        else response.writeHead(404).end('not found');
      });
      cleanups.push(() => server.close());
      return { origin: server.origin, root };
    },
  },
  {
    title: "Python's http.server (HTTP/1.0, closes after each answer)",
    available: () => existsSync(PYTHON),
    tool: `${PYTHON} (Debian package python3)`,
    start: async (name) => {
      const root = documentRoot(name);
      const port = await closedPort();
      const args = ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', root];
      await startProcess(PYTHON, args, '127.0.0.1', port);
      return { origin: `http://127.0.0.1:${port}`, root };
    },
  },
  {
    title: 'nginx on IPv6 loopback',
    available: () => NGINX !== undefined,
    tool: 'nginx (Debian package nginx-light)',
    start: async (name) => {
      const root = documentRoot(name);
      const port = await closedPort();
      const conf = join(root, '..', `${name}.conf`);
      const temp = join(dir, `${name}-temp`);
      mkdirSync(temp, { recursive: true });
      writeFileSync(
        conf,
        `daemon off;
master_process off;
pid ${join(temp, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${temp};
  proxy_temp_path ${temp};
  fastcgi_temp_path ${temp};
  uwsgi_temp_path ${temp};
  scgi_temp_path ${temp};
  server {
    listen [::1]:${port};
    root ${root};
  }
}
`,
      );
      await startProcess(NGINX ?? 'nginx', ['-e', 'stderr', '-p', temp, '-c', conf], '::1', port);
      return { origin: `http://[::1]:${port}`, root };
    },
  },
];

describe('the http check against real servers, through bin/bgp-healthcheck', () => {
  const cases = SERVERS.flatMap((server) =>
    [true, false].map(
      (keep) =>
        [
          `${server.title}, ${keep ? 'kept connection' : 'new connection per check'}`,
          server,
          keep,
        ] as const,
    ),
  );
  it.each(cases)(
    '%s: UP while the page holds the text, DOWN with "HTTP 404" once it is gone',
    async (_title, server, keep) => {
      if (!requireTool(server.available(), server.tool)) return;
      const name = `${server.tool.split(' ')[0]?.replace(/\W/g, '')}-${keep}`;
      const served = await server.start(name);
      const file = join(dir, `${name}.yaml`);
      writeFileSync(
        file,
        `services:
  - name: svc
    routes: { prefixes: [${PREFIX}], next-hop: 192.0.2.10, ip-setup: false }
    timing: { interval: 0.1, fast-interval: 0.1, rise: 3, fall: 1, timeout: 2, debounce: true }
    checks:
      - { type: http, url: "${served.origin}/health.txt", body-contains: ready${keep ? '' : ', keep-alive: false'} }
`,
      );
      const { run, awaitLine } = runOursOnConfig(file, cleanups);

      // rise 3: three checks in a row passed on the same (or a new) connection.
      await awaitLine(UP_LINE, 'UP');
      rmSync(join(served.root, 'health.txt'));
      await awaitLine(DOWN_LINE, 'DOWN');
      expect(run.stderrSoFar()).toMatch(/\[svc\] UP -> DOWN \(GET http:\S+: HTTP 404\)/);

      run.proc.kill('SIGTERM');
      const outcome = await run;
      expect(outcome.code).toBe(0);
      expect(outcome.lines).toEqual([
        UP_LINE,
        DOWN_LINE,
        `withdraw route ${PREFIX} next-hop 192.0.2.10`,
      ]);
    },
  );
});
