// The control socket client: sends one request, waits for its one-line response, within a deadline.
import net from 'node:net';
import {
  MAX_RESPONSE_BYTES,
  encodeLine,
  parseResponse,
  type ControlRequest,
  type ControlResponse,
} from './protocol.js';

export type ControlClientErrorKind =
  /** Nothing listens on the path (no file, or a stale one). */
  | 'not-running'
  /** Something is there but we may not use it (EACCES, EPERM). */
  | 'denied'
  | 'timeout'
  /** The server answered something that is not a response, or hung up without one. */
  | 'protocol';

export class ControlClientError extends Error {
  override readonly name = 'ControlClientError';
  constructor(
    readonly kind: ControlClientErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  readonly timeoutMs: number;
}

function connectError(socketPath: string, error: NodeJS.ErrnoException): ControlClientError {
  const code = error.code ?? error.message;
  switch (code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
    case 'ENOTDIR':
      return new ControlClientError(
        'not-running',
        `not running: cannot connect to ${socketPath} (${code})`,
      );
    case 'EACCES':
    case 'EPERM':
      return new ControlClientError(
        'denied',
        `permission denied: cannot connect to ${socketPath} (${code}); run as the daemon's user or root`,
      );
    default:
      return new ControlClientError('protocol', `cannot talk to ${socketPath} (${code})`);
  }
}

/** Sends `req` and resolves with the server's response; rejects only with a ControlClientError. */
export function request(
  socketPath: string,
  req: ControlRequest,
  opts: RequestOptions,
): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    let connected = false;
    let settled = false;
    let received = '';
    const socket = net.connect(socketPath);
    const finish = (outcome: ControlResponse | ControlClientError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (outcome instanceof ControlClientError) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(() => {
      finish(
        new ControlClientError(
          'timeout',
          connected
            ? `no answer from ${socketPath} within ${opts.timeoutMs} ms`
            : `cannot connect to ${socketPath} within ${opts.timeoutMs} ms`,
        ),
      );
    }, opts.timeoutMs);

    socket.setEncoding('utf8');
    socket.on('connect', () => {
      connected = true;
      socket.write(encodeLine(req));
    });
    socket.on('data', (chunk: string) => {
      received += chunk;
      const newline = received.indexOf('\n');
      if (newline !== -1) {
        const parsed = parseResponse(received.slice(0, newline));
        finish(
          parsed.ok
            ? parsed.value
            : new ControlClientError('protocol', `${socketPath}: ${parsed.error}`),
        );
      } else if (received.length > MAX_RESPONSE_BYTES) {
        finish(
          new ControlClientError(
            'protocol',
            `${socketPath}: response larger than ${MAX_RESPONSE_BYTES} bytes`,
          ),
        );
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      finish(
        connected
          ? new ControlClientError('protocol', `${socketPath}: ${error.code ?? error.message}`)
          : connectError(socketPath, error),
      );
    });
    socket.on('close', () => {
      finish(
        new ControlClientError('protocol', `${socketPath} closed the connection without an answer`),
      );
    });
  });
}
