// Log lines as operators read them: where they go, their formats, the service named in each.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, formatLogLine, type LogSetup } from '../../src/observe/log.js';

const T = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

function sink(isTTY = false) {
  const lines: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    }),
    { isTTY },
  );
  return { stream, lines };
}

function logger(setup: Partial<LogSetup> = {}, isTTY = false) {
  const { stream, lines } = sink(isTTY);
  const log = createLogger({
    debug: false,
    silent: false,
    syslogFacility: null,
    name: null,
    console: stream,
    now: () => T,
    ...setup,
  });
  return { log, lines };
}

describe('createLogger', () => {
  it('logs to stderr when syslog is off, even when stderr is not a terminal', () => {
    const { log, lines } = logger({ syslogFacility: null });
    log.info('started');
    expect(lines).toEqual(['2026-01-02T03:04:05.678Z INFO[healthcheck] started']);
  });

  it('stays quiet on stderr with --silent', () => {
    const { log, lines } = logger({ silent: true });
    log.warn('something');
    expect(lines).toEqual([]);
  });

  it('falls back to stderr, saying so once, when the syslog socket is missing', () => {
    const { log, lines } = logger({ syslogFacility: 'daemon', syslogSocket: '/nonexistent/log' });
    log.info('after');
    expect(lines).toEqual([
      '2026-01-02T03:04:05.678Z WARNING[healthcheck] syslog unavailable (/nonexistent/log is missing); logging to stderr',
      '2026-01-02T03:04:05.678Z INFO[healthcheck] after',
    ]);
  });

  it('names the service in brackets, taken from the field or from the message prefix', () => {
    const { log, lines } = logger({ journal: true, name: 'proc' });
    log.setServices(['web', 'db']);
    log.info('web: draining for 5 s');
    log.warn('check failed: HTTP 503', { service: 'db' });
    log.info('reload: nothing changed');
    expect(lines).toEqual([
      'INFO[web] draining for 5 s',
      'WARNING[db] check failed: HTTP 503',
      'INFO[proc] reload: nothing changed',
    ]);
  });

  it('leaves the time out of text lines written to the journal, which stamps them itself', () => {
    const { log, lines } = logger({ journal: true });
    log.error('boom');
    expect(lines).toEqual(['ERROR[healthcheck] boom']);
  });

  it('writes debug lines only with --debug', () => {
    const quiet = logger();
    quiet.log.debug('hidden');
    expect(quiet.lines).toEqual([]);
    const loud = logger({ debug: true, journal: true });
    loud.log.debug('shown');
    expect(loud.lines).toEqual(['DEBUG[healthcheck] shown']);
  });

  it('writes one JSON object per event with the service and the event fields', () => {
    const { log, lines } = logger({ format: 'json' });
    log.setServices(['web']);
    log.info('UP -> FALLING (HTTP 503)', {
      event: 'transition',
      service: 'web',
      state: 'FALLING',
      previous: 'UP',
      reason: 'HTTP 503',
    });
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      {
        time: '2026-01-02T03:04:05.678Z',
        level: 'info',
        service: 'web',
        msg: 'UP -> FALLING (HTTP 503)',
        event: 'transition',
        state: 'FALLING',
        previous: 'UP',
        reason: 'HTTP 503',
      },
    ]);
  });

  it('writes logfmt records, quoting what needs it, one line even for multi-line output', () => {
    const { log, lines } = logger({ format: 'logfmt' });
    log.warn('check failed: exit status 1', {
      service: 'web',
      detail: 'line one\nsays "no"',
      failures: 3,
    });
    expect(lines).toEqual([
      'time=2026-01-02T03:04:05.678Z level=warn service=web msg="check failed: exit status 1" detail="line one\\nsays \\"no\\"" failures=3',
    ]);
  });
});

describe('formatLogLine', () => {
  it('escapes newlines in text messages so one event stays one line', () => {
    const line = formatLogLine('text', {
      time: T,
      level: 'info',
      name: 'web',
      message: 'a\nb',
    });
    expect(line).toBe('2026-01-02T03:04:05.678Z INFO[web] a\\nb');
  });
});
