// Directories get the mode asked for whatever the umask, and an operator's own are left alone.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureDirectory } from '../../src/host/directory.js';

const modeOf = (p: string): number => statSync(p).mode & 0o777;

describe('ensureDirectory', () => {
  let root: string;
  let umask: number;

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'bgphc-dir-'));
    // ExaBGP starts its processes with this umask.
    umask = process.umask(0o137);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });

  it('gives every directory it makes the mode asked for, not the mode less the umask', () => {
    const leaf = path.join(root, 'run', 'bgp-healthcheck', 'web');
    ensureDirectory(leaf, 0o755);
    expect(modeOf(path.join(root, 'run'))).toBe(0o755);
    expect(modeOf(path.join(root, 'run', 'bgp-healthcheck'))).toBe(0o755);
    expect(modeOf(leaf)).toBe(0o755);
  });

  it('leaves a directory that exists, and its parents, as they are', () => {
    const own = path.join(root, 'own');
    mkdirSync(own);
    chmodSync(own, 0o700);
    ensureDirectory(path.join(own, 'made'), 0o750);
    expect(modeOf(own)).toBe(0o700);
    expect(modeOf(root)).toBe(0o700);
    expect(modeOf(path.join(own, 'made'))).toBe(0o750);
    ensureDirectory(own, 0o755);
    expect(modeOf(own)).toBe(0o700);
  });
});
