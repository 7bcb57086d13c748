// `bgp-healthcheck convert --from anycast-healthchecker` as shipped, on a tree written from the documented format.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runOurs } from '../support/healthcheck-process.js';

const dir = mkdtempSync(join(tmpdir(), 'bhc-convert-ahc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tree(name: string, main: string, services: Record<string, string>) {
  const root = join(dir, name);
  mkdirSync(join(root, 'anycast-healthchecker.d'), { recursive: true });
  writeFileSync(join(root, 'anycast-healthchecker.conf'), main);
  for (const [file, text] of Object.entries(services))
    writeFileSync(join(root, 'anycast-healthchecker.d', file), text);
  return {
    main: join(root, 'anycast-healthchecker.conf'),
    dir: join(root, 'anycast-healthchecker.d'),
  };
}

const MAIN = `[DEFAULT]
interface = lo

[daemon]
pidfile = /run/anycast-healthchecker/anycast-healthchecker.pid
ipv4 = true
ipv6 = true
bird_conf = /etc/bird.d/4/anycast-prefixes.conf
bird6_conf = /etc/bird.d/6/anycast-prefixes.conf
bird_reconfigure_cmd = sudo /usr/sbin/birdc configure
bird6_reconfigure_cmd = sudo /usr/sbin/birdc configure
loglevel = info
`;

describe('convert --from anycast-healthchecker', () => {
  it('converts a main file and a service directory into YAML that check-config accepts', async () => {
    const t = tree('good', MAIN, {
      'web.conf': `[web.example.com]
check_cmd = /usr/bin/curl --fail --silent
    http://10.52.12.1/
check_interval = 10
check_disabled = false
ip_prefix = 10.52.12.1/32
`,
      'dns6.conf': `[dns6]
check_cmd = /usr/bin/dig @::1 example.com
check_disabled = false
ip_prefix = fd12:aba6:57db:ffff::1/128
ip_check_disabled = true
`,
      'README.txt': 'not a .conf file: not read\n',
    });
    const converted = await runOurs(['convert', '--from', 'anycast-healthchecker', t.main, t.dir]);
    expect(converted.code).toBe(0);
    expect(converted.stderr).toBe(
      [
        `warning: ${t.main}:5: pidfile: not part of the YAML file: give --pid FILE on the command line`,
        `warning: ${t.main}:12: loglevel: bgp-healthcheck logs to syslog and stderr (its log format and facility: docs/operations.md)`,
        '',
      ].join('\n'),
    );
    expect(converted.stdout).toContain(`#   ${t.main}:12: loglevel:`);
    const yaml = join(dir, 'good.yaml');
    writeFileSync(yaml, converted.stdout);
    const checked = await runOurs(['check-config', yaml]);
    expect(checked.stderr).toBe('');
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain(`${yaml}: valid, 2 services`);
    // The service files are read in name order: dns6.conf before web.conf.
    expect(checked.stdout).toMatch(
      /service 'dns6': 1 check[^]*service 'web.example.com': 2 checks/,
    );
    expect(checked.stdout).toContain('define ACAST_PS_ADVERTISE =');
  });

  it('refuses bad input with exit status 2, the file and line on stderr and nothing on stdout', async () => {
    const t = tree('bad', MAIN, {
      'web.conf':
        '[web]\ncheck_cmd = true\ncheck_disabled = false\ncheck_rise = often\nip_prefix = 10.0.0.1\n',
    });
    const result = await runOurs(['convert', '--from', 'anycast-healthchecker', t.main, t.dir]);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain(
      `${t.dir}/web.conf:4: check_rise: expected a whole number of 1 or more, not 'often'`,
    );
  });

  it('says which file it cannot read, and refuses another --from', async () => {
    const missing = await runOurs([
      'convert',
      '--from',
      'anycast-healthchecker',
      join(dir, 'nope.conf'),
      dir,
    ]);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toMatch(new RegExp(`^${join(dir, 'nope.conf')}: cannot read: `));
    const other = await runOurs(['convert', '--from', 'keepalived']);
    expect(other).toMatchObject({ code: 2, stdout: '' });
    expect(other.stderr).toMatch(/^--from: expected anycast-healthchecker, not 'keepalived'/);
  });
});
