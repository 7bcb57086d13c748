// The dns probe against a real dns-packet server on 127.0.0.1 (UDP and TCP).
import { createSocket } from 'node:dgram';
import type { Answer } from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../src/core/probe.js';
import type { DnsCheck } from '../../src/core/service.js';
import { answerText, dnsProbe } from '../../src/probes/dns.js';
import {
  startDnsServer,
  startSilentUdpServer,
  type DnsReply,
  type DnsRunning,
} from '../support/servers.js';

const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

const ZONE: Record<string, DnsReply> = {
  'www.example.test/A': { answers: [a('www.example.test', '192.0.2.1')] },
  'ten.example.test/A': { answers: [a('ten.example.test', '192.0.2.10')] },
  'v6.example.test/AAAA': {
    answers: [{ type: 'AAAA', name: 'v6.example.test', ttl: 60, data: '2001:db8::1' }],
  },
  'txt.example.test/TXT': {
    answers: [{ type: 'TXT', name: 'txt.example.test', ttl: 60, data: ['v=spf1 ', '-all'] }],
  },
  'example.test/MX': {
    answers: [
      {
        type: 'MX',
        name: 'example.test',
        ttl: 60,
        data: { preference: 10, exchange: 'mx.example.test' },
      },
    ],
  },
  'broken.example.test/A': { rcode: 'SERVFAIL' },
  'big.example.test/A': {
    truncateUdp: true,
    answers: Array.from({ length: 40 }, (_, index) => a('big.example.test', `198.51.100.${index}`)),
  },
  'spoofed.example.test/A': {
    wrongIdFirst: true,
    answers: [a('spoofed.example.test', '192.0.2.7')],
  },
  'garbage.example.test/A': { garbage: true },
  'badtcp.example.test/A': { truncateUdp: true, garbageOverTcp: true },
  'spoofedtcp.example.test/A': {
    truncateUdp: true,
    wrongIdFirst: true,
    answers: [a('spoofedtcp.example.test', '192.0.2.8')],
  },
  'slowtcp.example.test/A': {
    truncateUdp: true,
    tcpInPieces: true,
    answers: [a('slowtcp.example.test', '192.0.2.9')],
  },
  'quiet.example.test/A': { silent: true },
  'alias.example.test/CNAME': {
    answers: [{ type: 'CNAME', name: 'alias.example.test', ttl: 60, data: 'WWW.Example.test' }],
  },
  'example.test/NS': {
    answers: [{ type: 'NS', name: 'example.test', ttl: 60, data: 'NS1.Example.test' }],
  },
  '1.2.0.192.in-addr.arpa/PTR': {
    answers: [{ type: 'PTR', name: '1.2.0.192.in-addr.arpa', ttl: 60, data: 'Host.Example.test' }],
  },
  'old.example.test/DNAME': {
    answers: [{ type: 'DNAME', name: 'old.example.test', ttl: 60, data: 'New.Example.test' }],
  },
  'empty.example.test/A': { answers: [] },
  'two.example.test/A': {
    answers: [a('two.example.test', '192.0.2.21'), a('two.example.test', '192.0.2.22')],
  },
};

function a(name: string, address: string): Answer {
  return { type: 'A', name, ttl: 60, data: address };
}

async function serveZone(): Promise<DnsRunning> {
  const server = await startDnsServer(
    (question) => ZONE[`${question.name}/${question.type}`] ?? { rcode: 'NXDOMAIN' },
  );
  running.push(server);
  return server;
}

function check(port: number, name: string, extra: Partial<DnsCheck> = {}): DnsCheck {
  return {
    kind: 'dns',
    server: '127.0.0.1',
    port,
    name,
    type: 'A',
    expectRcode: 'NOERROR',
    ...extra,
  };
}

function probe(spec: DnsCheck, timeoutMs = 5000): Promise<ProbeResult> {
  return dnsProbe(spec, timeoutMs)(new AbortController().signal);
}

