// The dns probe: one query to one server over UDP, retried over TCP when the answer is truncated.
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect, isIP } from 'node:net';
import type * as dnsPacket from 'dns-packet';
import ipaddr from 'ipaddr.js';
import type { Probe } from '../core/probe.js';
import type { DnsCheck } from '../core/service.js';
import { errorMessage, withDeadline, type Cancellation, type Outcome } from './deadline.js';

import { DNS_RCODES, DNS_TYPES } from '../core/dns.js';

export { DNS_RCODES, DNS_TYPES };
export type DnsType = (typeof DNS_TYPES)[number];

export const DEFAULT_DNS_PORT = 53;
/** Types whose answer is an address or a name: `expectAnswer` must equal it rather than be contained. */
const ADDRESS_TYPES = new Set(['A', 'AAAA']);
const NAME_TYPES = new Set(['CNAME', 'DNAME', 'NS', 'PTR']);

type Reply = { readonly packet: dnsPacket.DecodedPacket } | { readonly failed: Outcome };
/** What the probe uses of dns-packet. */
type Codec = Pick<typeof dnsPacket, 'encode' | 'decode' | 'streamEncode' | 'RECURSION_DESIRED'>;

let codec: Promise<Codec> | undefined;
/**
 * The packet codec, loaded by the first DNS check: a process without one never reads it.
 * dns-packet is CommonJS: its `module.exports` is the default export both under Node and in the
 * bundle, whose chunk for it has no named exports at all, so only `default` is read.
 */
const loadCodec = (): Promise<Codec> =>
  (codec ??= import('dns-packet').then((module) => module.default));

/**
 * Healthy when `server` answers `name`/`type` with `expectRcode` (default NOERROR) and, with
 * `expectAnswer`, one record of the answer section equals it (A, AAAA by address; CNAME, NS, PTR,
 * DNAME by name, case and final dot ignored) or, for other types, contains it in its text form
 * (TXT strings joined; MX "10 mx.example."; SRV "prio weight port target"; SOA "mname rname serial ...").
 */
export function dnsProbe(spec: DnsCheck, timeoutMs: number): Probe {
  return (signal) => withDeadline(signal, timeoutMs, (inner) => run(spec, inner));
}

async function run(spec: DnsCheck, signal: Cancellation): Promise<Outcome> {
  const type = spec.type.toUpperCase();
  const expectRcode = (spec.expectRcode === '' ? 'NOERROR' : spec.expectRcode).toUpperCase();
  if (!(DNS_TYPES as readonly string[]).includes(type)) {
    return { ok: false, reason: `unsupported DNS type '${spec.type}'` };
  }
  if (!(DNS_RCODES as readonly string[]).includes(expectRcode)) {
    return { ok: false, reason: `unknown rcode '${spec.expectRcode}'` };
  }
  const name = spec.name.replace(/\.$/, '');
  const id = randomInt(0, 0x10000);
  const packets = await loadCodec();
  const query: dnsPacket.Packet = {
    type: 'query',
    id,
    flags: packets.RECURSION_DESIRED,
    questions: [{ type: type as DnsType, name, class: 'IN' }],
  };
  const target = { server: spec.server, port: spec.port || DEFAULT_DNS_PORT };
  const expectation = { id, name, type };

  let reply = await overUdp(target, packets.encode(query), expectation, packets, signal);
  let transport = 'UDP';
  if ('packet' in reply && reply.packet.flag_tc) {
    reply = await overTcp(target, packets.streamEncode(query), expectation, packets, signal);
    transport = 'TCP';
  }
  if ('failed' in reply) return reply.failed;
  return judge(spec, type, expectRcode, reply.packet, transport);
}

function judge(
  spec: DnsCheck,
  type: string,
  expectRcode: string,
  packet: dnsPacket.DecodedPacket,
  transport: string,
): Outcome {
  const rcode = rcodeName((packet.flags ?? 0) & 0xf);
  if (rcode !== expectRcode)
    return { ok: false, reason: `rcode ${rcode} (expected ${expectRcode})` };
  const answers = packet.answers ?? [];
  const count = `${answers.length} answer${answers.length === 1 ? '' : 's'} over ${transport}`;
  if (spec.expectAnswer === undefined) return { ok: true, detail: `${rcode}, ${count}` };
  const expected = spec.expectAnswer;
  const texts = answers.map((answer) => ({ type: answer.type, text: answerText(answer) }));
  if (texts.some((answer) => answerMatches(answer.type, answer.text, expected))) {
    return { ok: true, detail: `${rcode}, ${count}` };
  }
  const seen = texts.map((answer) => `${answer.type} ${answer.text}`).join('; ');
  return {
    ok: false,
    reason: `no answer matching '${expected}'`,
    detail: answers.length === 0 ? `no ${type} answer` : `answers: ${seen}`,
  };
}

function rcodeName(value: number): string {
  return DNS_RCODES[value] ?? `RCODE_${value}`;
}

