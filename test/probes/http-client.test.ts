// The HTTP client: the request bytes it writes, and one connection against real servers on 127.0.0.1.
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpConnection, requestBytes, type Request } from '../../src/probes/http-client.js';
import { closedPort, startTcpServer, waitFor, type Running } from '../support/servers.js';

interface Parsed {
  readonly line: string;
  /** Header names lower-cased, each with the values it was sent with, in order. */
  readonly headers: Record<string, string[]>;
  readonly names: string[];
}

/** Reads request bytes as a server would: the request line and the headers, ending in a blank line. */
function parse(bytes: Buffer): Parsed {
  const text = bytes.toString('latin1');
  expect(text.endsWith('\r\n\r\n')).toBe(true);
  const [line = '', ...rest] = text.slice(0, -4).split('\r\n');
  const headers: Record<string, string[]> = {};
  const names: string[] = [];
  for (const header of rest) {
    const match = /^([^:]+): (.*)$/.exec(header);
    expect(match, `header line ${JSON.stringify(header)}`).not.toBeNull();
    const [, name = '', value = ''] = match ?? [];
    names.push(name);
    (headers[name.toLowerCase()] ??= []).push(value);
  }
  return { line, headers, names };
}

function request(
  method: string,
  url: string,
  headers: Record<string, string> = {},
  keep = false,
): Parsed {
  return parse(requestBytes(method, new URL(url), headers, keep, 'probe/1'));
}

describe('request bytes', () => {
  it('writes the method, path and query, the Host and User-Agent, and closes by default', () => {
    expect(request('GET', 'http://web.test:8080/a/b?x=1&y=2')).toEqual({
      line: 'GET /a/b?x=1&y=2 HTTP/1.1',
      headers: { host: ['web.test:8080'], 'user-agent': ['probe/1'], connection: ['close'] },
      names: ['Host', 'User-Agent', 'Connection'],
    });
  });

  it('asks to keep the connection when it is kept', () => {
    expect(request('GET', 'http://web.test/', {}, true).headers.connection).toEqual(['keep-alive']);
  });

  it("sends the user's headers as given, instead of its own of the same name in any case", () => {
    const given = {
      HOST: 'other.test',
      'user-AGENT': 'mine',
      connection: 'Upgrade',
      'X-Token': 'a b:c',
    };
    const parsed = request('GET', 'http://web.test/', given, true);
    expect(parsed.headers).toEqual({
      host: ['other.test'],
      'user-agent': ['mine'],
      connection: ['Upgrade'],
      'x-token': ['a b:c'],
    });
    expect(parsed.names).toEqual(['HOST', 'user-AGENT', 'connection', 'X-Token']);
  });

  it('says the empty body of a method that may carry one, unless a length is given', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'PROPFIND']) {
      expect(request(method, 'http://web.test/').headers['content-length']).toEqual(['0']);
    }
    const given = request('POST', 'http://web.test/', { 'Content-Length': '0' });
    expect(given.headers['content-length']).toEqual(['0']);
    for (const method of ['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']) {
      expect(request(method, 'http://web.test/').headers['content-length']).toBeUndefined();
    }
  });

  it('writes a header value as Latin-1, one byte per character, tabs included', () => {
    const bytes = requestBytes(
      'GET',
      new URL('http://web.test/'),
      { 'X-Name': 'caf\u00e9\tb' },
      false,
      'probe/1',
    );
    expect(
      bytes.includes(
        Buffer.from([
          0x58, 0x2d, 0x4e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x09, 0x62, 0x0d,
          0x0a,
        ]),
      ),
    ).toBe(true);
  });

  it('writes the path of a URL without one as /', () => {
    expect(request('HEAD', 'http://web.test').line).toBe('HEAD / HTTP/1.1');
  });

  it('refuses a method or header name that is not a token, and a value that would split the request', () => {
    const bytes = (method: string, headers: Record<string, string>) => () =>
      requestBytes(method, new URL('http://web.test/'), headers, false, 'probe/1');
    expect(bytes('GET /x', {})).toThrow("invalid method 'GET /x'");
    expect(bytes('', {})).toThrow("invalid method ''");
    expect(bytes('GET\r\n', {})).toThrow("invalid method 'GET\r\n'");
    expect(bytes('GET', { 'X Y': 'v' })).toThrow("invalid header 'X Y'");
    expect(bytes('GET', { '': 'v' })).toThrow("invalid header ''");
    expect(bytes('GET', { 'X-A\n': 'v' })).toThrow("invalid header 'X-A\n'");
    expect(bytes('GET', { 'X-A': 'v\r\nEvil: 1' })).toThrow("invalid header 'X-A'");
    expect(bytes('GET', { 'X-A': 'v\nEvil: 1' })).toThrow("invalid header 'X-A'");
    expect(bytes('GET', { 'X-A': 'v\0' })).toThrow("invalid header 'X-A'");
    expect(bytes('GET', { 'X-A': 'v\x01' })).toThrow("invalid header 'X-A'");
    expect(bytes('GET', { 'X-A': 'price €' })).toThrow("invalid header 'X-A'");
    // Every token character is allowed in a name and a method.
    expect(bytes("M!#$%&'*+.^_`|~09az-AZ", { "N!#$%&'*+.^_`|~09az-AZ": 'v' })).not.toThrow();
  });
});

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

