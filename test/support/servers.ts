// Real local servers for probe tests: HTTP(S), raw TCP and DNS on 127.0.0.1, each on a port of its own.
import { execFileSync } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dnsPacket from 'dns-packet';

export const LOOPBACK = '127.0.0.1';

/** Which connections a server accepted and which of them are still open. */
export interface ConnectionLog {
  readonly accepted: () => number;
  readonly open: () => number;
}

export interface Running extends ConnectionLog {
  readonly port: number;
  close(): Promise<void>;
}

/** Polls `predicate` until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(
  predicate: () => boolean,
  { timeoutMs = 5000, intervalMs = 10 } = {},
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return true;
}

function track(server: Server | http.Server): { log: ConnectionLog; sockets: Set<Socket> } {
  const sockets = new Set<Socket>();
  let accepted = 0;
  // A TLS server reports its raw TCP sockets here too, which is what "open" should count.
  server.on('connection', (socket: Socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return { log: { accepted: () => accepted, open: () => sockets.size }, sockets };
}

function listen(server: Server | http.Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('no port'));
      else resolve(address.port);
    });
  });
}

function closeServer(server: Server | http.Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface HttpRunning extends Running {
  /** `http://127.0.0.1:PORT` (or https). */
  readonly origin: string;
}

/** An HTTP server answering with `handler`. */
export async function startHttpServer(handler: http.RequestListener): Promise<HttpRunning> {
  const server = http.createServer(handler);
  const { log, sockets } = track(server);
  const port = await listen(server);
  return {
    ...log,
    port,
    origin: `http://${LOOPBACK}:${port}`,
    close: () => closeServer(server, sockets),
  };
}

export interface Certificate {
  readonly key: string;
  readonly cert: string;
}

/** A self-signed certificate for localhost and 127.0.0.1 made by openssl, or why there is none. */
export function selfSignedCertificate(): Certificate | { readonly missing: string } {
  const dir = mkdtempSync(join(tmpdir(), `probes-tls-${process.pid}-`));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,DNS:probe.test,IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } catch (error) {
    return { missing: `openssl could not make a certificate: ${String(error)}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface HttpsRunning extends HttpRunning {
  /** The SNI names clients sent, in order. */
  readonly serverNames: readonly (string | false)[];
}

/** An HTTPS server with `certificate`, answering with `handler`. */
export async function startHttpsServer(
  certificate: Certificate,
  handler: http.RequestListener,
): Promise<HttpsRunning> {
  const server = https.createServer({ key: certificate.key, cert: certificate.cert }, handler);
  const serverNames: (string | false)[] = [];
  server.on('secureConnection', (socket: { servername: string | false }) =>
    serverNames.push(socket.servername),
  );
  const { log, sockets } = track(server);
  const port = await listen(server);
  return {
    ...log,
    port,
    serverNames,
    origin: `https://${LOOPBACK}:${port}`,
    close: () => closeServer(server, sockets),
  };
}

