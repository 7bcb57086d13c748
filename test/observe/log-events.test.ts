// Log events from the runtime's observer calls: transitions with their fields, failures on change only.
import { describe, expect, it } from 'vitest';
import type { LogFields, Logger } from '../../src/core/logger.js';
import { LogEvents } from '../../src/observe/log-events.js';
import { failingReport, passingReport } from './events.js';

function recorder() {
  const lines: { level: string; message: string; fields?: LogFields }[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, ...(fields ? { fields } : {}) });
    };
  const log: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { log, lines };
}

describe('LogEvents', () => {
  it('logs a transition with the service, the state, the previous state and the reason', () => {
    const { log, lines } = recorder();
    new LogEvents(log).transitioned('web', 'UP', 'FALLING', 'HTTP 503');
    expect(lines).toEqual([
      {
        level: 'info',
        message: 'UP -> FALLING (HTTP 503)',
        fields: {
          event: 'transition',
          service: 'web',
          state: 'FALLING',
          previous: 'UP',
          reason: 'HTTP 503',
        },
      },
    ]);
  });

  it('logs a check that keeps failing the same way once, then a summary per period, never per cycle', () => {
    const { log, lines } = recorder();
    const clock = { t: 0 };
    const events = new LogEvents(log, { now: () => clock.t, summarySeconds: 60 });
    events.transitioned('web', 'UP', 'DOWN', 'HTTP 503');
    lines.length = 0;
    // Two minutes and a half of a check failing every second.
    for (let second = 0; second < 150; second++) {
      clock.t = second * 1000;
      events.checked('web', failingReport('HTTP 503'), false);
    }
    expect(lines.map((l) => l.message)).toEqual([
      'check failed: HTTP 503',
      'check still failing: 60 more failed since the last line, 61 in a row (HTTP 503)',
      'check still failing: 60 more failed since the last line, 121 in a row (HTTP 503)',
    ]);
    expect(lines[0]?.fields).toEqual({
      event: 'check_failed',
      service: 'web',
      state: 'DOWN',
      reason: 'HTTP 503',
      check: 'http',
      detail: 'body: overloaded',
    });
    expect(lines[1]?.fields).toMatchObject({ event: 'check_failing', failures: 61 });
  });

  it('logs at once when the reason of a failure changes, and once when the check passes again', () => {
    const { log, lines } = recorder();
    const events = new LogEvents(log, { now: () => 0 });
    events.checked('web', failingReport('HTTP 503'), false);
    events.checked('web', failingReport('HTTP 503'), false);
    events.checked('web', failingReport('timeout after 2 s'), false);
    events.checked('web', passingReport(), false);
    events.checked('web', passingReport(), false);
    expect(lines.map((l) => `${l.level} ${l.message}`)).toEqual([
      'warn check failed: HTTP 503',
      'warn check failed: timeout after 2 s',
      'info check passed again after 3 failed (last: timeout after 2 s)',
    ]);
  });

  it('says nothing about the made-up report of a disabled cycle', () => {
    const { log, lines } = recorder();
    const events = new LogEvents(log);
    events.checked('web', failingReport(), true);
    expect(lines).toEqual([]);
  });

  it('keeps each service’s failures apart', () => {
    const { log, lines } = recorder();
    const events = new LogEvents(log, { now: () => 0 });
    events.checked('web', failingReport('HTTP 503'), false);
    events.checked('db', failingReport('HTTP 503'), false);
    events.checked('web', failingReport('HTTP 503'), false);
    expect(lines.map((l) => l.fields?.service)).toEqual(['web', 'db']);
  });
});
