// Log destinations (syslog through util-linux `logger`, stderr) and the line formats: text, json, logfmt.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, fstatSync } from 'node:fs';
import type { LogFields, LogFormat, Logger } from '../core/logger.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface LogSetup {
  readonly debug: boolean;
  readonly silent: boolean;
  /** Syslog facility, or null for no syslog. */
  readonly syslogFacility: string | null;
  readonly name: string | null;
  /** Log to the console even when syslog works and stderr is not a terminal. */
  readonly stderr?: boolean;
  readonly format?: LogFormat;
  /** Whether stderr is the systemd journal, which stamps each line itself: text lines go without time. */
  readonly journal?: boolean;
  /** Where console lines go; stderr, never stdout (stdout is ExaBGP's command channel). */
  readonly console: NodeJS.WritableStream & { isTTY?: boolean };
  readonly syslogSocket?: string;
  /** Wall clock in ms since the epoch, for timestamps. */
  readonly now?: () => number;
}

export interface ProcessLogger extends Logger {
  /** Names whose `NAME: ` message prefix marks the service an event is about. */
  setServices(names: Iterable<string>): void;
  /** Whether a message logged now reaches stderr (so saying it there again would say it twice). */
  writesToStderr(): boolean;
  close(): void;
}

const FACILITY_CODES: Record<string, number> = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};
const SEVERITY: Record<Level, number> = { error: 3, warn: 4, info: 6, debug: 7 };
const LEVEL_NAMES: Record<Level, string> = {
  error: 'ERROR',
  warn: 'WARNING',
  info: 'INFO',
  debug: 'DEBUG',
};

/** One line per message: a newline inside a message (a command's output) is escaped. */
const oneLine = (message: string): string => message.replace(/\r?\n/g, '\\n');

/** Whether fd 2 is the stream systemd names in JOURNAL_STREAM (`DEVICE:INODE`). */
export function stderrIsJournal(env: NodeJS.ProcessEnv = process.env): boolean {
  const stream = env.JOURNAL_STREAM;
  if (!stream) return false;
  try {
    const stat = fstatSync(2);
    return stream === `${stat.dev}:${stat.ino}`;
  } catch {
    return false;
  }
}

/** One event, before formatting. */
export interface LogEvent {
  readonly time: number;
  readonly level: Level;
  /** The service the event is about, else the process's name. */
  readonly name: string;
  readonly service?: string;
  readonly message: string;
  readonly fields?: LogFields;
}

const LOGFMT_BARE = /^[^\s"=\\]+$/;

function logfmtValue(value: string | number | boolean): string {
  const text = String(value);
  if (LOGFMT_BARE.test(text)) return text;
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

/** The ordered key/value pairs of an event: time, level, service, msg, then the event's own fields. */
function pairs(event: LogEvent): [string, string | number | boolean][] {
  const out: [string, string | number | boolean][] = [
    ['time', new Date(event.time).toISOString()],
    ['level', event.level],
  ];
  if (event.service !== undefined) out.push(['service', event.service]);
  out.push(['msg', event.message]);
  for (const [key, value] of Object.entries(event.fields ?? {})) {
    if (value !== undefined && key !== 'service') out.push([key, value]);
  }
  return out;
}

/** The event as one line (without its newline); a text line carries its time unless told not to. */
export function formatLogLine(format: LogFormat, event: LogEvent, timestamps = true): string {
  switch (format) {
    case 'json':
      return JSON.stringify(Object.fromEntries(pairs(event)));
    case 'logfmt':
      return pairs(event)
        .map(([key, value]) => `${key}=${logfmtValue(value)}`)
        .join(' ');
    case 'text': {
      const head = `${LEVEL_NAMES[event.level]}[${event.name}] ${oneLine(event.message)}`;
      return timestamps ? `${new Date(event.time).toISOString()} ${head}` : head;
    }
  }
}

/** A long-lived `logger` child writing RFC 3164 datagrams to the syslog socket. */
function startSyslog(setup: LogSetup, onFailure: (why: string) => void): ChildProcess | null {
  const socket = setup.syslogSocket ?? '/dev/log';
  if (!existsSync(socket)) {
    onFailure(`${socket} is missing`);
    return null;
  }
  const tag = setup.name ? `healthcheck-${setup.name}` : 'healthcheck';
  const child = spawn(
    'logger',
    [
      '--rfc3164',
      '--prio-prefix',
      '-t',
      tag,
      `--id=${process.pid}`,
      '-u',
      socket,
      '--socket-errors=off',
    ],
    { stdio: ['pipe', 'ignore', 'ignore'] },
  );
  child.on('error', (error) => onFailure(`cannot run logger: ${error.message}`));
  child.stdin?.on('error', () => onFailure('logger stopped'));
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return child;
}

/**
 * Syslog when configured; stderr when asked, when stderr is a terminal, and whenever syslog is off
 * or fails, so a process started by ExaBGP or systemd with `--no-syslog` still logs. `--silent`
 * keeps stderr quiet.
 */
export function createLogger(setup: LogSetup): ProcessLogger {
  const format = setup.format ?? 'text';
  const now = setup.now ?? Date.now;
  const processName = setup.name ?? 'healthcheck';
  const timestamps = setup.journal !== true;
  let consoleOn =
    !setup.silent &&
    (setup.stderr === true || setup.console.isTTY === true || setup.syslogFacility === null);
  let syslog: ChildProcess | null = null;
  let failed = false;
  let services = new Set<string>();
  const facility = FACILITY_CODES[setup.syslogFacility ?? 'daemon'] ?? 3;

  const emit = (level: Level, message: string, fields?: LogFields): void => {
    if (level === 'debug' && !setup.debug) return;
    let service = typeof fields?.service === 'string' ? fields.service : undefined;
    let text = message;
    if (service === undefined) {
      // The runtime writes `NAME: what happened`; the name becomes the event's service.
      const colon = message.indexOf(': ');
      const prefix = colon > 0 ? message.slice(0, colon) : '';
      if (services.has(prefix)) {
        service = prefix;
        text = message.slice(colon + 2);
      }
    }
    // A process of one service (the drop-in mode) speaks for that service.
    if (service === undefined && services.size === 1) [service] = services;
    const event: LogEvent = {
      time: now(),
      level,
      name: service ?? processName,
      service,
      message: text,
      fields,
    };
    if (syslog?.stdin?.writable) {
      const body =
        format === 'text'
          ? oneLine(service === undefined ? text : `${service}: ${text}`)
          : formatLogLine(format, event);
      syslog.stdin.write(`<${facility * 8 + SEVERITY[level]}>${body}\n`);
    }
    if (consoleOn) setup.console.write(`${formatLogLine(format, event, timestamps)}\n`);
  };

  const fail = (why: string): void => {
    if (failed) return;
    failed = true;
    syslog = null;
    // Said once; logging goes on to stderr rather than nowhere.
    consoleOn = !setup.silent;
    emit('warn', `syslog unavailable (${why}); logging to stderr`);
  };
  if (setup.syslogFacility !== null) syslog = startSyslog(setup, fail);

  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    setServices: (names) => {
      services = new Set(names);
    },
    writesToStderr: () => consoleOn,
    close: () => {
      syslog?.stdin?.end();
    },
  };
}