function reasonOf(result: ProbeResult): string | undefined {
  return result.ok ? undefined : result.reason;
}

describe('dns probe: answers', () => {
  it('passes when the server answers NOERROR over UDP', async () => {
    const server = await serveZone();
    const result = await probe(check(server.port, 'www.example.test'));
    expect(result).toMatchObject({ ok: true, detail: 'NOERROR, 1 answer over UDP' });
    expect(server.queries).toMatchObject([
      { transport: 'udp', name: 'www.example.test', type: 'A' },
    ]);
  });

  it('passes when an address answer equals the expected one, and fails on another', async () => {
    const server = await serveZone();
    const expectAnswer = '192.0.2.1';
    expect((await probe(check(server.port, 'www.example.test.', { expectAnswer }))).ok).toBe(true);
    expect(await probe(check(server.port, 'ten.example.test', { expectAnswer }))).toMatchObject({
      ok: false,
      reason: "no answer matching '192.0.2.1'",
      detail: 'answers: A 192.0.2.10',
    });
  });

  it('compares IPv6 answers by address, not by spelling', async () => {
    const server = await serveZone();
    const spec = check(server.port, 'v6.example.test', {
      type: 'aaaa',
      expectAnswer: '2001:0db8:0:0::1',
    });
    expect((await probe(spec)).ok).toBe(true);
  });

  it('passes when a TXT or MX answer contains the expected text', async () => {
    const server = await serveZone();
    const txt = check(server.port, 'txt.example.test', { type: 'TXT', expectAnswer: 'spf1 -all' });
    expect((await probe(txt)).ok).toBe(true);
    const mx = check(server.port, 'example.test', {
      type: 'MX',
      expectAnswer: '10 mx.example.test',
    });
    expect((await probe(mx)).ok).toBe(true);
    const absent = check(server.port, 'txt.example.test', { type: 'TXT', expectAnswer: 'DKIM' });
    expect(reasonOf(await probe(absent))).toBe("no answer matching 'DKIM'");
  });

  it('fails naming the rcode when the name does not exist', async () => {
    const server = await serveZone();
    expect(reasonOf(await probe(check(server.port, 'nosuch.example.test')))).toBe(
      'rcode NXDOMAIN (expected NOERROR)',
    );
  });

  it('passes on NXDOMAIN when that is the expected rcode', async () => {
    const server = await serveZone();
    const spec = check(server.port, 'nosuch.example.test', { expectRcode: 'nxdomain' });
    expect((await probe(spec)).ok).toBe(true);
  });

  it('fails naming the rcode when the server answers SERVFAIL', async () => {
    const server = await serveZone();
    expect(reasonOf(await probe(check(server.port, 'broken.example.test')))).toBe(
      'rcode SERVFAIL (expected NOERROR)',
    );
  });
});

