// Log destinations as the reference has them: syslog (through util-linux `logger`) and the console.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Logger } from '../core/logger.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface LogSetup {
  readonly debug: boolean;
  readonly silent: boolean;
  /** Syslog facility, or null for no syslog. */
  readonly syslogFacility: string | null;
  readonly name: string | null;
  /** Log to the console even when it is not a terminal. */
  readonly stderr?: boolean;
  /** Where console lines go; stderr, never stdout (stdout is ExaBGP's command channel). */
  readonly console: NodeJS.WritableStream & { isTTY?: boolean };
  readonly syslogSocket?: string;
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

export function createLogger(setup: LogSetup): Logger & { close(): void } {
  let consoleOn = setup.stderr === true || (!setup.silent && setup.console.isTTY === true);
  let syslog: ChildProcess | null = null;
  let failed = false;
  const facility = FACILITY_CODES[setup.syslogFacility ?? 'daemon'] ?? 3;

  const fail = (why: string) => {
    if (failed) return;
    failed = true;
    syslog = null;
    // Said once; logging goes on to stderr rather than nowhere.
    setup.console.write(`WARNING[healthcheck] syslog unavailable (${why}); logging to stderr\n`);
    consoleOn = !setup.silent;
  };
  if (setup.syslogFacility !== null) syslog = startSyslog(setup, fail);

  const emit = (level: Level, message: string) => {
    if (level === 'debug' && !setup.debug) return;
    const text = oneLine(message);
    if (syslog?.stdin?.writable) {
      syslog.stdin.write(`<${facility * 8 + SEVERITY[level]}>${text}\n`);
    }
    if (consoleOn) setup.console.write(`${LEVEL_NAMES[level]}[healthcheck] ${text}\n`);
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
    close: () => {
      syslog?.stdin?.end();
    },
  };
}
