// The contrib exabgp.conf run by a real ExaBGP: the healthcheck it starts writes its log lines.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../e2e/harness/ports.js';
import { Supervisor } from '../e2e/harness/processes.js';
import { makeTempDir, removeTempDir } from '../e2e/harness/tempdir.js';
import { describeWhen } from '../e2e/harness/tools.js';
import { waitFor } from '../e2e/harness/wait.js';

const CONTRIB_CONF = fileURLToPath(new URL('../../contrib/exabgp.conf', import.meta.url));
const REPO_BIN = fileURLToPath(new URL('../../bin/bgp-healthcheck', import.meta.url));

describeWhen('contrib exabgp.conf under ExaBGP', { tools: ['exabgp', 'curl'] }, () => {
  const supervisor = new Supervisor();
  let dir = '';

  beforeAll(async () => {
    dir = await makeTempDir('contrib-logs');
    supervisor.sweep(dir);
  });
  afterAll(async () => {
    await supervisor.stopAll();
    if (!process.env.KEEP) await removeTempDir(dir);
  });

  it('logs the failing check and the fall to DOWN, with timestamps and the service name, on ExaBGP’s stderr', async () => {
    // Only what ties the example to a machine changes: the program, the socket, the web port and
    // the addresses (loopback here, so the session is refused at once and nothing leaves the host).
    const closedPort = await freePort();
    const text = (await readFile(CONTRIB_CONF, 'utf8'))
      .replaceAll('/usr/local/bin/bgp-healthcheck', REPO_BIN)
      .replaceAll('/run/bgp-healthcheck/web.sock', join(dir, 'web.sock'))
      .replaceAll('http://127.0.0.1/health', `http://127.0.0.1:${closedPort}/health`)
      .replaceAll('192.0.2.1 ', '127.0.0.2 ')
      .replaceAll('192.0.2.10', '127.0.0.1');
    expect(text).toContain(`--ctl-socket ${join(dir, 'web.sock')}`);
    const config = join(dir, 'exabgp.conf');
    await writeFile(config, text, { mode: 0o644 });
    const out = join(dir, 'exabgp.out');
    supervisor.start('exabgp', 'exabgp', [config], {
      logFile: out,
      cwd: dir,
      env: {
        'exabgp.daemon.user': 'root',
        'exabgp.log.destination': join(dir, 'exabgp.log'),
        BGP_HEALTHCHECK_MAINTENANCE_DIR: dir,
        STATE_DIRECTORY: dir,
      },
    });
    const log = await waitFor(
      async () => {
        const now = await readFile(out, 'utf8').catch(() => '');
        return /INFO\[web\] FALLING -> DOWN/.test(now) && now;
      },
      { what: 'the fall to DOWN in the log', timeoutMs: 30_000 },
    );
    const ours = log.split('\n').filter((line) => /\[web\]/.test(line));
    expect(ours[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO|WARNING)\[web\] /);
    expect(ours.some((line) => /WARNING\[web\] check failed: .*exit status 7/.test(line))).toBe(
      true,
    );
    expect(ours.some((line) => /INFO\[web\] INIT -> FALLING/.test(line))).toBe(true);
  });
});