/** A raw TCP server: `onConnection` decides what each connection gets (garbage, silence, a reset). */
export async function startTcpServer(onConnection: (socket: Socket) => void): Promise<Running> {
  const server = createServer((socket) => {
    // A probe that hangs up first makes writes fail; that is expected here.
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  const { log, sockets } = track(server);
  const port = await listen(server);
  return { ...log, port, close: () => closeServer(server, sockets) };
}

/** A port on which nothing listens: bound, read, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** How the DNS server answers one question. */
export interface DnsReply {
  readonly rcode?: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED';
  readonly answers?: dnsPacket.Answer[];
  /** Over UDP, answer with TC set and no records, so the client must retry over TCP. */
  readonly truncateUdp?: boolean;
  /** Never answer. */
  readonly silent?: boolean;
  /** Answer first with a wrong id (which the client must ignore), then correctly. */
  readonly wrongIdFirst?: boolean;
  /** Answer with bytes that are not a DNS message. */
  readonly garbage?: boolean;
  /** Answer over TCP with bytes that are not a DNS message. */
  readonly garbageOverTcp?: boolean;
  /** Over TCP, write the answer a byte at a time. */
  readonly tcpInPieces?: boolean;
}

export interface DnsQuery {
  readonly transport: 'udp' | 'tcp';
  readonly id: number;
  readonly name: string;
  readonly type: string;
}

export interface DnsRunning {
  readonly port: number;
  readonly queries: readonly DnsQuery[];
  close(): Promise<void>;
}

const RCODE_VALUES = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

function responseTo(query: dnsPacket.DecodedPacket, reply: DnsReply, truncated: boolean): Buffer {
  const rcode = RCODE_VALUES[reply.rcode ?? 'NOERROR'];
  return dnsPacket.encode({
    type: 'response',
    id: query.id ?? 0,
    flags:
      dnsPacket.AUTHORITATIVE_ANSWER |
      ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) |
      (truncated ? dnsPacket.TRUNCATED_RESPONSE : 0) |
      rcode,
    questions: query.questions ?? [],
    answers: truncated ? [] : (reply.answers ?? []),
  });
}

/** A REFUSED answer to `query` under another query id, which the client must ignore. */
function wrongIdAnswer(query: dnsPacket.DecodedPacket): Buffer {
  return responseTo({ ...query, id: ((query.id ?? 0) + 1) & 0xffff }, { rcode: 'REFUSED' }, false);
}

/** A DNS message over TCP: its 2-byte length, then the message. */
function framed(message: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
}

/** Writes `bytes` one at a time, each after the last was flushed, so the peer reads them in pieces. */
function writeInPieces(socket: Socket, bytes: Buffer, at = 0): void {
  if (at >= bytes.length || socket.destroyed) return;
  socket.write(bytes.subarray(at, at + 1), () =>
    setImmediate(() => writeInPieces(socket, bytes, at + 1)),
  );
}

/** A DNS server on UDP and TCP of one port; `answer` decides the reply to each question. */
export async function startDnsServer(
  answer: (question: dnsPacket.Question) => DnsReply,
): Promise<DnsRunning> {
  const queries: DnsQuery[] = [];
  const understand = (
    message: Buffer,
    transport: 'udp' | 'tcp',
  ): { query: dnsPacket.DecodedPacket; reply: DnsReply } | undefined => {
    const query = dnsPacket.decode(message);
    const question = query.questions?.[0];
    if (question === undefined) return undefined;
    queries.push({ transport, id: query.id ?? 0, name: question.name, type: question.type });
    return { query, reply: answer(question) };
  };

  const tcpSockets = new Set<Socket>();
  const tcp = createServer((socket) => {
    tcpSockets.add(socket);
    socket.on('close', () => tcpSockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const message = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + message.length);
        const understood = understand(message, 'tcp');
        if (understood === undefined || understood.reply.silent) continue;
        const { query, reply } = understood;
        const body =
          reply.garbage || reply.garbageOverTcp
            ? Buffer.from('garbage')
            : responseTo(query, reply, false);
        // A wrong id first, as over UDP: in the same write, so the two share a chunk.
        const wrong = reply.wrongIdFirst ? [framed(wrongIdAnswer(query))] : [];
        const bytes = Buffer.concat([...wrong, framed(body)]);
        if (reply.tcpInPieces) writeInPieces(socket, bytes);
        else socket.write(bytes);
      }
    });
  });

  const onUdp = (
    udp: UdpSocket,
    message: Buffer,
    peer: { port: number; address: string },
  ): void => {
    const understood = understand(message, 'udp');
    if (understood === undefined || understood.reply.silent) return;
    const { query, reply } = understood;
    const send = (bytes: Buffer): void => udp.send(bytes, peer.port, peer.address);
    if (reply.garbage) {
      send(Buffer.from('garbage'));
      return;
    }
    if (reply.wrongIdFirst) {
      send(wrongIdAnswer(query));
    }
    send(responseTo(query, reply, reply.truncateUdp === true));
  };

  const { udp, port } = await bindBoth(onUdp, tcp);
  return {
    port,
    queries,
    close: async () => {
      for (const socket of tcpSockets) socket.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    },
  };
}

/** Binds UDP to a free port, then TCP to the same number, retrying when that TCP port is taken. */
async function bindBoth(
  onMessage: (udp: UdpSocket, message: Buffer, peer: { port: number; address: string }) => void,
  tcp: Server,
): Promise<{ udp: UdpSocket; port: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = createSocket('udp4');
    udp.on('message', (message, peer) => onMessage(udp, message, peer));
    await new Promise<void>((resolve) => udp.bind(0, LOOPBACK, resolve));
    const port = udp.address().port;
    try {
      return { udp, port: await listen(tcp, port) };
    } catch {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    }
  }
  throw new Error('no port free for both UDP and TCP');
}

/** A UDP socket that receives queries and never answers. */
export async function startSilentUdpServer(): Promise<{ port: number; close(): Promise<void> }> {
  const udp = createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(0, LOOPBACK, resolve));
  return {
    port: udp.address().port,
    close: () => new Promise<void>((resolve) => udp.close(() => resolve())),
  };
}
