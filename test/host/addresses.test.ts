import { describe, expect, it } from 'vitest';
import { parseIpPrefix, type IpPrefix } from '../../src/core/ip.js';
import type { Logger } from '../../src/core/logger.js';
import type { AddressOptions } from '../../src/core/service.js';
import {
  AddressCommandError,
  createAddressManager,
  NoIpFoundError,
  TooManyAddressesError,
  type CommandResult,
  type CommandRunner,
} from '../../src/host/addresses.js';

interface FakeAddress {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  label?: string;
}

/** A host with a few interfaces that answers `ip` the way iproute2 does, recording every argv. */
function fakeHost(interfaces: Record<string, FakeAddress[]>) {
  const calls: string[] = [];
  const failures = new Map<string, CommandResult>();
  const run: CommandRunner = (argv) => {
    calls.push(argv.join(' '));
    const forced = failures.get(argv.join(' '));
    if (forced) return Promise.resolve(forced);
    const ip = argv[0] === 'sudo' ? argv.slice(2) : argv;
    if (ip[1] === '-json') {
      const dev = ip[5]!;
      const addrs = interfaces[dev];
      if (!addrs)
        return Promise.resolve({
          code: 1,
          stdout: '',
          stderr: `Device "${dev}" does not exist.\n`,
        });
      const json = [
        { ifindex: 1, ifname: dev, addr_info: addrs.map((a) => ({ ...a, scope: 'global' })) },
      ];
      return Promise.resolve({ code: 0, stdout: JSON.stringify(json), stderr: '' });
    }
    const [, , verb, cidr, , dev, , label] = ip;
    const [local, len] = cidr!.split('/');
    const addrs = interfaces[dev!]!;
    const index = addrs.findIndex((a) => a.local === local && a.prefixlen === Number(len));
    if (verb === 'add') {
      if (index !== -1)
        return Promise.resolve({
          code: 2,
          stdout: '',
          stderr: 'Error: ipv4: Address already assigned.\n',
        });
      const family = local!.includes(':') ? 'inet6' : 'inet';
      addrs.push({
        family,
        local: local!,
        prefixlen: Number(len),
        ...(family === 'inet' ? { label: label ?? dev! } : {}),
      });
      return Promise.resolve({ code: 0, stdout: '', stderr: '' });
    }
    // The kernel deletes an IPv4 address only when a given label matches its own.
    if (
      index === -1 ||
      (label !== undefined && addrs[index]!.family === 'inet' && addrs[index]!.label !== label)
    ) {
      return Promise.resolve({ code: 2, stdout: '', stderr: 'Error: ipv4: Address not found.\n' });
    }
    addrs.splice(index, 1);
    return Promise.resolve({ code: 0, stdout: '', stderr: '' });
  };
  return { run, calls, failures, interfaces };
}

