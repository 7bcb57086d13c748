// Address discovery, setup, removal and privilege drop, each in its own network namespace, for the
// reference healthcheck and ours with the same expectations (so both give the same addresses and lines).
import { spawn, spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collapseRepeats,
  Healthcheck,
  Namespace,
  netnsUnavailableReason,
  OURS,
  oursUnavailableReason,
  processIds,
  REFERENCE,
  REPO_ROOT,
  referenceUnavailableReason,
  tempDir,
  waitFor,
  type Implementation,
} from './helpers.js';

const strict = process.env.REQUIRE_E2E === '1';
const SUDOERS_EXAMPLE = join(REPO_ROOT, 'contrib', 'sudoers.example');
const sudoReason =
  spawnSync('sudo', ['-V']).status === 0 &&
  spawnSync('visudo', ['-c', '-f', SUDOERS_EXAMPLE]).status === 0
    ? null
    : 'sudo and visudo are not installed';
const netnsReason = netnsUnavailableReason();
const reasons: Record<Implementation['name'], string | null> = {
  reference: netnsReason ?? referenceUnavailableReason(),
  ours: netnsReason ?? oursUnavailableReason(),
};

/** Creates a namespace, runs the scenario, and always stops its processes and deletes the namespace. */
async function inNamespace(
  scenario: (ns: Namespace, started: Healthcheck[]) => Promise<void>,
): Promise<void> {
  const ns = await Namespace.create();
  const started: Healthcheck[] = [];
  try {
    await scenario(ns, started);
  } finally {
    for (const hc of started) await hc.stop();
    await ns.destroy();
  }
}

function start(
  started: Healthcheck[],
  ns: Namespace,
  impl: Implementation,
  args: readonly string[],
  ack = false,
): Healthcheck {
  const hc = new Healthcheck(ns, impl, ['--no-syslog', ...(ack ? [] : ['--no-ack']), ...args], {
    ack,
  });
  started.push(hc);
  return hc;
}

const announce = (prefix: string, med: number) =>
  `announce route ${prefix} next-hop self med ${med}`;
const withdraw = (prefix: string) => `withdraw route ${prefix} next-hop self`;

const LABELLED_LO = [
  '192.0.2.1/32 lo:web1',
  '192.0.2.2/32 lo:web',
  '192.0.2.3/32 lo:mail',
  '192.0.2.4/32',
  '2001:db8::1/128',
  '127.0.0.2/32 lo:web3',
  '192.0.2.9/30 lo:web4',
];

let scratch = '';
let user = { name: 'nobody', group: 'nogroup', uid: 65534, gid: 65534 };
let createdUser: string | null = null;

/** Installs contrib/sudoers.example for `userName` as a drop-in of its own while `body` runs. */
async function withSudoers(userName: string, body: () => Promise<void>): Promise<void> {
  const rules = (await readFile(SUDOERS_EXAMPLE, 'utf8')).replace(
    /^exabgp ALL=/m,
    `${userName} ALL=`,
  );
  const dropIn = `/etc/sudoers.d/bhc-addr-${process.pid}`;
  await writeFile(dropIn, rules, { mode: 0o440 });
  try {
    expect(spawnSync('visudo', ['-c', '-f', dropIn]).status).toBe(0);
    await body();
  } finally {
    await unlink(dropIn);
  }
}

beforeAll(async () => {
  if (netnsReason !== null) return;
  scratch = await tempDir('bhc-addr');
  // Checks run as the dropped user must reach their files.
  await chmod(scratch, 0o755);
  const ids = (db: string, key: string) =>
    spawnSync('getent', [db, key], { encoding: 'utf8' }).stdout.split(':')[2];
  const uid = ids('passwd', 'nobody');
  const gid = ids('group', 'nogroup');
  if (uid === undefined || gid === undefined) {
    createdUser = `bhc-addr-${process.pid}`;
    spawnSync('useradd', ['--system', '--user-group', '--no-create-home', createdUser]);
    user = {
      name: createdUser,
      group: createdUser,
      uid: Number(ids('passwd', createdUser)),
      gid: Number(ids('group', createdUser)),
    };
  } else {
    user = { ...user, uid: Number(uid), gid: Number(gid) };
  }
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
  if (createdUser) spawnSync('userdel', [createdUser]);
});

