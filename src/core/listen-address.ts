// The metrics listener's address as a parsed value, so the command line, the YAML file and the server read it alike.
import { isIP } from 'node:net';
import { InvalidValueError } from './errors.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export const DEFAULT_LISTEN_HOST = '127.0.0.1';

/**
 * `HOST:PORT`, `[IPV6]:PORT`, or `:PORT` (which means 127.0.0.1: listening on every interface must
 * be asked for with 0.0.0.0 or [::]). Port 0 picks a free port.
 */
export function parseListenAddress(text: string): ListenAddress {
  const expected = `expected HOST:PORT, [IPV6]:PORT or :PORT with an IP address and a port 0-65535, got "${text}"`;
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (!match) throw new InvalidValueError(expected);
  const [, bracketed, plain, portText = ''] = match;
  const port = Number(portText);
  if (port > 65535) throw new InvalidValueError(expected);
  if (bracketed !== undefined) {
    if (isIP(bracketed) !== 6) throw new InvalidValueError(expected);
    return { host: bracketed, port };
  }
  if (plain === undefined || plain === '') return { host: DEFAULT_LISTEN_HOST, port };
  if (isIP(plain) !== 4) throw new InvalidValueError(expected);
  return { host: plain, port };
}

/** `host:port` as a person writes it, brackets around IPv6. */
export const formatListenAddress = ({ host, port }: ListenAddress): string =>
  `${host.includes(':') ? `[${host}]` : host}:${port}`;