function recordingLogger() {
  const lines: string[] = [];
  const log: Logger = {
    debug: () => {},
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
  return { log, lines };
}

function options(overrides: Partial<AddressOptions> = {}): AddressOptions {
  return {
    label: null,
    labelExactMatch: false,
    setup: true,
    dynamic: false,
    sudo: false,
    ifnames: {},
    deaggregate: false,
    startIp: 0,
    ...overrides,
  };
}

const v4 = (local: string, prefixlen = 32, label = 'lo'): FakeAddress => ({
  family: 'inet',
  local,
  prefixlen,
  label,
});
const v6 = (local: string, prefixlen = 128): FakeAddress => ({ family: 'inet6', local, prefixlen });
const texts = (prefixes: readonly IpPrefix[]) => prefixes.map((p) => p.text);
const prefixes = (...list: string[]) => list.map(parseIpPrefix);
const loopbackDefaults = () => [v4('127.0.0.1', 8), v6('::1')];

describe('resolve', () => {
  it('returns the configured prefixes without running ip', async () => {
    const host = fakeHost({ lo: loopbackDefaults() });
    const manager = createAddressManager(options(), { run: host.run, log: recordingLogger().log });
    expect(texts(await manager.resolve(prefixes('198.51.100.0/30', '2001:db8::1')))).toEqual([
      '198.51.100.0/30',
      '2001:db8::1/128',
    ]);
    expect(host.calls).toEqual([]);
  });

  it('discovers every non-loopback IPv4 and IPv6 address on lo when no label is given', async () => {
    const host = fakeHost({
      lo: [
        v4('127.0.0.1', 8),
        v4('192.0.2.1', 32, 'lo:web1'),
        v4('192.0.2.2'),
        v4('127.0.0.2', 32, 'lo:web9'),
        v6('2001:db8::10', 127),
        v6('::1'),
      ],
    });
    const manager = createAddressManager(options(), { run: host.run, log: recordingLogger().log });
    expect(texts(await manager.resolve([]))).toEqual([
      '192.0.2.1/32',
      '192.0.2.2/32',
      '2001:db8::10/127',
    ]);
    expect(host.calls).toEqual(['ip -json address show dev lo']);
  });

  it('skips an address whose host bits are set for its prefix length, as a strict ip_network', async () => {
    const host = fakeHost({
      lo: [v4('192.0.2.9', 30, 'lo:web'), v4('192.0.2.8', 30, 'lo:web'), v6('2001:db8::1', 64)],
    });
    const manager = createAddressManager(options({ label: 'web' }), {
      run: host.run,
      log: recordingLogger().log,
    });
    expect(texts(await manager.resolve([]))).toEqual(['192.0.2.8/30']);
  });

  it('matches the label by prefix on the part after lo:, ignoring unlabelled and IPv6 addresses', async () => {
    const host = fakeHost({
      lo: [
        v4('192.0.2.1', 32, 'lo:web1'),
        v4('192.0.2.2', 32, 'lo:web'),
        v4('192.0.2.3', 32, 'lo:mail'),
        v4('192.0.2.4'),
        v6('2001:db8::1'),
      ],
    });
    const manager = createAddressManager(options({ label: 'web' }), {
      run: host.run,
      log: recordingLogger().log,
    });
    expect(texts(await manager.resolve([]))).toEqual(['192.0.2.1/32', '192.0.2.2/32']);
  });

  it('matches the label exactly with label-exact-match', async () => {
    const host = fakeHost({ lo: [v4('192.0.2.1', 32, 'lo:web1'), v4('192.0.2.2', 32, 'lo:web')] });
    const manager = createAddressManager(options({ label: 'web', labelExactMatch: true }), {
      run: host.run,
      log: recordingLogger().log,
    });
    expect(texts(await manager.resolve([]))).toEqual(['192.0.2.2/32']);
  });

  it('treats an empty label as no label, as the reference does', async () => {
    const host = fakeHost({ lo: [v4('192.0.2.4')] });
    const manager = createAddressManager(options({ label: '' }), {
      run: host.run,
      log: recordingLogger().log,
    });
    expect(texts(await manager.resolve([]))).toEqual(['192.0.2.4/32']);
  });

  it('also discovers on the interfaces named by ip-ifname, lo first, each once', async () => {
    const host = fakeHost({
      lo: [v4('192.0.2.1', 32, 'lo:web1')],
      eth0: [v4('198.51.100.7', 32, 'eth0:web2'), v4('198.51.100.8', 32, 'eth0')],
    });
    const manager = createAddressManager(
      options({ label: 'web', ifnames: { '198.51.100.7/32': 'eth0', '198.51.100.9/32': 'eth0' } }),
      { run: host.run, log: recordingLogger().log },
    );
    expect(texts(await manager.resolve([]))).toEqual(['192.0.2.1/32', '198.51.100.7/32']);
    expect(host.calls).toEqual(['ip -json address show dev lo', 'ip -json address show dev eth0']);
  });

  it('throws NoIpFoundError with the message "No IP found" when nothing is configured or found', async () => {
    const host = fakeHost({ lo: loopbackDefaults() });
    const manager = createAddressManager(options({ label: 'web' }), {
      run: host.run,
      log: recordingLogger().log,
    });
    const error = await manager.resolve([]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoIpFoundError);
    expect((error as Error).message).toBe('No IP found');
  });

  it('reports a failing ip with the command, its exit status and its stderr', async () => {
    const host = fakeHost({ lo: [] });
    const manager = createAddressManager(options({ ifnames: { '192.0.2.1/32': 'nosuch0' } }), {
      run: host.run,
      log: recordingLogger().log,
    });
    const error = await manager.resolve([]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AddressCommandError);
    expect((error as Error).message).toBe(
      `command 'ip -json address show dev nosuch0' exited with status 1: Device "nosuch0" does not exist.`,
    );
  });

  it('reports output that is not JSON as a command error', async () => {
    const run: CommandRunner = () =>
      Promise.resolve({ code: 0, stdout: '1: lo inet 127.0.0.1/8', stderr: '' });
    const manager = createAddressManager(options(), { run, log: recordingLogger().log });
    await expect(manager.resolve([])).rejects.toThrow(
      /ip -json address show dev lo.*not the expected JSON/,
    );
  });
});

describe('setup', () => {
  it('adds exactly the missing addresses on lo with the label, and accepts "already there"', async () => {
    const host = fakeHost({
      lo: [...loopbackDefaults(), v4('192.0.2.11', 32, 'lo:web'), v4('192.0.2.12')],
    });
    const manager = createAddressManager(options({ label: 'web' }), {
      run: host.run,
      log: recordingLogger().log,
    });
    await manager.setup(prefixes('192.0.2.10', '192.0.2.11', '192.0.2.12', '2001:db8::20'));
    expect(host.calls).toEqual([
      'ip -json address show dev lo',
      'ip address add 192.0.2.10/32 dev lo label lo:web',
      // Present without the label: not "existing" for the reference, so it tries and ip exits 2.
      'ip address add 192.0.2.12/32 dev lo label lo:web',
      'ip address add 2001:db8::20/128 dev lo label lo:web',
    ]);
    expect(host.interfaces.lo!.map((a) => `${a.local}/${a.prefixlen}`)).toContain(
      '2001:db8::20/128',
    );
  });

  it('adds without a label when none is given, prefixed with sudo -n when asked', async () => {
    const host = fakeHost({ lo: loopbackDefaults() });
    const manager = createAddressManager(options({ sudo: true }), {
      run: host.run,
      log: recordingLogger().log,
    });
    await manager.setup(prefixes('192.0.2.10'));
    expect(host.calls).toEqual([
      'ip -json address show dev lo',
      'sudo -n ip address add 192.0.2.10/32 dev lo',
    ]);
  });

  it('sets up a network as each of its addresses, as the reference', async () => {
    const host = fakeHost({ lo: [v4('192.0.2.17', 32, 'lo:web')] });
    const manager = createAddressManager(options({ label: 'web' }), {
      run: host.run,
      log: recordingLogger().log,
    });
    await manager.setup(prefixes('192.0.2.16/30'));
    expect(host.calls.slice(1)).toEqual([
      'ip address add 192.0.2.16/32 dev lo label lo:web',
      'ip address add 192.0.2.18/32 dev lo label lo:web',
      'ip address add 192.0.2.19/32 dev lo label lo:web',
    ]);
  });

  it('refuses a network too large to set up address by address', async () => {
    const host = fakeHost({ lo: [] });
    const manager = createAddressManager(options(), { run: host.run, log: recordingLogger().log });
    await expect(manager.setup(prefixes('2001:db8::/64'))).rejects.toBeInstanceOf(
      TooManyAddressesError,
    );
    expect(host.calls).toEqual([]);
  });

  it('puts an address named by ip-ifname on that interface with that interface in the label', async () => {
    const host = fakeHost({ lo: [], eth0: [] });
    const manager = createAddressManager(
      options({ label: 'web', ifnames: { '198.51.100.7/32': 'eth0' } }),
      {
        run: host.run,
        log: recordingLogger().log,
      },
    );
    await manager.setup(prefixes('198.51.100.7', '192.0.2.1'));
    expect(host.calls.slice(2)).toEqual([
      'ip address add 198.51.100.7/32 dev eth0 label eth0:web',
      'ip address add 192.0.2.1/32 dev lo label lo:web',
    ]);
  });

  it('throws an AddressCommandError naming the command when an add fails for another reason', async () => {
    const host = fakeHost({ lo: [] });
    host.failures.set('ip address add 192.0.2.10/32 dev lo', {
      code: 255,
      stdout: '',
      stderr: 'RTNETLINK answers: Operation not permitted\n',
    });
    const manager = createAddressManager(options(), { run: host.run, log: recordingLogger().log });
    await expect(manager.setup(prefixes('192.0.2.10'))).rejects.toThrow(
      "command 'ip address add 192.0.2.10/32 dev lo' exited with status 255: RTNETLINK answers: Operation not permitted",
    );
  });
});

describe('remove', () => {
  it('deletes only the present addresses whose label matches, with the label', async () => {
    const host = fakeHost({
      lo: [v4('192.0.2.10', 32, 'lo:web'), v4('192.0.2.12'), v6('2001:db8::20')],
    });
    const { log, lines } = recordingLogger();
    const manager = createAddressManager(options({ label: 'web' }), { run: host.run, log });
    await manager.remove(prefixes('192.0.2.10', '192.0.2.11', '192.0.2.12', '2001:db8::20'));
    expect(host.calls).toEqual([
      'ip -json address show dev lo',
      'ip address delete 192.0.2.10/32 dev lo label lo:web',
    ]);
    expect(lines).toEqual([]);
  });

  it('removes nothing without a label, as ExaBGP 4.2 (it cannot tell its addresses from the host own)', async () => {
    const host = fakeHost({ lo: [v4('192.0.2.10')] });
    const manager = createAddressManager(options(), { run: host.run, log: recordingLogger().log });
    await manager.remove(prefixes('192.0.2.10'));
    expect(host.calls).toEqual(['ip -json address show dev lo']);
  });

  it('logs a warning, never throws, when a delete fails (a prefix-matched label such as lo:web1)', async () => {
    const host = fakeHost({ lo: [v4('192.0.2.1', 32, 'lo:web1')] });
    const { log, lines } = recordingLogger();
    const manager = createAddressManager(options({ label: 'web', sudo: true }), {
      run: host.run,
      log,
    });
    await manager.remove(prefixes('192.0.2.1'));
    expect(host.calls[1]).toBe('sudo -n ip address delete 192.0.2.1/32 dev lo label lo:web');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^warn Unable to remove lo IP address 192\.0\.2\.1\/32 .*exited with status 2/,
    );
  });

  it('logs a warning, never throws, when listing the addresses fails', async () => {
    const run: CommandRunner = () =>
      Promise.resolve({ code: null, stdout: '', stderr: 'spawn ip ENOENT' });
    const { log, lines } = recordingLogger();
    const manager = createAddressManager(options({ label: 'web' }), { run, log });
    await manager.remove(prefixes('192.0.2.1'));
    expect(lines).toEqual([
      "warn Unable to list the addresses to remove: command 'ip -json address show dev lo' did not complete: spawn ip ENOENT",
    ]);
  });
});