for (const impl of [REFERENCE, OURS]) {
  const reason = reasons[impl.name];
  if (reason !== null && strict) {
    describe(`addresses in a namespace (${impl.name})`, () => {
      it('has what it needs to run (REQUIRE_E2E=1)', () => {
        throw new Error(reason);
      });
    });
    continue;
  }
  if (reason !== null)
    console.log(`skipping the namespace address tests for ${impl.name}: ${reason}`);
  const suite = reason === null ? describe : describe.skip;
  // Scenarios of options or exit codes ExaBGP 4.2 does not have: not registered for it at all.
  const onlyOurs = impl.name === 'ours' ? it : (_name: string, _body: () => Promise<void>) => {};

  suite(`addresses in a namespace (${impl.name})`, { timeout: 60_000 }, () => {
    it('discovers labelled addresses by prefix, ignoring loopback ranges, host-bit addresses and IPv6', async () => {
      await inNamespace(async (ns, started) => {
        await ns.addAddresses(LABELLED_LO);
        const before = await ns.addresses();
        const hc = start(
          started,
          ns,
          impl,
          ['--label', 'web', '--rise', '1', '--interval', '0'],
          true,
        );
        expect(await hc.waitForExit(), hc.describe()).toEqual({ code: 0, signal: null });
        expect(hc.lines).toEqual([announce('192.0.2.1/32', 100), announce('192.0.2.2/32', 101)]);
        expect(await ns.addresses()).toEqual(before);
      });
    });

    onlyOurs(
      'matches the label exactly with --label-exact-match (an option ExaBGP 4.2 lacks)',
      async () => {
        await inNamespace(async (ns, started) => {
          await ns.addAddresses(LABELLED_LO);
          const args = ['--label', 'web', '--label-exact-match', '--rise', '1', '--interval', '0'];
          const hc = start(started, ns, impl, args, true);
          expect(await hc.waitForExit(), hc.describe()).toEqual({ code: 0, signal: null });
          expect(hc.lines).toEqual([announce('192.0.2.2/32', 100)]);
        });
      },
    );

    it('discovers IPv4 and IPv6 without a label and sets up every address of a discovered network', async () => {
      await inNamespace(async (ns, started) => {
        await ns.addAddresses(['192.0.2.1/32 lo:web1', '2001:db8::10/127']);
        const hc = start(started, ns, impl, ['--rise', '1', '--interval', '0'], true);
        expect(await hc.waitForExit(), hc.describe()).toEqual({ code: 0, signal: null });
        expect(hc.lines).toEqual([
          announce('192.0.2.1/32', 100),
          announce('2001:db8::10/127', 101),
        ]);
        expect(await ns.addresses()).toEqual([
          '192.0.2.1/32 lo:web1',
          '2001:db8::10/127',
          '2001:db8::11/128',
        ]);
      });
    });

    it('says "No IP found" by exiting 1 with nothing announced when no address matches', async () => {
      await inNamespace(async (ns, started) => {
        await ns.addAddresses(['192.0.2.3/32 lo:mail']);
        const hc = start(started, ns, impl, ['--label', 'web', '--rise', '1']);
        expect((await hc.waitForExit()).code, hc.describe()).toBe(1);
        expect(hc.lines).toEqual([]);
      });
    });

    it('adds exactly the missing addresses with the label, and removes them after the withdrawals on SIGTERM', async () => {
      await inNamespace(async (ns, started) => {
        await ns.addAddresses(['192.0.2.11/32 lo:web']);
        const ips = ['192.0.2.10', '192.0.2.11', '2001:db8::20'].flatMap((ip) => ['--ip', ip]);
        const hc = start(started, ns, impl, [
          ...ips,
          '--label',
          'web',
          '--rise',
          '1',
          '--interval',
          '1',
        ]);
        await waitFor('the first announcements', () => (hc.lines.length >= 3 ? true : undefined));
        expect(await ns.addresses()).toEqual([
          '192.0.2.10/32 lo:web',
          '192.0.2.11/32 lo:web',
          '2001:db8::20/128',
        ]);
        hc.terminate();
        expect(await hc.waitForExit(), hc.describe()).toEqual({ code: 0, signal: null });
        expect(hc.lines.slice(-3)).toEqual([
          withdraw('192.0.2.10/32'),
          withdraw('192.0.2.11/32'),
          withdraw('2001:db8::20/128'),
        ]);
        expect(new Set(hc.lines.slice(0, -3))).toEqual(
          new Set([
            announce('192.0.2.10/32', 100),
            announce('192.0.2.11/32', 101),
            announce('2001:db8::20/128', 102),
          ]),
        );
        // IPv6 addresses carry no label, so (as ExaBGP 4.2) they never match one and stay.
        expect(await ns.addresses()).toEqual(['2001:db8::20/128']);
      });
    });

    it('keeps an address set up without a label at exit, as ExaBGP 4.2', async () => {
      await inNamespace(async (ns, started) => {
        const hc = start(started, ns, impl, [
          '--ip',
          '192.0.2.30',
          '--rise',
          '1',
          '--interval',
          '1',
        ]);
        await waitFor('the first announcement', () => (hc.lines.length >= 1 ? true : undefined));
        expect(await ns.addresses()).toEqual(['192.0.2.30/32']);
        hc.terminate();
        expect(await hc.waitForExit(), hc.describe()).toEqual({ code: 0, signal: null });
        expect(hc.lines.at(-1)).toBe(withdraw('192.0.2.30/32'));
        expect(await ns.addresses()).toEqual(['192.0.2.30/32']);
      });
    });

    it('with --dynamic-ip-setup removes the address after announcing DOWN and restores it before announcing UP', async () => {
      await inNamespace(async (ns, started) => {
        const flag = join(scratch, `${impl.name}-dynamic-up`);
        await writeFile(flag, '');
        const args = [
          '--ip',
          '192.0.2.40',
          '--label',
          'web',
          '--dynamic-ip-setup',
          '--rise',
          '1',
          '--fall',
          '1',
        ];
        const timing = ['--interval', '1', '--fast-interval', '1', '--cmd', `test -e ${flag}`];
        const hc = start(started, ns, impl, [...args, ...timing]);
        const up = announce('192.0.2.40/32', 100);
        const down = announce('192.0.2.40/32', 1000);
        const present = ['192.0.2.40/32 lo:web'];

        await waitFor('UP', () => (hc.lines.includes(up) ? true : undefined));
        expect(await ns.addresses()).toEqual(present);

        await rm(flag);
        await waitFor('DOWN', () => (hc.lines.includes(down) ? true : undefined));
        await waitFor('the address to go', async () =>
          (await ns.addresses()).length === 0 ? true : undefined,
        );

        const seen = hc.lines.length;
        await writeFile(flag, '');
        await waitFor('UP again', () => (hc.lines.slice(seen).includes(up) ? true : undefined));
        // Restored before the announcement, so it is already there when the line arrives.
        expect(await ns.addresses()).toEqual(present);

        hc.terminate();
        expect(await hc.waitForExit(), hc.describe()).toEqual({ code: 0, signal: null });
        expect(collapseRepeats(hc.lines)).toEqual([up, down, up, withdraw('192.0.2.40/32')]);
        expect(await ns.addresses()).toEqual([]);
      });
    });

    it('drops privileges after setup: the process and its check run as the named user', async () => {
      await inNamespace(async (ns, started) => {
        const out = join(scratch, `${impl.name}-ids`);
        await mkdir(out, { mode: 0o755 });
        await chown(out, user.uid, user.gid);
        const check = `id -u > ${out}/ids.tmp && id -g >> ${out}/ids.tmp && mv ${out}/ids.tmp ${out}/ids`;
        const args = [
          '--ip',
          '192.0.2.50',
          '--label',
          'web',
          '--user',
          user.name,
          '--group',
          user.group,
        ];
        const hc = start(started, ns, impl, [
          ...args,
          '--rise',
          '1',
          '--interval',
          '1',
          '--cmd',
          check,
        ]);
        await waitFor('the first announcement', () => (hc.lines.length >= 1 ? true : undefined));
        expect(hc.lines[0]).toBe(announce('192.0.2.50/32', 100));
        const idsFile = join(out, 'ids');
        const ids = await waitFor('the check output', () =>
          readFile(idsFile, 'utf8').catch(() => undefined),
        );
        expect(ids).toBe(`${user.uid}\n${user.gid}\n`);
        const status = await processIds(hc.pid);
        expect(status.uid).toBe(Array(4).fill(user.uid).join('\t'));
        expect(status.gid).toBe(Array(4).fill(user.gid).join('\t'));
        if (impl.name === 'ours') expect(status.groups).toBe(String(user.gid));
        expect(await ns.addresses()).toEqual(['192.0.2.50/32 lo:web']);

        hc.terminate();
        expect(await hc.waitForExit(), hc.describe()).toEqual({ code: 0, signal: null });
        expect(hc.lines.at(-1)).toBe(withdraw('192.0.2.50/32'));
        // Without --sudo an unprivileged process cannot remove it (see contrib/sudoers.example).
        expect(await ns.addresses()).toEqual(['192.0.2.50/32 lo:web']);
      });
    });

    const withSudo = sudoReason === null || strict ? it : it.skip;
    withSudo(
      'removes the addresses after dropping privileges with --sudo and the shipped sudoers rules',
      async () => {
        if (sudoReason !== null) throw new Error(sudoReason);
        await withSudoers(user.name, () =>
          inNamespace(async (ns, started) => {
            const args = [
              '--ip',
              '192.0.2.80',
              '--label',
              'web',
              '--sudo',
              '--user',
              user.name,
              '--group',
              user.group,
            ];
            const hc = start(started, ns, impl, [...args, '--rise', '1', '--interval', '1']);
            await waitFor('the first announcement', () =>
              hc.lines.length >= 1 ? true : undefined,
            );
            expect(await ns.addresses()).toEqual(['192.0.2.80/32 lo:web']);
            expect((await processIds(hc.pid)).uid).toBe(Array(4).fill(user.uid).join('\t'));
            hc.terminate();
            expect(await hc.waitForExit(), hc.describe()).toEqual({ code: 0, signal: null });
            expect(hc.lines.at(-1)).toBe(withdraw('192.0.2.80/32'));
            expect(await ns.addresses()).toEqual([]);
          }),
        );
      },
    );

    onlyOurs(
      'rejects an unknown --user with exit status 2 before setting up or announcing anything',
      async () => {
        await inNamespace(async (ns, started) => {
          const args = [
            '--ip',
            '192.0.2.60',
            '--label',
            'web',
            '--user',
            `bhc-no-such-user-${process.pid}`,
          ];
          const hc = start(started, ns, impl, [...args, '--rise', '1']);
          expect((await hc.waitForExit()).code, hc.describe()).toBe(2);
          expect(hc.lines).toEqual([]);
          expect(await ns.addresses()).toEqual([]);
        });
      },
    );

    onlyOurs(
      'fails before announcing when ip cannot set up an address on a missing interface',
      async () => {
        await inNamespace(async (ns, started) => {
          const args = ['--ip', '192.0.2.70', '--ip-ifname', '192.0.2.70%nosuch0', '--rise', '1'];
          const hc = start(started, ns, impl, args);
          const exit = await hc.waitForExit();
          expect(exit.code, hc.describe()).not.toBe(0);
          expect(exit.code).not.toBeNull();
          expect(hc.lines).toEqual([]);
        });
      },
    );
  });
}