const GET: Request = {
  bytes: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
  head: false,
  wantBody: () => true,
};
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

/** A server that gives each connection's requests, numbered from 1, to `answer`. */
async function serve(answer: (socket: Socket, request: number, connection: number) => void) {
  let connections = 0;
  const server = await startTcpServer((socket) => {
    const connection = ++connections;
    let requests = 0;
    socket.on('data', (chunk: Buffer) => {
      if (chunk.includes('\r\n\r\n')) answer(socket, ++requests, connection);
    });
  });
  running.push(server);
  return server;
}

function endpoint(port: number, secure = false) {
  return { host: '127.0.0.1', port, secure, servername: undefined, tlsVerify: false };
}

describe('http connection', () => {
  it('keeps its connection for the next request while the server allows', async () => {
    const server = await serve((socket) => socket.write(OK));
    const connection = new HttpConnection(endpoint(server.port), true);
    const signal = new AbortController().signal;
    for (let i = 0; i < 3; i++) {
      expect(await connection.send(GET, signal)).toMatchObject({ ok: true });
    }
    expect(server.accepted()).toBe(1);
    connection.close();
    expect(await waitFor(() => server.open() === 0)).toBe(true);
  });

  it.each([
    ['closes a connection that is not kept after each response', false, 'write'],
    ['opens a new connection when the server closed the kept one while idle', true, 'end'],
  ] as const)('%s', async (_title, keep, answer) => {
    const server = await serve((socket) => socket[answer](OK));
    const connection = new HttpConnection(endpoint(server.port), keep);
    const signal = new AbortController().signal;
    expect(await connection.send(GET, signal)).toMatchObject({ ok: true });
    expect(await waitFor(() => server.open() === 0)).toBe(true);
    expect(await connection.send(GET, signal)).toMatchObject({ ok: true });
    expect(server.accepted()).toBe(2);
  });

  it('retries on a new connection only a kept one that failed before any byte of an answer', async () => {
    // The first connection answers its first request, then hangs up on the next.
    const silent = await serve((socket, request, number) => {
      if (number === 1 && request === 2) socket.destroy();
      else socket.write(OK);
    });
    const kept = new HttpConnection(endpoint(silent.port), true);
    const signal = new AbortController().signal;
    expect(await kept.send(GET, signal)).toMatchObject({ ok: true });
    expect(await kept.send(GET, signal)).toMatchObject({ ok: true });
    expect(silent.accepted()).toBe(2);
    kept.close();

    // Here it hangs up in the middle of the second answer: that failure is the server's.
    const partial = await serve((socket, request) => {
      if (request === 2) socket.end('HTTP/1.1 200 OK\r\n');
      else socket.write(OK);
    });
    const broken = new HttpConnection(endpoint(partial.port), true);
    expect(await broken.send(GET, signal)).toMatchObject({ ok: true });
    expect(await broken.send(GET, signal)).toEqual({
      ok: false,
      reason: 'connection closed before a response',
      stale: false,
    });
    expect(partial.accepted()).toBe(1);
  });

  it('does not retry a fresh connection that fails', async () => {
    const server = await serve((socket) => socket.destroy());
    const connection = new HttpConnection(endpoint(server.port), true);
    const answer = await connection.send(GET, new AbortController().signal);
    expect(answer).toMatchObject({ ok: false, stale: false });
    expect(server.accepted()).toBe(1);
  });

  it('gives up at once, without a retry, when aborted on a kept connection', async () => {
    const server = await serve((socket, request) => {
      if (request === 1) socket.write(OK);
    });
    const connection = new HttpConnection(endpoint(server.port), true);
    expect(await connection.send(GET, new AbortController().signal)).toMatchObject({ ok: true });
    const controller = new AbortController();
    const pending = connection.send(GET, controller.signal);
    expect(await waitFor(() => server.open() === 1)).toBe(true);
    controller.abort();
    expect(await pending).toEqual({ ok: false, reason: 'aborted', stale: true });
    expect(await waitFor(() => server.open() === 0)).toBe(true);
    expect(server.accepted()).toBe(1);
  });

  it('gives the detail of an invalid response', async () => {
    const server = await serve((socket) => socket.write('HTTP/1.1 2000 OK\r\n\r\n'));
    const connection = new HttpConnection(endpoint(server.port), true);
    expect(await connection.send(GET, new AbortController().signal)).toEqual({
      ok: false,
      reason: 'invalid HTTP response',
      detail: 'bad status line "HTTP/1.1 2000 OK"',
      stale: false,
    });
  });

  it('names a refused https connection as such, not as a TLS failure', async () => {
    const port = await closedPort();
    const connection = new HttpConnection(endpoint(port, true), false);
    expect(await connection.send(GET, new AbortController().signal)).toStrictEqual({
      ok: false,
      reason: `connect ECONNREFUSED 127.0.0.1:${port}`,
      stale: false,
    });
  });

  it('names a failed TLS handshake a TLS failure', async () => {
    const server = await startTcpServer((socket) => socket.end('not TLS at all\r\n'));
    running.push(server);
    const connection = new HttpConnection(endpoint(server.port, true), false);
    const answer = await connection.send(GET, new AbortController().signal);
    expect(answer.ok ? '' : answer.reason).toMatch(/^TLS: /);
  });
});
