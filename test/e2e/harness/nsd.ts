// NSD as the anycast DNS server a healthcheck watches: one authoritative zone on 127.0.0.1:PORT,
// every file in the test's directory. NSD because it is authoritative-only and small: a zone it
// cannot load is answered with SERVFAIL (the failure anycast DNS must withdraw on) and a SIGHUP
// rereads the zone file, so a broken zone can be put in place while the server keeps running.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Daemon, Supervisor } from './processes.js';
import { waitFor } from './wait.js';

export interface NsdOptions {
  readonly port: number;
  /** The zone's name, without the final dot. */
  readonly zone: string;
  /** The zone file's records (after $ORIGIN and $TTL). */
  readonly records: string;
}

export function nsdConfig(dir: string, options: NsdOptions): string {
  return `server:
  ip-address: 127.0.0.1
  port: ${options.port}
  do-ip6: no
  # Runs as the user that starts it (root in CI), with no chroot: nothing outside ${dir}.
  username: ""
  chroot: ""
  zonesdir: "${dir}"
  database: ""
  zonelistfile: "${join(dir, 'nsd-zone.list')}"
  xfrdfile: "${join(dir, 'nsd-xfrd.state')}"
  xfrdir: "${dir}"
  pidfile: "${join(dir, 'nsd.pid')}"
  logfile: "${join(dir, 'nsd.log')}"
  server-count: 1
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: ${options.zone}
  zonefile: "${join(dir, `${options.zone}.zone`)}"
`;
}

export class Nsd {
  private daemon: Daemon | undefined;
  readonly configFile: string;
  readonly zoneFile: string;
  readonly logFile: string;

  constructor(
    private readonly supervisor: Supervisor,
    readonly dir: string,
    readonly options: NsdOptions,
  ) {
    this.configFile = join(dir, 'nsd.conf');
    this.zoneFile = join(dir, `${options.zone}.zone`);
    this.logFile = join(dir, 'nsd.log');
  }

  /** Writes the configuration and a valid zone. */
  async install(): Promise<void> {
    await writeFile(this.configFile, nsdConfig(this.dir, this.options), { mode: 0o644 });
    await this.writeZone();
  }

  /** Starts NSD and resolves once it has read its zones and serves. */
  async start(): Promise<void> {
    const before = (await this.log()).length;
    const daemon = this.supervisor.start('nsd', 'nsd', ['-d', '-c', this.configFile], {
      logFile: this.logFile,
    });
    this.daemon = daemon;
    await waitFor(
      async () => {
        if (daemon.hasExited()) throw new Error(`nsd exited; see ${this.logFile}`);
        return (await this.log()).slice(before).includes('nsd started');
      },
      { timeoutMs: 10_000, what: `nsd to start (log ${this.logFile})` },
    );
  }

  async stop(): Promise<void> {
    if (this.daemon !== undefined) await this.supervisor.stop(this.daemon);
    this.daemon = undefined;
  }

  running(): boolean {
    return this.daemon !== undefined && !this.daemon.hasExited();
  }

  /** Replaces the zone file with one NSD cannot parse and has NSD reread it: SERVFAIL from now on. */
  async breakZone(): Promise<void> {
    await writeFile(this.zoneFile, 'this is not ( a zone\n', { mode: 0o644 });
    this.reload();
  }

  /** Puts the valid zone back and has NSD reread it. */
  async restoreZone(): Promise<void> {
    await this.writeZone();
    this.reload();
  }

  private reload(): void {
    if (this.daemon === undefined) throw new Error('nsd is not running');
    process.kill(this.daemon.pid, 'SIGHUP');
  }

  private async writeZone(): Promise<void> {
    await writeFile(
      this.zoneFile,
      `$ORIGIN ${this.options.zone}.\n$TTL 300\n${this.options.records}`,
      { mode: 0o644 },
    );
  }

  private async log(): Promise<string> {
    return readFile(this.logFile, 'utf8').catch(() => '');
  }
}

/** NSD installed in `dir` and started; the supervisor stops it with everything else. */
export async function startNsd(
  supervisor: Supervisor,
  dir: string,
  options: NsdOptions,
): Promise<Nsd> {
  const nsd = new Nsd(supervisor, dir, options);
  await nsd.install();
  await nsd.start();
  return nsd;
}