describe('dns probe: matching answers', () => {
  it('compares a name answer by name, ignoring case and the final dot', async () => {
    const server = await serveZone();
    const alias = (expectAnswer: string): DnsCheck =>
      check(server.port, 'alias.example.test', { type: 'CNAME', expectAnswer });
    expect((await probe(alias('www.example.test.'))).ok).toBe(true);
    expect((await probe(alias('WWW.EXAMPLE.TEST'))).ok).toBe(true);
    const named: [string, string, string][] = [
      ['example.test', 'NS', 'ns1.example.test.'],
      ['1.2.0.192.in-addr.arpa', 'PTR', 'host.example.test'],
      ['old.example.test', 'DNAME', 'NEW.example.test'],
    ];
    for (const [name, type, expectAnswer] of named) {
      expect((await probe(check(server.port, name, { type, expectAnswer }))).ok).toBe(true);
    }
    expect(await probe(alias('www.example'))).toMatchObject({
      ok: false,
      detail: 'answers: CNAME WWW.Example.test',
    });
  });

  it('wants an address answer equal to the expected one, not containing it', async () => {
    const server = await serveZone();
    const spec = check(server.port, 'ten.example.test', { expectAnswer: '192.0.2.1' });
    expect(reasonOf(await probe(spec))).toBe("no answer matching '192.0.2.1'");
    const notAnAddress = check(server.port, 'ten.example.test', { expectAnswer: '192.0.2' });
    expect(reasonOf(await probe(notAnAddress))).toBe("no answer matching '192.0.2'");
  });

  it('passes when any one of several answers matches, and lists them all when none does', async () => {
    const server = await serveZone();
    const second = check(server.port, 'two.example.test', { expectAnswer: '192.0.2.22' });
    expect(await probe(second)).toMatchObject({ ok: true, detail: 'NOERROR, 2 answers over UDP' });
    const neither = check(server.port, 'two.example.test', { expectAnswer: '192.0.2.23' });
    expect(await probe(neither)).toMatchObject({
      ok: false,
      detail: 'answers: A 192.0.2.21; A 192.0.2.22',
    });
  });

  it('says there was no answer of the type when the answer section is empty', async () => {
    const server = await serveZone();
    expect(await probe(check(server.port, 'empty.example.test'))).toMatchObject({
      ok: true,
      detail: 'NOERROR, 0 answers over UDP',
    });
    const spec = check(server.port, 'empty.example.test', { expectAnswer: '192.0.2.1' });
    expect(await probe(spec)).toMatchObject({
      ok: false,
      reason: "no answer matching '192.0.2.1'",
      detail: 'no A answer',
    });
  });

  it('takes an empty expected rcode as NOERROR', async () => {
    const server = await serveZone();
    const spec = check(server.port, 'nosuch.example.test', { expectRcode: '' });
    expect(reasonOf(await probe(spec))).toBe('rcode NXDOMAIN (expected NOERROR)');
  });
});

describe('dns answer text', () => {
  const answer = (type: string, data: unknown): Answer =>
    ({ type, name: 'example.test', ttl: 60, data }) as Answer;

  it('gives each kind of record data as one line', () => {
    expect(answerText(answer('A', '192.0.2.1'))).toBe('192.0.2.1');
    expect(answerText(answer('TXT', [Buffer.from('v=spf1 '), Buffer.from('-all')]))).toBe(
      'v=spf1 -all',
    );
    expect(answerText(answer('TXT', ['a', 'b']))).toBe('ab');
    expect(answerText(answer('NULL', Buffer.from([0xca, 0xfe])))).toBe('cafe');
    expect(answerText(answer('MX', { preference: 10, exchange: 'mx.example.test' }))).toBe(
      '10 mx.example.test',
    );
    expect(answerText(answer('MX', { exchange: 'mx.example.test' }))).toBe('0 mx.example.test');
    const srv = { priority: 1, weight: 2, port: 5060, target: 'sip.example.test' };
    expect(answerText(answer('SRV', srv))).toBe('1 2 5060 sip.example.test');
    expect(answerText(answer('SRV', { port: 53, target: 'ns.example.test' }))).toBe(
      '0 0 53 ns.example.test',
    );
    const soa = {
      mname: 'ns.example.test',
      rname: 'admin.example.test',
      serial: 7,
      refresh: 3600,
      retry: 600,
      expire: 86400,
      minimum: 60,
    };
    expect(answerText(answer('SOA', soa))).toBe(
      'ns.example.test admin.example.test 7 3600 600 86400 60',
    );
    expect(answerText(answer('SOA', { mname: 'ns.', rname: 'admin.' }))).toBe(
      'ns. admin. 0 0 0 0 0',
    );
    expect(answerText(answer('CAA', { flags: 0, tag: 'issue', value: 'ca.test' }))).toBe(
      '{"flags":0,"tag":"issue","value":"ca.test"}',
    );
    expect(answerText(answer('DS', { keyTag: 1, digest: Buffer.from([0xab]) }))).toBe(
      '{"keyTag":1,"digest":"ab"}',
    );
    expect(answerText({ type: 'OPT', name: '.', udpPayloadSize: 1232 } as Answer)).toBe('');
  });
});

