// The systemd units and the exabgp.conf example in contrib/, checked by systemd and ExaBGP themselves.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../control/fake-target.js';
import { runHealthcheck, waitFor } from '../support/healthcheck-process.js';

const CONTRIB = fileURLToPath(new URL('../../contrib/', import.meta.url));
const REPO_BIN = fileURLToPath(new URL('../../bin/bgp-healthcheck', import.meta.url));
const UNITS = ['bgp-healthcheck.service', 'exabgp.service'] as const;
const EXABGP = '/usr/sbin/exabgp';
const strict = process.env.REQUIRE_E2E === '1';

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findTool(name: string): string | null {
  const found = ['/usr/bin', '/bin', '/usr/sbin', '/sbin']
    .map((dir) => path.join(dir, name))
    .find(executable);
  return found ?? null;
}

/** Registers a suite, or skips it with a printed reason, or fails under REQUIRE_E2E=1. */
function suiteFor(tool: string | null, what: string): 'run' | 'skip' | 'failed' {
  if (tool !== null) return 'run';
  if (strict) {
    describe(what, () => {
      it('has what it needs to run (REQUIRE_E2E=1)', () => {
        throw new Error(`${what}: the tool is missing`);
      });
    });
    return 'failed';
  }
  console.log(`skipping ${what}: the tool is missing`);
  return 'skip';
}

/** The key=value settings of a unit file, comments and sections aside. */
function settings(unit: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const raw of unit.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    result.set(key, [...(result.get(key) ?? []), line.slice(eq + 1)]);
  }
  return result;
}

const systemdAnalyze = findTool('systemd-analyze');
const unitsSuite = suiteFor(
  systemdAnalyze,
  'systemd unit checks (systemd-analyze, Debian package systemd)',
);

