// Bundles the compiled CLI (dist/cli/main.js) and its dependencies into dist/bundle, the code
// bin/bgp-healthcheck runs. One file per lazily loaded part (metrics, control, YAML loader, ...):
// a process reads and keeps far less code than it does with hundreds of separate modules.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));

// Chunk names carry a hash: a stale one would linger next to its successor.
rmSync(`${root}dist/bundle`, { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: ['dist/cli/main.js'],
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  define: { BGP_HEALTHCHECK_VERSION: JSON.stringify(version) },
  // The CommonJS dependencies call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
});
process.stdout.write('bundled dist/bundle/main.js\n');
