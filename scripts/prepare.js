// `prepare` (npm ci, npm install in a clone, npm pack): builds dist/ when the build tools are here.
// `npm ci --omit=dev` leaves them out: the npm tarball carries dist/ already, and a clone that needs
// a build says so instead of failing on a missing tsc.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

function buildToolsInstalled() {
  try {
    require.resolve('typescript');
    require.resolve('esbuild');
    return true;
  } catch {
    return false;
  }
}

if (buildToolsInstalled()) {
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
} else if (!existsSync(`${root}dist/bundle/main.js`)) {
  process.stderr.write(
    'bgp-healthcheck: not built: the build tools are dev dependencies (run `npm ci` with them, then `npm run build`)\n',
  );
}
