import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkConfigCommand } from '../../src/cli/check-config.js';
import type { CliIo } from '../../src/cli/io.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** An io whose files come from `files` first, then from the repository. */
function fakeIo(files: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    readFile: async (path) => files[path] ?? readFile(`${root}${path}`, 'utf8'),
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

/** A one-service config whose speaker is `speaker` (a YAML line) and whose routes add `routes`. */
function speakerYaml(speaker: string, routes: string): string {
  return [
    speaker,
    'services:',
    '  - name: web',
    '    routes:',
    '      prefixes: [198.51.100.10/32]',
    routes,
    '',
  ].join('\n');
}

/** check-config refuses `content` as `file`: exit 2, nothing on stdout, stderr matching `error`. */
async function expectRefused(file: string, content: string, error: RegExp): Promise<void> {
  const t = fakeIo({ [file]: content });
  expect(await checkConfigCommand([file], t.io)).toBe(2);
  expect(t.stdout()).toBe('');
  expect(t.stderr()).toMatch(error);
}

describe('check-config', () => {
  it.each([
    'examples/anycast-dns.yaml',
    'examples/multi-service.yaml',
    'examples/weighted.yaml',
    'examples/graceful-shutdown.yaml',
  ])('accepts %s and shows the lines of every state', async (file) => {
    const t = fakeIo();
    expect(await checkConfigCommand([file], t.io)).toBe(0);
    expect(t.stderr()).toBe('');
    expect(t.stdout()).toMatch(/^# UP\n(announce|withdraw) route /m);
    expect(t.stdout()).toContain('# DOWN\n');
    expect(t.stdout()).toContain('# DISABLED\n');
  });

  it('prints the exact lines of the anycast DNS example', async () => {
    const t = fakeIo();
    await checkConfigCommand(['examples/anycast-dns.yaml'], t.io);
    expect(t.stdout()).toBe(
      [
        '# examples/anycast-dns.yaml: valid, 1 service',
        "# service 'dns': 1 check, policy all",
        '# UP',
        'announce route 198.51.100.53/32 next-hop self med 100 community [ 65001:53 ]',
        'announce route 2001:db8::53/128 next-hop self med 101 community [ 65001:53 ]',
        '# DOWN',
        'withdraw route 198.51.100.53/32 next-hop self',
        'withdraw route 2001:db8::53/128 next-hop self',
        '# DISABLED',
        'withdraw route 198.51.100.53/32 next-hop self',
        'withdraw route 2001:db8::53/128 next-hop self',
        '',
      ].join('\n'),
    );
  });

  it('shows the graceful-shutdown community in DOWN and DISABLED only', async () => {
    const t = fakeIo();
    await checkConfigCommand(['examples/graceful-shutdown.yaml'], t.io);
    const [, up, down, disabled] = t.stdout().split(/^# (?:UP|DOWN|DISABLED)\n/m);
    expect(up).not.toContain('65535:0');
    expect(down).toContain('med 1000 community [ 65001:100 65535:0 ]');
    expect(disabled).toContain('med 1000 community [ 65001:100 65535:0 ]');
  });

  it('writes the 5.x form with --api-version 5', async () => {
    const t = fakeIo();
    expect(await checkConfigCommand(['--api-version', '5', 'examples/weighted.yaml'], t.io)).toBe(
      0,
    );
    expect(t.stdout()).toContain(
      'neighbor * announce route 198.51.100.100/32 next-hop 192.0.2.10 med 100\n',
    );
  });

  it('deaggregates and rotates prefixes as the process would', async () => {
    const t = fakeIo({
      'd.yaml':
        'services:\n  - name: d\n    routes: {prefixes: [198.51.100.16/31], deaggregate: true, start-ip: 1}\n',
    });
    expect(await checkConfigCommand(['d.yaml'], t.io)).toBe(0);
    expect(t.stdout()).toContain(
      '# UP\nannounce route 198.51.100.17/32 next-hop self med 100\nannounce route 198.51.100.16/32 next-hop self med 101\n',
    );
  });

  it('says that lines depend on discovery for a service with only a label', async () => {
    const t = fakeIo({ 'l.yaml': 'services:\n  - name: l\n    routes: {label: web}\n' });
    expect(await checkConfigCommand(['l.yaml'], t.io)).toBe(0);
    expect(t.stdout()).toContain(
      "# no prefix configured: the addresses on lo labelled starting with 'web' are discovered at start",
    );
    expect(t.stdout()).not.toContain('route ');
  });

  it('lists every problem as FILE:LINE: path: message and exits 2', async () => {
    const t = fakeIo({
      'bad.yml':
        'services:\n  - name: a\n    timing: {rise: many}\n  - name: a\n    colour: blue\n',
    });
    expect(await checkConfigCommand(['bad.yml'], t.io)).toBe(2);
    expect(t.stdout()).toBe('');
    expect(t.stderr().split('\n')).toEqual([
      'bad.yml:3: services[0].timing.rise: expected number, got the string "many"',
      "bad.yml:4: services[1].name: duplicate service name 'a' (also services[0].name)",
      "bad.yml:5: services[1].colour: unknown key 'colour'",
      'bad.yml: invalid (3 problems)',
      '',
    ]);
  });

  it('warns of a timeout longer than the interval and a next-hop of the other family, still valid', async () => {
    const t = fakeIo({
      'w.yaml': [
        'services:',
        '  - name: web',
        '    routes: {prefixes: [198.51.100.1/32], next-hop: 2001:db8::1}',
        '    timing: {interval: 2, timeout: 3s}',
        '',
      ].join('\n'),
    });
    expect(await checkConfigCommand(['w.yaml'], t.io)).toBe(0);
    expect(t.stdout()).toMatch(/^# w\.yaml: valid, 1 service\n/);
    expect(t.stderr().split('\n')).toEqual([
      'warning: w.yaml:4: services[0].timing.timeout: the timeout (3 s) is longer than the interval (2 s): a slow check runs into the time of the next one',
      'warning: w.yaml:3: services[0].routes.next-hop: next-hop 2001:db8::1 is IPv6 but 198.51.100.1/32 is IPv4: a peer accepts that only with the extended next-hop capability (RFC 8950)',
      '',
    ]);
  });

  it('warns of a line-format file by option', async () => {
    const t = fakeIo({ 'w.conf': 'ip = 2001:db8::10\nnext-hop = 192.0.2.1\n' });
    expect(await checkConfigCommand(['w.conf'], t.io)).toBe(0);
    expect(t.stderr()).toBe(
      'warning: w.conf: --next-hop: next-hop 192.0.2.1 is IPv4 but 2001:db8::10/128 is IPv6: a peer accepts that only with the extended next-hop capability (RFC 8950)\n',
    );
  });

  it('validates the ExaBGP line format too', async () => {
    const t = fakeIo();
    expect(await checkConfigCommand(['examples/quickstart.conf'], t.io)).toBe(0);
    expect(t.stdout()).toContain(
      '# UP\nannounce route 198.51.100.10/32 next-hop 192.0.2.10 med 100 community [ 65000:100 ]\n',
    );
  });

  it('reports a bad line-format value with its line', async () => {
    const t = fakeIo({ 'bad.conf': 'ip = 198.51.100.10/32\ncommunity = 65001:1]\n' });
    expect(await checkConfigCommand(['bad.conf'], t.io)).toBe(2);
    expect(t.stderr()).toMatch(/^bad\.conf:2: --community: /);
  });

  it('exits 2 when the file cannot be read or no file is given', async () => {
    const missing = fakeIo();
    expect(await checkConfigCommand(['no-such-file.yaml'], missing.io)).toBe(2);
    expect(missing.stderr()).toContain("cannot read 'no-such-file.yaml': ENOENT");
    const usage = fakeIo();
    expect(await checkConfigCommand([], usage.io)).toBe(2);
    expect(usage.stderr()).toContain('usage: bgp-healthcheck check-config');
  });
});

describe('check-config with BIRD as the speaker', () => {
  const yaml = (routes: string) =>
    speakerYaml(
      'speaker: { type: bird, file: /etc/bird/hc.conf, reconfigure: birdc configure }',
      routes,
    );

  it('shows the file BIRD would be given in each state and how it is told', async () => {
    const t = fakeIo({ 'bird.yaml': yaml('      up-metric: 20') });
    expect(await checkConfigCommand(['bird.yaml'], t.io)).toBe(0);
    const out = t.stdout();
    expect(out).toContain(
      "# speaker bird (static): each change rewrites the file(s), then 'birdc configure'\n# UP: /etc/bird/hc.conf\n",
    );
    expect(out).toContain('  route 198.51.100.10/32 blackhole {\n    bgp_med = 20;\n  };\n');
    expect(out).toContain('# DISABLED: /etc/bird/hc.conf\n');
    expect(out).not.toMatch(/announce route/);
  });

  it('refuses what BIRD cannot carry, naming the line', async () => {
    await expectRefused(
      'bird.yaml',
      yaml('      path-id: 7'),
      /bird\.yaml:5.*not with speaker bird: path-id/,
    );
  });
});

describe('check-config with FRR as the speaker', () => {
  const yaml = (speaker: string, routes: string) =>
    speakerYaml(`speaker: { type: frr, ${speaker} }`, routes);

  it('shows the vtysh lines each state would send to an FRR that runs nothing of ours', async () => {
    const t = fakeIo({ 'frr.yaml': yaml('asn: 64512, vtysh: sudo vtysh', '      up-metric: 20') });
    expect(await checkConfigCommand(['frr.yaml'], t.io)).toBe(0);
    const out = t.stdout();
    expect(out).toContain("# speaker frr: each change runs 'sudo vtysh -c'");
    expect(out).toMatch(
      /# UP\nconfigure terminal\nroute-map (BGPHC-[0-9a-f]{12}) permit 10\n set metric 20\nexit\nip route 198\.51\.100\.10\/32 blackhole tag 1111967811 254\nrouter bgp 64512\n address-family ipv4 unicast\n {2}network 198\.51\.100\.10\/32 route-map \1\n exit-address-family\nexit\nend\n/,
    );
    expect(out).toContain('# DISABLED\n');
    expect(out).not.toMatch(/announce route/);
  });

  it('says the ASN comes from the running config when none is set', async () => {
    const t = fakeIo({ 'frr.yaml': yaml('blackhole: false', '') });
    expect(await checkConfigCommand(['frr.yaml'], t.io)).toBe(0);
    expect(t.stdout()).toContain('router bgp ASN\n');
    expect(t.stdout()).not.toContain('ip route');
  });

  it('refuses what FRR cannot carry, naming the line', async () => {
    await expectRefused(
      'frr.yaml',
      yaml('asn: 64512', '      path-id: 7'),
      /frr\.yaml:5.*not with speaker frr: path-id/,
    );
  });

  it('refuses a resync shorter than 0.1 seconds, naming the option', async () => {
    await expectRefused(
      'frr.yaml',
      yaml('resync: 0', ''),
      /frr\.yaml:1.*resync.*at least 0\.1 seconds/,
    );
  });
});

describe('check-config with GoBGP as the speaker', () => {
  const yaml = (routes: string) =>
    speakerYaml('speaker: { type: gobgp, address: 127.0.0.1:50052, command: sudo gobgp }', routes);

  it('shows the gobgp commands of each state', async () => {
    const t = fakeIo({ 'gobgp.yaml': yaml('      withdraw-on-down: true') });
    expect(await checkConfigCommand(['gobgp.yaml'], t.io)).toBe(0);
    const out = t.stdout();
    expect(out).toContain(
      '# UP\nsudo gobgp -u 127.0.0.1 -p 50052 global rib add 198.51.100.10/32 origin igp med 100 -a ipv4\n',
    );
    expect(out).toContain(
      '# DOWN\nsudo gobgp -u 127.0.0.1 -p 50052 global rib del 198.51.100.10/32 -a ipv4\n',
    );
    expect(out).toMatch(/every 5 s/);
    expect(out).not.toMatch(/announce route/);
  });

  it('refuses what the gobgp CLI cannot add, naming the line', async () => {
    await expectRefused(
      'gobgp.yaml',
      yaml('      extended-community: origin:65000:1'),
      /gobgp\.yaml:5.*not with speaker gobgp: extended-community/,
    );
  });

  it('refuses a resync interval below 0.1 s, naming the option', async () => {
    await expectRefused(
      'gobgp.yaml',
      'speaker: { type: gobgp, resync: 0 }\nservices:\n  - name: web\n',
      /gobgp\.yaml:1.*resync.*at least 0\.1 s/,
    );
  });
});
