// The check factory: which probe each CheckSpec gets, with which timeout and name.
import { describe, expect, it } from 'vitest';
import type { Probe } from '../../src/core/probe.js';
import type { CheckSpec } from '../../src/core/service.js';
import { checkName, namedChecks, probeFor } from '../../src/probes/index.js';
import { closedPort } from '../support/servers.js';

function recordingCommands(): {
  runCommand: (command: string, timeoutMs: number) => Probe;
  made: { command: string; timeoutMs: number }[];
} {
  const made: { command: string; timeoutMs: number }[] = [];
  return {
    made,
    runCommand: (command, timeoutMs) => {
      made.push({ command, timeoutMs });
      return () => Promise.resolve({ ok: true, latencyMs: 0 });
    },
  };
}

describe('probeFor', () => {
  it("gives a command check the service's timeout unless it has its own", () => {
    const { runCommand, made } = recordingCommands();
    probeFor({ kind: 'command', command: 'true' }, { timeoutMs: 5000 }, runCommand);
    probeFor({ kind: 'command', command: 'false', timeout: 1.5 }, { timeoutMs: 5000 }, runCommand);
    expect(made).toEqual([
      { command: 'true', timeoutMs: 5000 },
      { command: 'false', timeoutMs: 1500 },
    ]);
  });

  it('builds a native probe for a tcp check', async () => {
    const port = await closedPort();
    const probe = probeFor({ kind: 'tcp', host: '127.0.0.1', port }, { timeoutMs: 2000 });
    expect(await probe(new AbortController().signal)).toMatchObject({
      ok: false,
      reason: `connect ECONNREFUSED 127.0.0.1:${port}`,
    });
  });
});

describe('checkName', () => {
  it("uses the configured name (a dns check's label), else describes the target", () => {
    const specs: CheckSpec[] = [
      { kind: 'tcp', host: '::1', port: 5432, name: 'db' },
      { kind: 'tcp', host: '::1', port: 5432 },
      {
        kind: 'http',
        url: 'http://127.0.0.1/health',
        method: 'get',
        headers: {},
        expectStatus: [],
        tlsVerify: true,
        followRedirects: false,
        keepAlive: false,
      },
      {
        kind: 'dns',
        server: '127.0.0.1',
        port: 53,
        name: 'example.test',
        type: 'a',
        expectRcode: 'NOERROR',
      },
      {
        kind: 'dns',
        server: '127.0.0.1',
        port: 53,
        name: 'example.test',
        type: 'a',
        expectRcode: 'NOERROR',
        label: 'anycast',
      },
      { kind: 'command', command: 'curl -sf http://127.0.0.1/' },
    ];
    expect(specs.map(checkName)).toEqual([
      'db',
      'tcp [::1]:5432',
      'GET http://127.0.0.1/health',
      'dns example.test A @127.0.0.1',
      'anycast',
      'command curl -sf http://127.0.0.1/',
    ]);
  });

  it('weighs a check 1 unless configured otherwise', () => {
    const { runCommand } = recordingCommands();
    const checks = namedChecks(
      [
        { kind: 'command', command: 'a', weight: 30 },
        { kind: 'command', command: 'b' },
      ],
      { timeoutMs: 1000 },
      runCommand,
    );
    expect(checks.map((check) => [check.name, check.weight])).toEqual([
      ['command a', 30],
      ['command b', 1],
    ]);
  });
});
