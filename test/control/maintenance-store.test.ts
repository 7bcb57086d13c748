import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MaintenanceStore,
  MaintenanceStoreError,
  defaultMaintenancePath,
} from '../../src/control/maintenance-store.js';
import type { Logger } from '../../src/core/logger.js';
import { tempDir } from './fake-target.js';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (message: string) => lines.push(`${level}: ${message}`);
  return {
    lines,
    debug: push('debug'),
    info: push('info'),
    warn: push('warn'),
    error: push('error'),
  };
}

const alice = { by: 'alice', reason: 'kernel upgrade', since: 1_700_000_000_000 };

describe('maintenance store', () => {
  let tmp: ReturnType<typeof tempDir>;
  let file: string;

  beforeEach(() => {
    tmp = tempDir('mnt');
    file = path.join(tmp.dir, 'state', 'healthcheck.maintenance.json');
  });
  afterEach(() => tmp.remove());

  it('starts empty and silent when the file does not exist', () => {
    const log = recordingLogger();
    const store = MaintenanceStore.load(file, log);
    expect(store.all().size).toBe(0);
    expect(store.get('web')).toBeNull();
    expect(log.lines).toEqual([]);
  });

  it('writes the documented file shape and reloads it after a restart', () => {
    const store = MaintenanceStore.load(file, recordingLogger());
    store.set('web', alice);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ services: { web: alice } });
    const log = recordingLogger();
    const reloaded = MaintenanceStore.load(file, log);
    expect(reloaded.get('web')).toEqual(alice);
    expect(log.lines).toEqual([`info: maintenance restored from ${file}: web`]);
  });

  it('removes a service from the file when its maintenance is cleared', () => {
    const store = MaintenanceStore.load(file, recordingLogger());
    store.set('web', alice);
    store.set('dns', { ...alice, by: 'bob' });
    store.set('web', null);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      services: { dns: { ...alice, by: 'bob' } },
    });
    expect(MaintenanceStore.load(file, recordingLogger()).get('web')).toBeNull();
  });

  it('leaves no temporary file behind', () => {
    const store = MaintenanceStore.load(file, recordingLogger());
    store.set('web', alice);
    store.set('web', null);
    expect(readdirSync(path.dirname(file))).toEqual([path.basename(file)]);
  });

  it('logs and ignores a file that is not JSON', () => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{"services": {"web": ');
    const log = recordingLogger();
    const store = MaintenanceStore.load(file, log);
    expect(store.all().size).toBe(0);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatch(/^error: ignoring corrupt maintenance state .*: not JSON/);
  });

  it('logs and ignores a file of the wrong shape, naming where', () => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(
      file,
      JSON.stringify({ services: { web: { by: 'alice', reason: 'x', since: 'yesterday' } } }),
    );
    const log = recordingLogger();
    expect(MaintenanceStore.load(file, log).all().size).toBe(0);
    expect(log.lines[0]).toMatch(/ignoring corrupt maintenance state .* at services\.web\.since/);
  });

  it('replaces a corrupt file on the next change', () => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, 'garbage');
    const store = MaintenanceStore.load(file, recordingLogger());
    store.set('web', alice);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ services: { web: alice } });
  });

  it('throws a typed error and stays unchanged when the file cannot be written', () => {
    if (process.getuid?.() === 0) {
      // Root ignores directory permissions: make the state path's parent a file instead.
      writeFileSync(path.join(tmp.dir, 'state'), 'not a directory');
    } else {
      mkdirSync(path.dirname(file), { recursive: true });
      chmodSync(path.dirname(file), 0o500);
    }
    const store = MaintenanceStore.load(file, recordingLogger());
    expect(() => store.set('web', alice)).toThrow(MaintenanceStoreError);
    expect(store.get('web')).toBeNull();
  });

  it('puts the default file under STATE_DIRECTORY, else /var/lib/bgp-healthcheck', () => {
    expect(defaultMaintenancePath('web', { STATE_DIRECTORY: '/var/lib/x' })).toBe(
      '/var/lib/x/web.maintenance.json',
    );
    expect(defaultMaintenancePath('healthcheck', {})).toBe(
      '/var/lib/bgp-healthcheck/healthcheck.maintenance.json',
    );
  });
});
