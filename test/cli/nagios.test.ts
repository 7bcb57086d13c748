import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import {
  alerts,
  evaluate,
  nagiosCommand,
  parseRange,
  type NagiosOptions,
  type Range,
} from '../../src/cli/nagios.js';
import { startControlServer, type ControlServer } from '../../src/control/server.js';
import { silentLogger } from '../../src/core/logger.js';
import type { ProcessStatus, ServiceStatus } from '../../src/runtime/control.js';
import { FakeTarget, serviceStatus, tempDir } from '../control/fake-target.js';

function captureIo(): CliIo & { out: () => string } {
  let out = '';
  return {
    stdout: (text) => void (out += text),
    stderr: () => {},
    readFile: () => Promise.reject(new Error('not used')),
    out: () => out,
  };
}

const range = (text: string): Range => parseRange(text) as Range;
const defaults: NagiosOptions = {
  warning: range('0'),
  critical: range('0'),
  services: [],
  disabled: 'warning',
};
const status = (...services: ServiceStatus[]): ProcessStatus => ({
  pid: 1,
  version: '1',
  startedAt: 0,
  services,
});

describe('nagios verdict', () => {
  it('is OK with exit 0 when every service is up, with perfdata per service', () => {
    const result = evaluate(
      status(serviceStatus('web', 'UP'), serviceStatus('dns', 'UP')),
      defaults,
    );
    expect(result).toEqual({
      code: 0,
      line: 'BGP-HEALTHCHECK OK - 2 services up | web=1;;;0;1 dns=1;;;0;1 services_down=0;0;0;0;2 services_out_of_service=0;;;0;2',
    });
  });

  it('is WARNING when the down services exceed --warning but not --critical', () => {
    const result = evaluate(status(serviceStatus('web', 'DOWN'), serviceStatus('dns', 'UP')), {
      ...defaults,
      critical: range('1'),
    });
    expect(result.code).toBe(1);
    expect(result.line).toBe(
      'BGP-HEALTHCHECK WARNING - 1 of 2 services up; down: web DOWN (HTTP 503) | web=0;;;0;1 dns=1;;;0;1 services_down=1;0;1;0;2 services_out_of_service=0;;;0;2',
    );
  });

  it('is CRITICAL when the down services exceed --critical', () => {
    const result = evaluate(
      status(
        serviceStatus('web', 'DOWN'),
        serviceStatus('dns', 'FALLING'),
        serviceStatus('api', 'UP'),
      ),
      { ...defaults, warning: range('0'), critical: range('1') },
    );
    expect(result.code).toBe(2);
    expect(result.line).toMatch(
      /^BGP-HEALTHCHECK CRITICAL - 1 of 3 services up; down: web DOWN \(HTTP 503\), dns FALLING/,
    );
  });

  it('is OK when the down services stay within both thresholds', () => {
    const result = evaluate(status(serviceStatus('web', 'DOWN'), serviceStatus('dns', 'UP')), {
      ...defaults,
      warning: range('1'),
      critical: range('1'),
    });
    expect(result.code).toBe(0);
  });

  it('counts a disabled service at warning level by default, with who and why', () => {
    const dns = serviceStatus('dns', 'DISABLED', {
      maintenance: { by: 'alice', reason: 'kernel upgrade', since: 0 },
    });
    const result = evaluate(status(serviceStatus('web', 'UP'), dns), defaults);
    expect(result.code).toBe(1);
    expect(result.line).toContain('out of service: dns (alice: kernel upgrade)');
  });

  it('lets --disabled ok ignore and --disabled critical escalate a disabled service', () => {
    const s = status(serviceStatus('web', 'UP'), serviceStatus('dns', 'DISABLED'));
    expect(evaluate(s, { ...defaults, disabled: 'ok' }).code).toBe(0);
    expect(evaluate(s, { ...defaults, disabled: 'critical' }).code).toBe(2);
  });

  it('counts a draining or drained service as held, at warning level by default', () => {
    const s = status(
      serviceStatus('web', 'UP'),
      serviceStatus('dns', 'DRAINED'),
      serviceStatus('db', 'DRAINING'),
    );
    const result = evaluate(s, defaults);
    expect(result.code).toBe(1);
    expect(result.line).toContain('out of service: dns (DRAINED), db (DRAINING)');
    expect(result.line).not.toContain('down:');
    expect(evaluate(s, { ...defaults, disabled: 'ok' }).code).toBe(0);
    expect(evaluate(s, { ...defaults, disabled: 'critical' }).code).toBe(2);
  });

  it('limits the verdict to the services named with --service', () => {
    const s = status(serviceStatus('web', 'UP'), serviceStatus('dns', 'DOWN'));
    expect(evaluate(s, { ...defaults, services: ['web'] })).toEqual({
      code: 0,
      line: 'BGP-HEALTHCHECK OK - 1 service up | web=1;;;0;1 services_down=0;0;0;0;1 services_out_of_service=0;;;0;1',
    });
  });

  it('is UNKNOWN for a service name that does not exist', () => {
    const result = evaluate(status(serviceStatus('web', 'UP')), {
      ...defaults,
      services: ['mail'],
    });
    expect(result).toEqual({
      code: 3,
      line: "BGP-HEALTHCHECK UNKNOWN - unknown service 'mail' (known: web)",
    });
  });

  it('counts a drained service out of service, with its state', () => {
    const web = serviceStatus('web', 'DRAINED');
    const result = evaluate(status(web, serviceStatus('dns', 'UP')), defaults);
    expect(result).toEqual({
      code: 1,
      line: 'BGP-HEALTHCHECK WARNING - 1 of 2 services up; out of service: web (DRAINED) | web=0;;;0;1 dns=1;;;0;1 services_down=0;0;0;0;2 services_out_of_service=1;;;0;2',
    });
    expect(evaluate(status(web), { ...defaults, disabled: 'ok' }).code).toBe(0);
  });

  it('takes monitoring-plugins ranges and writes them into the perfdata', () => {
    const three = status(
      serviceStatus('a', 'DOWN'),
      serviceStatus('b', 'DOWN'),
      serviceStatus('c', 'UP'),
    );
    const verdict = (warning: string, critical: string) =>
      evaluate(three, { ...defaults, warning: range(warning), critical: range(critical) });
    expect(verdict('1', '5').code).toBe(1);
    expect(verdict('2', '5').code).toBe(0);
    expect(verdict('~:1', '@2:3').code).toBe(2);
    expect(verdict('3:', '10').code).toBe(1);
    expect(verdict('@2:3', '10').line).toContain('services_down=2;@2:3;10;0;3');
  });

  it('keeps the status line on one line and the perfdata separator unique', () => {
    const web = serviceStatus('web site', 'DOWN', {
      lastCheck: { ok: false, reason: 'a | b\nc', durationMs: 1, checks: [], at: 0 },
    });
    const { line } = evaluate(status(web), defaults);
    expect(line).not.toContain('\n');
    expect(line.split('|')).toHaveLength(2);
    expect(line).toContain("'web site'=0;;;0;1");
  });
});