describe('contrib/sudoers.example', () => {
  if (sudoReason !== null && !strict)
    console.log(`skipping the sudoers example tests: ${sudoReason}`);
  const check = sudoReason === null || strict ? it : it.skip;
  const allowed = (userName: string, argv: string[]) =>
    spawnSync('sudo', ['-n', '-l', '-U', userName, ...argv], { encoding: 'utf8' }).status === 0;

  check('allows exactly the ip address add and delete commands the healthcheck runs', async () => {
    if (sudoReason !== null) throw new Error(sudoReason);
    if (process.getuid?.() !== 0) throw new Error('installing a sudoers drop-in needs root');
    await withSudoers(user.name, () => {
      const ip = '/usr/sbin/ip';
      expect(
        allowed(user.name, [ip, 'address', 'add', '192.0.2.1/32', 'dev', 'lo', 'label', 'lo:web']),
      ).toBe(true);
      expect(allowed(user.name, [ip, 'address', 'delete', '2001:db8::1/128', 'dev', 'lo'])).toBe(
        true,
      );
      expect(allowed(user.name, [ip, 'address', 'flush', 'dev', 'lo'])).toBe(false);
      expect(allowed(user.name, [ip, 'link', 'set', 'lo', 'down'])).toBe(false);
      expect(allowed(user.name, [ip, 'address', 'add', '192.0.2.1/32', 'dev', 'eth0'])).toBe(false);
      expect(allowed(user.name, ['/bin/sh', '-c', 'id'])).toBe(false);
      return Promise.resolve();
    });
  });
});