function answerMatches(type: string, text: string, expected: string): boolean {
  if (ADDRESS_TYPES.has(type)) {
    if (!ipaddr.isValid(text) || !ipaddr.isValid(expected)) return text === expected;
    return ipaddr.parse(text).toNormalizedString() === ipaddr.parse(expected).toNormalizedString();
  }
  if (NAME_TYPES.has(type)) return sameName(text, expected);
  return text.includes(expected);
}

function sameName(a: string, b: string): boolean {
  return a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();
}

/** A record's data as one line of text, the form `expectAnswer` is compared with. */
export function answerText(answer: dnsPacket.Answer): string {
  if (answer.type === 'OPT') return '';
  const data: unknown = answer.data;
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('hex');
  if (Array.isArray(data)) {
    return data
      .map((part) => (Buffer.isBuffer(part) ? part.toString('utf8') : String(part)))
      .join('');
  }
  switch (answer.type) {
    case 'MX':
      return `${answer.data.preference ?? 0} ${answer.data.exchange}`;
    case 'SRV':
      return `${answer.data.priority ?? 0} ${answer.data.weight ?? 0} ${answer.data.port} ${answer.data.target}`;
    case 'SOA': {
      const soa = answer.data;
      return `${soa.mname} ${soa.rname} ${soa.serial ?? 0} ${soa.refresh ?? 0} ${soa.retry ?? 0} ${soa.expire ?? 0} ${soa.minimum ?? 0}`;
    }
    default:
      // A Buffer's toJSON runs before the replacer sees the value: the holder still has the Buffer.
      return JSON.stringify(data, function (this: Record<string, unknown>, key, value: unknown) {
        const original = this[key];
        return Buffer.isBuffer(original) ? original.toString('hex') : value;
      });
  }
}

interface Target {
  readonly server: string;
  readonly port: number;
}

interface Expectation {
  readonly id: number;
  readonly name: string;
  readonly type: string;
}

/** Only a response to our own question counts: a stray or spoofed packet is ignored. */
function answersUs(packet: dnsPacket.DecodedPacket, expected: Expectation): boolean {
  const question = packet.questions?.[0];
  return (
    packet.type === 'response' &&
    packet.id === expected.id &&
    question !== undefined &&
    question.type === expected.type &&
    sameName(question.name, expected.name)
  );
}

function overUdp(
  target: Target,
  query: Buffer,
  expected: Expectation,
  packets: Codec,
  signal: Cancellation,
): Promise<Reply> {
  return new Promise((resolve) => {
    const socket = createSocket(isIP(target.server) === 6 ? 'udp6' : 'udp4');
    let settled = false;
    const finish = (reply: Reply): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      try {
        socket.close();
      } catch {
        // Already closed by an error: nothing left to release.
      }
      resolve(reply);
    };
    const onAbort = (): void => finish({ failed: { ok: false, reason: 'aborted' } });
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (error) =>
      finish({
        failed: { ok: false, reason: `${error.message} ${endpoint(target)}` },
      }),
    );
    socket.on('message', (message) => {
      let packet: dnsPacket.DecodedPacket;
      try {
        packet = packets.decode(message);
      } catch (error) {
        finish({
          failed: { ok: false, reason: 'invalid DNS response', detail: errorMessage(error) },
        });
        return;
      }
      if (answersUs(packet, expected)) finish({ packet });
    });
    // A connected socket only receives the server's packets and reports its ICMP "port unreachable".
    socket.connect(target.port, target.server, () => {
      if (!settled) socket.send(query);
    });
  });
}

function overTcp(
  target: Target,
  framedQuery: Buffer,
  expected: Expectation,
  packets: Codec,
  signal: Cancellation,
): Promise<Reply> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.server, port: target.port });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (reply: Reply): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(reply);
    };
    const fail = (reason: string, detail?: string): void =>
      finish({
        failed: detail === undefined ? { ok: false, reason } : { ok: false, reason, detail },
      });
    const onAbort = (): void => fail('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('connect', () => socket.write(framedQuery));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // Each message is framed by a 2-byte length, so a reply is at most 65537 bytes.
      while (received.length >= 2) {
        const length = received.readUInt16BE(0);
        if (received.length < 2 + length) return;
        const message = received.subarray(2, 2 + length);
        received = received.subarray(2 + length);
        let packet: dnsPacket.DecodedPacket;
        try {
          packet = packets.decode(message);
        } catch (error) {
          fail('invalid DNS response over TCP', errorMessage(error));
          return;
        }
        if (answersUs(packet, expected)) {
          finish({ packet });
          return;
        }
      }
    });
    socket.on('error', (error) => fail(`TCP fallback: ${error.message}`));
    socket.on('close', () => fail('TCP fallback: connection closed before an answer'));
  });
}

function endpoint(target: Target): string {
  return isIP(target.server) === 6
    ? `[${target.server}]:${target.port}`
    : `${target.server}:${target.port}`;
}