if (unitsSuite !== 'failed') {
  (unitsSuite === 'run' ? describe : describe.skip)('contrib systemd units', () => {
    let tmp: ReturnType<typeof tempDir>;

    /**
     * `systemd-analyze verify` fails when an Exec*= program is missing, so the units are verified
     * as copies in one directory (which also lets Conflicts= between them resolve). ExaBGP's path
     * stays as written when ExaBGP is installed and becomes /bin/true otherwise; bgp-healthcheck
     * itself appears only inside `sh -c` strings, which verify does not look into.
     */
    const copyUnits = (edit: (name: string, text: string) => string = (_n, t) => t): string[] =>
      UNITS.map((name) => {
        let text = readFileSync(path.join(CONTRIB, name), 'utf8');
        if (!executable(EXABGP)) text = text.replaceAll(`${EXABGP} `, '/bin/true ');
        const file = path.join(tmp.dir, name);
        writeFileSync(file, edit(name, text));
        return file;
      });

    const analyze = (...args: string[]) =>
      spawnSync(systemdAnalyze as string, args, {
        cwd: tmp.dir,
        encoding: 'utf8',
        timeout: 60_000,
      });

    beforeEach(() => {
      tmp = tempDir('systemd');
    });
    afterEach(() => tmp.remove());

    it('pass systemd-analyze verify without a single warning', () => {
      const result = analyze('verify', '--man=no', ...copyUnits());
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    });

    it('would be caught by the verify check if a setting were misspelt', () => {
      // verify exits 0 on an unknown key and only warns: the check above must read stderr.
      const files = copyUnits((_name, text) => text.replace('ProtectHome=yes', 'ProtectHme=yes'));
      const result = analyze('verify', '--man=no', ...files);
      expect(result.stderr).toMatch(/Unknown key 'ProtectHme'/);
    });

    it('reach an overall exposure of 1.7 or less in systemd-analyze security', () => {
      for (const file of copyUnits()) {
        // --threshold is on the 0-100 scale: exit non-zero when the exposure exceeds 1.7.
        const result = analyze('security', '--offline=true', '--threshold=17', '--no-pager', file);
        expect(result.stdout).toMatch(/Overall exposure level for .*: (0\.\d|1\.[0-7])/);
        expect(result.status).toBe(0);
      }
    });

    it.each(UNITS)('%s keeps the hardening that still lets ip, checks and sockets work', (name) => {
      const unit = settings(readFileSync(path.join(CONTRIB, name), 'utf8'));
      expect(unit.get('Type')).toEqual(['exec']);
      expect(unit.get('RemoveIPC')).toEqual(['yes']);
      expect(unit.get('PrivateMounts')).toEqual(['yes']);
      expect(unit.get('SystemCallFilter')).toEqual(['@system-service', '~@privileged @resources']);
      expect(unit.get('NoNewPrivileges')).toEqual(['yes']);
      expect(unit.get('ProtectSystem')).toEqual(['strict']);
      expect(unit.get('ProtectHome')).toEqual(['yes']);
      expect(unit.get('PrivateTmp')).toEqual(['yes']);
      expect(unit.get('CapabilityBoundingSet')).toEqual(['CAP_NET_ADMIN']);
      expect(unit.get('AmbientCapabilities')).toEqual(['CAP_NET_ADMIN']);
      expect(unit.get('RuntimeDirectory')?.[0]?.split(' ')).toContain('bgp-healthcheck');
      expect(unit.get('StateDirectory')).toEqual(['bgp-healthcheck']);
      expect(unit.get('RestrictAddressFamilies')?.[0]?.split(' ').sort()).toEqual([
        'AF_INET',
        'AF_INET6',
        'AF_NETLINK',
        'AF_UNIX',
      ]);
      // Node's JIT needs writable executable memory; the BGP peers need the host's network.
      expect(unit.has('MemoryDenyWriteExecute')).toBe(false);
      expect(unit.has('PrivateNetwork')).toBe(false);
      expect(unit.get('ExecStop')?.[0]).toMatch(/ctl --socket "\$\$s" --timeout 90 drain --all/);
    });

    it('bgp-healthcheck.service reloads every running process, and succeeds when none runs', async () => {
      const [reload] = settings(
        readFileSync(path.join(CONTRIB, 'bgp-healthcheck.service'), 'utf8'),
      ).get('ExecReload')!;
      // As systemd runs it: $$ is a dollar; the run directory and the bin are this test's.
      const script = /^\/bin\/sh -c '(.*)'$/
        .exec(reload!)![1]!
        .replaceAll('$$', '$')
        .replaceAll('/run/bgp-healthcheck', tmp.dir)
        .replaceAll('/usr/local/bin/bgp-healthcheck', `${process.execPath} ${REPO_BIN}`);
      const none = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', timeout: 30_000 });
      expect(none.stderr).toBe('');
      expect(none.status).toBe(0);

      const socket = path.join(tmp.dir, 'web.sock');
      const run = runHealthcheck({
        impl: 'ours',
        args: [
          ...['--no-syslog', '--no-ip-setup', '--ip', '198.51.100.1', '--cmd', 'true'],
          ...['--ctl-socket', socket, '--maintenance-file', path.join(tmp.dir, 'm.json')],
        ],
        timeoutMs: 60_000,
      });
      run.catch(() => {});
      try {
        await waitFor(() => (existsSync(socket) ? true : undefined), 'the control socket', 15_000);
        const one = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', timeout: 30_000 });
        expect(one.stdout).toMatch(/reloaded/);
        expect(one.status).toBe(0);
      } finally {
        run.proc.kill('SIGTERM');
        await run.catch(() => {});
      }
    });

    it('exabgp.service conflicts with the dedicated instance, which shares /run/bgp-healthcheck', () => {
      const unit = settings(readFileSync(path.join(CONTRIB, 'exabgp.service'), 'utf8'));
      expect(unit.get('Conflicts')).toEqual(['bgp-healthcheck.service']);
    });
  });
}

const exabgpSuite = suiteFor(
  executable(EXABGP) ? EXABGP : null,
  'exabgp.conf example check (exabgp)',
);
if (exabgpSuite !== 'failed') {
  (exabgpSuite === 'run' ? describe : describe.skip)('contrib exabgp.conf', () => {
    it('passes exabgp --validate with the program path pointed at this checkout', () => {
      const tmp = tempDir('exaconf');
      try {
        // ExaBGP refuses a `run` program that does not exist; the installed path may not yet.
        const text = readFileSync(path.join(CONTRIB, 'exabgp.conf'), 'utf8');
        expect(text).toContain('run /usr/local/bin/bgp-healthcheck ');
        const file = path.join(tmp.dir, 'exabgp.conf');
        writeFileSync(file, text.replaceAll('/usr/local/bin/bgp-healthcheck', REPO_BIN));
        const result = spawnSync(EXABGP, ['--validate', file], {
          cwd: tmp.dir,
          encoding: 'utf8',
          timeout: 60_000,
          env: { ...process.env, exabgp_log_destination: 'stderr' },
        });
        const output = `${result.stdout}${result.stderr}`;
        expect(output).not.toMatch(/syntax error|can not locate/);
        expect(result.status).toBe(0);
      } finally {
        tmp.remove();
      }
    });
  });
}
