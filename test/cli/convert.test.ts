import { describe, expect, it } from 'vitest';
import { convertCommand } from '../../src/cli/convert.js';
import type { CliIo } from '../../src/cli/io.js';
import { loadLineConfigFile } from '../../src/config/line-config.js';
import { loadYamlConfig } from '../../src/config/yaml.js';
import type { Service } from '../../src/core/service.js';

function fakeIo(files: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    readFile: (path) => {
      const text = files[path];
      return text === undefined
        ? Promise.reject(Object.assign(new Error('missing'), { code: 'ENOENT' }))
        : Promise.resolve(text);
    },
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

const FULL = `# every service option of the reference
name = edge
interval = 2.5
fast-interval = 0.5
timeout = 3
rise = 2
fall = 4
debounce
disable = /etc/maintenance
command = curl -sf http://127.0.0.1/health?a=b
ip = 198.51.100.10/32
ip = 2001:db8::10
ip-ifname = 2001:db8::10%dummy0
label = web
label-exact-match
next-hop = 192.0.2.10
up-metric = 10
down-metric = 2000
disabled-metric = 300
increase = 5
local-preference = 150
community = 65001:1 no-export
disabled-community = 65535:0
extended-community = target:65001:7
large-community = 65001:1:1
as-path = 65001
up-as-path = 65001 65002
down-as-path = 65001 65001 65001
disabled-as-path = 65001 65001
path-id = 9
neighbor = 192.0.2.1
neighbor = 192.0.2.2
withdraw-on-down
no-ip-setup
dynamic-ip-setup
sudo
deaggregate-networks
start-ip = 1
execute = logger changed
up-execute = logger up
down-execute = logger down
disabled-execute = logger disabled
user = nobody
no-ack
`;

/**
 * The services without `disableMode`: a YAML service's disable file holds it in maintenance (the
 * checks go on), where the drop-in one stops the checks as the reference does.
 */
function alike(services: readonly Service[]): Service[] {
  return services.map(({ disableMode: _mode, ...service }) => service);
}

describe('convert', () => {
  it('turns a line-format file into YAML that loads to the same service', async () => {
    const t = fakeIo({ 'edge.conf': FULL });
    expect(await convertCommand(['edge.conf'], t.io)).toBe(0);
    const original = loadLineConfigFile('edge.conf', () => FULL);
    const converted = loadYamlConfig(t.stdout(), 'edge.yaml');
    expect(original.ok && converted.ok).toBe(true);
    if (!original.ok || !converted.ok) return;
    expect(alike(converted.config.services)).toEqual(alike(original.config.services));
    expect(converted.config.services[0]?.disableMode).toBe('maintenance');
  });

  it('round-trips a minimal file, keeping the reference defaults (every-cycle announcement named)', async () => {
    const text = 'command = true\nip = 198.51.100.10\n';
    const t = fakeIo({ 'min.conf': text });
    expect(await convertCommand(['min.conf'], t.io)).toBe(0);
    expect(t.stdout()).toBe(
      'services:\n  - name: healthcheck\n    routes:\n      prefixes: [198.51.100.10/32]\n    timing:\n      debounce: false\n    checks:\n      - type: command\n        command: "true"\n',
    );
    const original = loadLineConfigFile('min.conf', () => text);
    const converted = loadYamlConfig(t.stdout(), 'min.yaml');
    expect(converted.ok && alike(converted.config.services)).toEqual(
      alike(original.ok ? original.config.services : []),
    );
  });

  it('names the process options that stay on the command line', async () => {
    const t = fakeIo({ 'edge.conf': FULL });
    await convertCommand(['edge.conf'], t.io);
    expect(t.stderr()).toBe(
      'edge.conf: not part of the YAML file, keep these on the command line: --no-ack --user nobody\n',
    );
  });

  it('refuses an invalid file with every problem and exits 2', async () => {
    const t = fakeIo({ 'bad.conf': 'interval = soon\nip = 198.51.100.300\n' });
    expect(await convertCommand(['bad.conf'], t.io)).toBe(2);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toContain('bad.conf:1: --interval: ');
    expect(t.stderr()).toContain('bad.conf:2: --ip: ');
  });

  it('refuses a YAML file and a missing argument', async () => {
    const yaml = fakeIo({});
    expect(await convertCommand(['x.yaml'], yaml.io)).toBe(2);
    expect(yaml.stderr()).toContain('already a YAML config');
    const none = fakeIo({});
    expect(await convertCommand([], none.io)).toBe(2);
    expect(none.stderr()).toContain('usage: bgp-healthcheck convert');
  });
});
