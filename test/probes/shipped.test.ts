// Every check type as shipped: bin/bgp-healthcheck (the bundle) against a real local server, UP then DOWN.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { checkSchema } from '../../src/config/yaml-schema.js';
import { runOursOnConfig } from '../support/healthcheck-process.js';
import {
  selfSignedCertificate,
  startDnsServer,
  startHttpServer,
  startHttpsServer,
  startTcpServer,
} from '../support/servers.js';

const dir = mkdtempSync(join(tmpdir(), 'bhc-shipped-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const PREFIX = '198.51.100.60/32';
const UP_LINE = `announce route ${PREFIX} next-hop 192.0.2.10 med 100`;
const DOWN_LINE = `announce route ${PREFIX} next-hop 192.0.2.10 med 1000`;

/** A real server for one check type, and the check (one YAML flow mapping) that watches it. */
interface Fixture {
  /** The check's `type` in the configuration. */
  readonly type: string;
  readonly title: string;
  readonly start: () => Promise<{
    readonly check: string;
    readonly fail: () => void;
    readonly env?: NodeJS.ProcessEnv;
  }>;
  /** What the log must give as the reason for DOWN: the server's failure, not any failure. */
  readonly downReason: RegExp;
}

const FIXTURES: readonly Fixture[] = [
  {
    type: 'command',
    title: 'a command',
    start: () => {
      const flag = join(dir, 'healthy');
      writeFileSync(flag, '');
      return Promise.resolve({
        check: `{ type: command, command: "test -e ${flag}" }`,
        fail: () => rmSync(flag),
      });
    },
    downReason: /command test -e \S+: exit status 1/,
  },
  {
    type: 'http',
    title: 'an http URL',
    start: async () => {
      let healthy = true;
      const server = await startHttpServer((_req, res) => {
        res.writeHead(healthy ? 200 : 503).end();
      });
      cleanups.push(() => server.close());
      return {
        check: `{ type: http, url: "${server.origin}/health" }`,
        fail: () => (healthy = false),
      };
    },
    downReason: /GET http:\S+: HTTP 503/,
  },
  {
    type: 'http',
    title: 'an https URL, verified against a CA the process trusts',
    start: async () => {
      const certificate = selfSignedCertificate();
      if ('missing' in certificate) throw new Error(certificate.missing);
      const ca = join(dir, 'ca.pem');
      writeFileSync(ca, certificate.cert);
      let healthy = true;
      const server = await startHttpsServer(certificate, (_req, res) => {
        res.writeHead(healthy ? 204 : 500).end();
      });
      cleanups.push(() => server.close());
      return {
        check: `{ type: http, url: "${server.origin}/health", tls-verify: true }`,
        fail: () => (healthy = false),
        env: { NODE_EXTRA_CA_CERTS: ca },
      };
    },
    downReason: /GET https:\S+: HTTP 500/,
  },
  {
    type: 'tcp',
    title: 'a tcp port that must answer PING with +PONG',
    start: async () => {
      let healthy = true;
      const server = await startTcpServer((socket) => {
        socket.once('data', () => socket.end(healthy ? '+PONG\r\n' : '-ERR loading\r\n'));
      });
      cleanups.push(() => server.close());
      return {
        check: `{ type: tcp, host: 127.0.0.1, port: ${server.port}, send: "PING\\r\\n", expect: "+PONG" }`,
        fail: () => (healthy = false),
      };
    },
    downReason: /tcp 127\.0\.0\.1:\d+: connection closed before '\+PONG' was received/,
  },
  {
    type: 'dns',
    title: 'a dns server',
    start: async () => {
      let healthy = true;
      const server = await startDnsServer((question) =>
        healthy
          ? { answers: [{ type: 'A', name: question.name, data: '192.0.2.53' }] }
          : { rcode: 'SERVFAIL' },
      );
      cleanups.push(() => server.close());
      return {
        check: `{ type: dns, server: 127.0.0.1, port: ${server.port}, name: example.com, expect-answer: 192.0.2.53 }`,
        fail: () => (healthy = false),
      };
    },
    downReason: /dns example\.com A @127\.0\.0\.1: rcode SERVFAIL \(expected NOERROR\)/,
  },
];

describe('every check type through bin/bgp-healthcheck', () => {
  it('has a fixture for each check type the configuration accepts', () => {
    const accepted = checkSchema.options.map((option) => option.shape.type.value);
    expect(new Set(FIXTURES.map((fixture) => fixture.type))).toEqual(new Set(accepted));
  });

  it.each(FIXTURES.map((fixture) => [fixture.title, fixture] as const))(
    '%s: announces UP while the server is healthy and DOWN, for its reason, once it fails',
    async (_title, fixture) => {
      const server = await fixture.start();
      const file = join(dir, `${fixture.type}.yaml`);
      writeFileSync(
        file,
        `services:
  - name: svc
    routes: { prefixes: [${PREFIX}], next-hop: 192.0.2.10, ip-setup: false }
    timing: { interval: 0.1, fast-interval: 0.1, rise: 1, fall: 1, timeout: 2, debounce: true }
    checks:
      - ${server.check}
`,
      );
      const { run, awaitLine } = runOursOnConfig(file, cleanups, server.env ?? {});

      await awaitLine(UP_LINE, 'UP');
      server.fail();
      await awaitLine(DOWN_LINE, 'DOWN');
      expect(run.stderrSoFar()).toMatch(
        new RegExp(`\\[svc\\] UP -> DOWN \\(${fixture.downReason.source}\\)`),
      );

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
