// BIRD's control socket: one command, its numbered reply read to the end, an error when BIRD refused.
import { createConnection } from 'node:net';

/** The last reply line: a code (0xxx success, 8xxx and 9xxx errors) and its text. */
export interface BirdReply {
  readonly code: string;
  readonly text: string;
  /** Every line of the reply, codes removed. */
  readonly lines: readonly string[];
}

const MAX_REPLY = 256 * 1024;

/** Parses the replies to one command; null until the final line (`NNNN text`) arrived. */
export function parseBirdReply(text: string): BirdReply | null {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    const numbered = /^(\d{4})([ -])(.*)$/.exec(line);
    if (numbered === null) {
      if (line.startsWith(' ')) lines.push(line.slice(1));
      continue;
    }
    const [, code = '', separator, rest = ''] = numbered;
    lines.push(rest);
    if (separator === ' ') return { code, text: rest, lines };
  }
  return null;
}

/** Sends `command` on BIRD's control socket and resolves with the reply to it; rejects on a failure. */
export function birdCommand(
  socket: string,
  command: string,
  timeoutMs: number,
): Promise<BirdReply> {
  return new Promise((resolve, reject) => {
    const connection = createConnection(socket);
    let buffer = '';
    let greeted = false;
    const finish = (error: Error | null, reply?: BirdReply) => {
      clearTimeout(timer);
      connection.destroy();
      if (error) reject(error);
      else resolve(reply!);
    };
    const timer = setTimeout(
      () => finish(new Error(`no answer from BIRD on ${socket} within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    connection.setEncoding('utf8');
    connection.on('error', (error: NodeJS.ErrnoException) =>
      finish(new Error(`cannot talk to BIRD on ${socket}: ${error.code ?? error.message}`)),
    );
    connection.on('close', () => finish(new Error(`BIRD closed ${socket} before answering`)));
    connection.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_REPLY) return finish(new Error('BIRD sent an oversized reply'));
      const reply = parseBirdReply(buffer);
      if (reply === null) return;
      if (!greeted) {
        // The greeting, "0001 BIRD 2.0.12 ready.", comes before anything is asked.
        greeted = true;
        buffer = '';
        connection.write(`${command}\n`);
        return;
      }
      finish(null, reply);
    });
  });
}

/** Asks BIRD to read its configuration again; rejects with BIRD's own words when it refused. */
export async function birdConfigure(socket: string, timeoutMs: number): Promise<BirdReply> {
  const reply = await birdCommand(socket, 'configure', timeoutMs);
  if (!reply.code.startsWith('0'))
    throw new Error(`BIRD refused the configuration: ${reply.lines.join('; ')}`);
  return reply;
}