describe('the label-based exabgp.conf example of docs/addresses.md', { timeout: 90_000 }, () => {
  const exabgpReason =
    netnsReason ??
    (spawnSync('exabgp', ['--version']).status === 0 ? null : 'exabgp is not installed');
  for (const impl of [REFERENCE, OURS]) {
    const reason = exabgpReason ?? reasons[impl.name];
    if (reason !== null && !strict)
      console.log(`skipping the exabgp.conf example for ${impl.name}: ${reason}`);
    const check = reason === null || strict ? it : it.skip;
    check(
      `runs under real ExaBGP and announces the labelled addresses (${impl.name})`,
      async () => {
        if (reason !== null) throw new Error(reason);
        await inNamespace(async (ns) => {
          await ns.addAddresses([
            '198.51.100.10/32 lo:web1',
            '198.51.100.11/32 lo:web2',
            '192.0.2.2/32',
          ]);
          const dir = join(scratch, `${impl.name}-exabgp`);
          await mkdir(dir, { mode: 0o755 });
          const hcConf = join(dir, 'healthcheck-web.conf');
          await writeFile(
            hcConf,
            'label = web\ncommand = test -d /\ninterval = 1\nrise = 1\nno-syslog\n',
          );
          const exabgpConf = [
            'process watch-web {',
            `    run ${impl.argv.join(' ')} --config ${hcConf};`,
            '    encoder text;',
            '}',
            'neighbor 192.0.2.1 {',
            '    router-id 192.0.2.2;',
            '    local-address 192.0.2.2;',
            '    local-as 64496;',
            '    peer-as 64497;',
            '    api {',
            '        processes [ watch-web ];',
            '    }',
            '}',
            '',
          ].join('\n');
          await writeFile(join(dir, 'exabgp.conf'), exabgpConf);
          const log = join(dir, 'exabgp.log');
          const env = {
            ...process.env,
            'exabgp.daemon.user': 'root',
            'exabgp.log.destination': log,
          };
          const exabgp = spawn(
            'ip',
            ['netns', 'exec', ns.name, 'exabgp', join(dir, 'exabgp.conf')],
            {
              cwd: dir,
              env,
              stdio: 'ignore',
            },
          );
          try {
            const wanted = [
              ': 198.51.100.10/32 next-hop self med 100',
              ': 198.51.100.11/32 next-hop self med 101',
            ];
            await waitFor(
              'ExaBGP to accept both routes',
              async () => {
                const text = await readFile(log, 'utf8').catch(() => '');
                const added = text
                  .split('\n')
                  .filter((l) => l.includes('route added to neighbor 192.0.2.1 '));
                return wanted.every((w) => added.some((l) => l.endsWith(w))) ? true : undefined;
              },
              60_000,
            );
          } finally {
            exabgp.kill('SIGTERM');
            await new Promise((r) => exabgp.once('exit', r).once('error', r));
            // Whatever ExaBGP left running in the namespace is stopped by its pid.
            const pids = spawnSync('ip', ['netns', 'pids', ns.name], {
              encoding: 'utf8',
            }).stdout.split('\n');
            for (const pid of pids.filter((p) => /^\d+$/.test(p)))
              process.kill(Number(pid), 'SIGKILL');
          }
          expect(await ns.addresses()).toEqual([
            '192.0.2.2/32',
            '198.51.100.10/32 lo:web1',
            '198.51.100.11/32 lo:web2',
          ]);
        });
      },
    );
  }
});
