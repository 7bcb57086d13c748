// The release as an operator installs it: the Debian package with apt-get (no Node on PATH) and
// the npm tarball with `npm install -g`, each running one check to UP. The release is the one
// `npm run release` built in release/ (.ci/run builds it before the tests).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, requireTool, runHealthcheck } from '../support/healthcheck-process.js';

const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
};
const DEB = join(REPO_ROOT, 'release', `bgp-healthcheck_${version}_amd64.deb`);
const TARBALL = join(REPO_ROOT, 'release', `bgp-healthcheck-${version}.tgz`);
const PACKAGE = 'bgp-healthcheck';
const ONE_CHECK = [
  '--name',
  'release',
  '--interval',
  '0',
  '--command',
  'true',
  '--ip',
  '198.51.100.10/32',
  '--next-hop',
  '192.0.2.10',
  '--no-ip-setup',
  '--no-syslog',
];
const UP_LINE = 'announce route 198.51.100.10/32 next-hop 192.0.2.10 med 100';
/** apt-get, dpkg and npm unpack well over 100 MB: slow on a machine busy with the other tiers. */
const INSTALL_TEST_MS = 240_000;

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(command, args, { encoding: 'utf8', env, timeout: INSTALL_TEST_MS });
  return { ...result, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

function packageInstalled(): boolean {
  const status = run('dpkg-query', ['-W', '-f', '${db:Status-Status}', PACKAGE]);
  return status.status === 0 && status.stdout === 'installed';
}

const releaseBuilt = existsSync(DEB) && existsSync(TARBALL);
const isRoot = process.getuid?.() === 0;
const haveApt = existsSync('/usr/bin/apt-get') && existsSync('/usr/bin/dpkg');

const debCanRun =
  requireTool(releaseBuilt, `the release in release/ (npm run release)`) &&
  requireTool(isRoot && haveApt, 'root with apt-get and dpkg (to install the Debian package)') &&
  requireTool(!packageInstalled(), `a machine without the ${PACKAGE} package installed`);

describe.skipIf(!debCanRun)('the Debian package', () => {
  it(
    'installs with apt-get, runs a check to UP with no node on PATH, and purges without a trace',
    async () => {
      const install = run('apt-get', [
        'install',
        '-y',
        '--no-install-recommends',
        '-o',
        'DPkg::Lock::Timeout=120',
        DEB,
      ]);
      expect(install.status, install.output).toBe(0);
      const files = run('dpkg', ['-L', PACKAGE])
        .stdout.split('\n')
        .filter((file) => file !== '' && file !== '/.');
      try {
        expect(files).toEqual(
          expect.arrayContaining([
            '/usr/bin/bgp-healthcheck',
            '/lib/systemd/system/bgp-healthcheck.service',
            '/usr/share/man/man1/bgp-healthcheck.1.gz',
            '/usr/share/doc/bgp-healthcheck/examples/multi-service.yaml',
            '/usr/share/bgp-healthcheck/schema/bgp-healthcheck.schema.json',
          ]),
        );
        // A PATH that reaches the installed command and nothing else: no node anywhere on it.
        const bin = mkdtempSync(join(tmpdir(), 'release-path-'));
        try {
          symlinkSync('/usr/bin/bgp-healthcheck', join(bin, 'bgp-healthcheck'));
          const env = { PATH: bin, HOME: bin, LANG: 'C.UTF-8' };
          expect(env.PATH.split(delimiter).some((dir) => existsSync(join(dir, 'node')))).toBe(
            false,
          );
          const shown = run('bgp-healthcheck', ['--version'], env);
          expect(shown.status, shown.output).toBe(0);
          expect(shown.stdout).toBe(`bgp-healthcheck ${version}\n`);

          const outcome = await runHealthcheck({
            impl: 'ours',
            command: ['/usr/bin/bgp-healthcheck'],
            args: ONE_CHECK,
            env,
            inheritEnv: false,
          });
          expect(outcome.code, outcome.stderr).toBe(0);
          expect(outcome.lines).toEqual([UP_LINE]);
        } finally {
          rmSync(bin, { recursive: true, force: true });
        }
      } finally {
        const purge = run('apt-get', ['purge', '-y', '-o', 'DPkg::Lock::Timeout=120', PACKAGE]);
        expect(purge.status, purge.output).toBe(0);
      }
      expect(packageInstalled()).toBe(false);
      expect(run('dpkg', ['-L', PACKAGE]).status).not.toBe(0);
      expect(files.filter((file) => existsSync(file) && !isSharedDirectory(file))).toEqual([]);
    },
    INSTALL_TEST_MS,
  );
});

/** Directories other packages own too (/usr, /usr/share/man/man1, ...), which stay. */
function isSharedDirectory(path: string): boolean {
  const owners = run('dpkg', ['-S', path]);
  return owners.status === 0;
}

const tarballCanRun = requireTool(releaseBuilt, `the release in release/ (npm run release)`);

describe.skipIf(!tarballCanRun)('the npm tarball', () => {
  it(
    'installs globally without dev dependencies and runs a check to UP',
    async () => {
      const prefix = mkdtempSync(join(tmpdir(), 'release-npm-'));
      try {
        const install = run('npm', [
          'install',
          '--global',
          '--omit=dev',
          '--no-audit',
          '--no-fund',
          '--prefix',
          prefix,
          TARBALL,
        ]);
        expect(install.status, install.output).toBe(0);
        const installed = join(prefix, 'lib', 'node_modules', PACKAGE);
        for (const dev of ['typescript', 'esbuild', 'vitest'])
          expect(existsSync(join(installed, 'node_modules', dev))).toBe(false);
        const command = join(prefix, 'bin', 'bgp-healthcheck');
        const shown = run(command, ['--version']);
        expect(shown.stdout, shown.output).toBe(`bgp-healthcheck ${version}\n`);
        const outcome = await runHealthcheck({ impl: 'ours', command: [command], args: ONE_CHECK });
        expect(outcome.code, outcome.stderr).toBe(0);
        expect(outcome.lines).toEqual([UP_LINE]);
      } finally {
        rmSync(prefix, { recursive: true, force: true });
      }
    },
    INSTALL_TEST_MS,
  );
});

describe('a clone installed without dev dependencies', () => {
  it(
    'runs `npm ci --omit=dev` to the end, saying what a build needs',
    () => {
      const clone = mkdtempSync(join(tmpdir(), 'release-omit-dev-'));
      try {
        for (const file of ['package.json', 'package-lock.json', 'scripts/prepare.js'])
          cpSync(join(REPO_ROOT, file), join(clone, file));
        const install = spawnSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], {
          cwd: clone,
          encoding: 'utf8',
          timeout: INSTALL_TEST_MS,
        });
        expect(install.status, `${install.stdout}${install.stderr}`).toBe(0);
        expect(install.stderr).toContain('the build tools are dev dependencies');
        expect(existsSync(join(clone, 'node_modules', 'yaml'))).toBe(true);
        expect(existsSync(join(clone, 'node_modules', 'typescript'))).toBe(false);
      } finally {
        rmSync(clone, { recursive: true, force: true });
      }
    },
    INSTALL_TEST_MS,
  );
});