describe('parseRange', () => {
  it.each([
    ['10', 11, true],
    ['10', 10, false],
    ['10', -1, true],
    ['10:', 9, true],
    ['10:', 10, false],
    ['~:10', -5, false],
    ['~:10', 11, true],
    ['10:20', 9, true],
    ['10:20', 15, false],
    ['@10:20', 15, true],
    ['@10:20', 21, false],
    ['2.5', 3, true],
  ])('range %s alerts for %d: %s', (text, value, expected) => {
    expect(alerts(range(text), value)).toBe(expected);
  });

  it.each(['', 'many', '20:10', '1:2:3', '@', '~'])('refuses %j', (text) => {
    expect(typeof parseRange(text)).toBe('string');
  });
});

describe('nagios command', () => {
  let tmp: ReturnType<typeof tempDir>;
  let socketPath: string;
  let server: ControlServer;
  let target: FakeTarget;

  beforeEach(async () => {
    tmp = tempDir('nag');
    socketPath = path.join(tmp.dir, 'n.sock');
    target = new FakeTarget([
      serviceStatus('web', 'UP'),
      serviceStatus('dns', 'UP'),
      serviceStatus('api', 'UP'),
    ]);
    server = await startControlServer({ path: socketPath, target, log: silentLogger });
  });

  afterEach(async () => {
    await server.close();
    tmp.remove();
  });

  const run = async (...args: string[]) => {
    const io = captureIo();
    const code = await nagiosCommand(['--socket', socketPath, ...args], io);
    return { code, out: io.out() };
  };

  it('exits 0 with one OK line when all services are up', async () => {
    expect(await run()).toEqual({
      code: 0,
      out: 'BGP-HEALTHCHECK OK - 3 services up | web=1;;;0;1 dns=1;;;0;1 api=1;;;0;1 services_down=0;0;0;0;3 services_out_of_service=0;;;0;3\n',
    });
  });

  it('exits 1 when one service is down under the critical threshold', async () => {
    target.services = [
      serviceStatus('web', 'DOWN'),
      serviceStatus('dns', 'UP'),
      serviceStatus('api', 'UP'),
    ];
    const { code, out } = await run('--warning', '0', '--critical', '1');
    expect(code).toBe(1);
    expect(out).toMatch(/^BGP-HEALTHCHECK WARNING - 2 of 3 services up; down: web DOWN/);
  });

  it('exits 2 when more services are down than --critical allows', async () => {
    target.services = [
      serviceStatus('web', 'DOWN'),
      serviceStatus('dns', 'DOWN'),
      serviceStatus('api', 'UP'),
    ];
    const { code, out } = await run('-w', '0', '-c', '1');
    expect(code).toBe(2);
    expect(out).toMatch(/^BGP-HEALTHCHECK CRITICAL - 1 of 3 services up/);
  });

  it('exits 3 with the reason when the daemon is not running', async () => {
    const io = captureIo();
    const absent = path.join(tmp.dir, 'absent.sock');
    const code = await nagiosCommand(['--socket', absent], io);
    expect(code).toBe(3);
    expect(io.out()).toBe(
      `BGP-HEALTHCHECK UNKNOWN - not running: cannot connect to ${absent} (ENOENT)\n`,
    );
  });

  it('exits 3 on a bad threshold without asking the daemon', async () => {
    const { code, out } = await run('--warning', 'many');
    expect(code).toBe(3);
    expect(out).toBe(
      "BGP-HEALTHCHECK UNKNOWN - usage: --warning: 'many' is not a range (10, 10:, ~:10, 10:20 or @10:20)\n",
    );
    expect(target.calls).toEqual([]);
  });
});