describe('dns probe: transport', () => {
  it('retries over TCP with the same question when the UDP answer is truncated', async () => {
    const server = await serveZone();
    const result = await probe(
      check(server.port, 'big.example.test', { expectAnswer: '198.51.100.39' }),
    );
    expect(result).toMatchObject({ ok: true, detail: 'NOERROR, 40 answers over TCP' });
    const [udp, tcp] = server.queries;
    expect(server.queries.map((query) => query.transport)).toEqual(['udp', 'tcp']);
    expect(tcp?.id).toBe(udp?.id);
  });

  it('fails when the TCP retry of a truncated answer brings garbage', async () => {
    const server = await serveZone();
    expect(reasonOf(await probe(check(server.port, 'badtcp.example.test')))).toBe(
      'invalid DNS response over TCP',
    );
    expect(server.queries.map((query) => query.transport)).toEqual(['udp', 'tcp']);
  });

  it('ignores an answer with another query id and takes the one that matches', async () => {
    const server = await serveZone();
    const spec = check(server.port, 'spoofed.example.test', { expectAnswer: '192.0.2.7' });
    expect((await probe(spec)).ok).toBe(true);
  });

  it('over TCP too, skips an answer with another query id that shares a read with the right one', async () => {
    const server = await serveZone();
    const spec = check(server.port, 'spoofedtcp.example.test', { expectAnswer: '192.0.2.8' });
    expect(await probe(spec)).toMatchObject({ ok: true, detail: 'NOERROR, 1 answer over TCP' });
    expect(server.queries.map((query) => query.transport)).toEqual(['udp', 'tcp']);
  });

  it('reads a TCP answer that arrives a byte at a time', async () => {
    const server = await serveZone();
    const spec = check(server.port, 'slowtcp.example.test', { expectAnswer: '192.0.2.9' });
    expect(await probe(spec)).toMatchObject({ ok: true, detail: 'NOERROR, 1 answer over TCP' });
  });

  it('fails with "invalid DNS response" when the server sends garbage', async () => {
    const server = await serveZone();
    expect(reasonOf(await probe(check(server.port, 'garbage.example.test')))).toBe(
      'invalid DNS response',
    );
  });

  it('times out on a server that never answers', async () => {
    const silent = await startSilentUdpServer();
    running.push(silent);
    expect(reasonOf(await probe(check(silent.port, 'www.example.test'), 200))).toBe(
      'timeout after 0.2 s',
    );
  });

  it('times out on a server that receives the question and stays silent', async () => {
    const server = await serveZone();
    expect(reasonOf(await probe(check(server.port, 'quiet.example.test'), 200))).toBe(
      'timeout after 0.2 s',
    );
    expect(server.queries).toHaveLength(1);
  });

  it('fails at once when nothing listens on the UDP port', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const port = socket.address().port;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    expect(reasonOf(await probe(check(port, 'www.example.test'), 2000))).toBe(
      `recvmsg ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it('stops when its signal aborts', async () => {
    const silent = await startSilentUdpServer();
    running.push(silent);
    const controller = new AbortController();
    const pending = dnsProbe(check(silent.port, 'www.example.test'), 0)(controller.signal);
    controller.abort();
    expect(reasonOf(await pending)).toBe('aborted');
  });

  it('refuses an expected rcode it does not know', async () => {
    const server = await serveZone();
    const spec = check(server.port, 'www.example.test', { expectRcode: 'MAYBE' });
    expect(reasonOf(await probe(spec))).toBe("unknown rcode 'MAYBE'");
  });

  it('refuses a query type it does not know', async () => {
    const server = await serveZone();
    expect(reasonOf(await probe(check(server.port, 'www.example.test', { type: 'BOGUS' })))).toBe(
      "unsupported DNS type 'BOGUS'",
    );
    expect(server.queries).toHaveLength(0);
  });
});
