import { describe, expect, it } from 'vitest';
import {
  convertAnycastHealthchecker,
  type IniSource,
} from '../../src/config/from-anycast-healthchecker.js';
import { loadYamlConfig } from '../../src/config/yaml.js';
import { configErrorOf } from '../support/config-error.js';

const MAIN: IniSource = {
  file: 'main.conf',
  text: `[DEFAULT]
interface = lo

[daemon]
ipv4 = true
ipv6 = true
bird_conf = /var/lib/ahc/anycast-prefixes.conf
bird6_conf = /var/lib/ahc/6/anycast-prefixes.conf
bird_variable = V4_SET
bird6_variable = V6_SET
bird_reconfigure_cmd = sudo birdc configure
bird6_reconfigure_cmd = sudo birdc configure
dummy_ip_prefix = 10.255.255.255/32
dummy_ip6_prefix = 2001:db8::ffff/128
`,
};

const service = (text: string, file = 'svc.conf'): IniSource => ({ file, text });

function convert(main: IniSource | null, ...services: IniSource[]) {
  const result = convertAnycastHealthchecker(main, services);
  const loaded = loadYamlConfig(result.yaml, 'out.yaml');
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return { ...result, config: loaded.config };
}

describe('convert from anycast-healthchecker', () => {
  it('maps the daemon section onto a BIRD speaker with the prefix-set layout', () => {
    const { config, warnings } = convert(
      MAIN,
      service('[a]\ncheck_cmd = true\ncheck_disabled = false\nip_prefix = 10.0.0.1/32\n'),
    );
    expect(config.speaker).toEqual({
      type: 'bird',
      layout: 'prefix-set',
      file: '/var/lib/ahc/anycast-prefixes.conf',
      file6: '/var/lib/ahc/6/anycast-prefixes.conf',
      protocol: 'bgp_healthcheck',
      variable: 'V4_SET',
      variable6: 'V6_SET',
      dummyPrefix: {
        kind: 'prefix',
        family: 4,
        address: '10.255.255.255',
        length: 32,
        text: '10.255.255.255/32',
      },
      dummyPrefix6: {
        kind: 'prefix',
        family: 6,
        address: '2001:db8::ffff',
        length: 128,
        text: '2001:db8::ffff/128',
      },
      socket: '/run/bird/bird.ctl',
      reconfigure: 'sudo birdc configure',
    });
    expect(warnings).toEqual([]);
  });

  it('maps a service section: command, timing at one pace, the prefix, no address set-up', () => {
    const { config } = convert(
      MAIN,
      service(`[web]
check_cmd = /usr/bin/curl --fail
    http://10.52.12.1/
check_interval = 3
check_timeout = 1.5
check_rise = 4
check_fail = 5
check_disabled = false
ip_prefix = 10.52.12.1
ip_check_disabled = true
`),
    );
    const [web] = config.services;
    expect(web?.name).toBe('web');
    expect(web?.routes.prefixes.map((p) => p.text)).toEqual(['10.52.12.1/32']);
    expect(web?.addresses.setup).toBe(false);
    expect(web?.timing).toMatchObject({
      interval: 3,
      fastInterval: 3,
      timeout: 1.5,
      rise: 4,
      fall: 5,
    });
    expect(web?.checks).toEqual([
      expect.objectContaining({
        kind: 'command',
        command: '/usr/bin/curl --fail http://10.52.12.1/',
      }),
    ]);
  });

  it('adds the check that ip_prefix is on the interface unless ip_check_disabled', () => {
    const { config } = convert(
      MAIN,
      service(
        '[dns]\ninterface = dummy0\ncheck_cmd = dig\ncheck_disabled = false\nip_prefix = 2001:db8::53\n',
      ),
    );
    expect(config.services[0]?.checks.map((c) => (c.kind === 'command' ? c.command : ''))).toEqual([
      'dig',
      'ip -o address show dev dummy0 to 2001:db8::53/128 | grep -q .',
    ]);
  });

  it('takes the documented defaults of the DEFAULT section and of the daemon section', () => {
    const { config, warnings } = convert(
      null,
      service('[a]\ncheck_cmd = true\ncheck_disabled = false\nip_prefix = 10.0.0.1/32\n'),
    );
    expect(config.services[0]?.timing).toMatchObject({
      interval: 10,
      timeout: 2,
      rise: 2,
      fall: 2,
    });
    expect(config.speaker).toMatchObject({
      file: '/var/lib/anycast-healthchecker/anycast-prefixes.conf',
      file6: null,
      variable: 'ACAST_PS_ADVERTISE',
      reconfigure: 'sudo /usr/sbin/birdc configure',
    });
    expect(warnings).toEqual([]);
  });

  it('turns a disabled check into a service never announced (withdraw) or always announced (advertise)', () => {
    const { config, yaml } = convert(
      MAIN,
      service(`[gone]
check_cmd = curl x
check_disabled = true
ip_prefix = 10.0.0.1
[kept]
check_disabled = yes
on_disabled = advertise
ip_prefix = 10.0.0.2
`),
    );
    const commands = config.services.map((s) =>
      s.checks.map((c) => (c.kind === 'command' ? c.command : '')),
    );
    expect(commands).toEqual([['false'], ['true']]);
    expect(config.services[1]?.timing.rise).toBe(1);
    expect(yaml).toContain('# check_disabled = true, on_disabled = withdraw: never announced.');
    expect(yaml).toContain('# The check it would run: curl x');
  });

  it('warns, in the YAML and in the list, about every setting without an equivalent', () => {
    const { yaml, warnings } = convert(
      {
        file: 'main.conf',
        text: `${MAIN.text}loglevel = info\nbird_keep_changes = true\nhttp_server_port = 2813\n`,
      },
      service(`[a]
check_cmd = curl -s x | grep ok
check_disabled = false
ip_prefix = 10.0.0.1
custom_bird_reconfigure_cmd = /bin/reload
`),
    );
    expect(warnings.map((w) => `${w.file}:${w.line}: ${w.key}`)).toEqual([
      'main.conf:15: loglevel',
      'main.conf:16: bird_keep_changes',
      'main.conf:17: http_server_port',
      'svc.conf:5: custom_bird_reconfigure_cmd',
      'svc.conf:2: check_cmd',
    ]);
    expect(warnings[4]?.message).toMatch(/runs through \/bin\/sh here/);
    for (const w of warnings)
      expect(yaml).toContain(`#   ${w.file}:${w.line}: ${w.key}: ${w.message}`);
  });

  it('warns that only bird_reconfigure_cmd is run when bird6_reconfigure_cmd differs', () => {
    const main = {
      file: 'main.conf',
      text: MAIN.text.replace(
        'bird6_reconfigure_cmd = sudo birdc configure',
        'bird6_reconfigure_cmd = birdc6 configure',
      ),
    };
    const { warnings } = convert(
      main,
      service('[a]\ncheck_cmd = true\ncheck_disabled = false\nip_prefix = 10.0.0.1\n'),
    );
    expect(warnings).toEqual([
      expect.objectContaining({
        key: 'bird6_reconfigure_cmd',
        line: 12,
        message:
          'BIRD 2 serves both families: one reconfigure command (sudo birdc configure) follows every change',
      }),
    ]);
  });

  it('warns when check_disabled is not set, and converts as the documented default (disabled)', () => {
    const { config, warnings } = convert(
      MAIN,
      service('[a]\ncheck_cmd = true\nip_prefix = 10.0.0.1\n'),
    );
    expect(warnings.map((w) => w.key)).toEqual(['check_disabled']);
    expect(config.services[0]?.checks).toEqual([expect.objectContaining({ command: 'false' })]);
  });

  it('refuses bad values naming the file, the line and the key', () => {
    const bad = (text: string) =>
      configErrorOf(() => convertAnycastHealthchecker(MAIN, [service(text)]));
    expect(bad('[a]\ncheck_cmd = t\ncheck_disabled = false\nip_prefix = 10.0.0.300\n')).toBe(
      "svc.conf:4: ip_prefix: expected an IP prefix such as 10.52.12.1/32, not '10.0.0.300'",
    );
    expect(bad('[a]\ncheck_cmd = t\ncheck_disabled = maybe\nip_prefix = 10.0.0.1\n')).toBe(
      "svc.conf:3: check_disabled: expected true or false, not 'maybe'",
    );
    expect(
      bad('[a]\ncheck_cmd = t\ncheck_disabled = false\ncheck_rise = 0\nip_prefix = 10.0.0.1\n'),
    ).toBe("svc.conf:4: check_rise: expected a whole number of 1 or more, not '0'");
    expect(bad('[a]\ncheck_disabled = false\non_disabled = keep\nip_prefix = 10.0.0.1\n')).toBe(
      "svc.conf:3: on_disabled: expected withdraw or advertise, not 'keep'",
    );
    expect(bad('[a]\ncheck_disabled = false\nip_prefix = 10.0.0.1\n')).toBe(
      'svc.conf:1: [a]: check_cmd is not set (and check_disabled is false)',
    );
    expect(bad('[a]\ncheck_cmd = t\ncheck_disabled = false\n')).toBe(
      'svc.conf:1: [a]: ip_prefix is not set',
    );
    expect(
      bad('[a]\ncheck_cmd = t\ncheck_disabled = false\nip_prefix = 10.0.0.1\nip_version = 6\n'),
    ).toBe('svc.conf:5: ip_version: ip_version 6 does not match ip_prefix 10.0.0.1/32');
    expect(
      configErrorOf(() =>
        convertAnycastHealthchecker(null, [
          service('[a]\ncheck_cmd = t\ncheck_disabled = false\nip_prefix = ::1\n'),
        ]),
      ),
    ).toBe('svc.conf:4: ip_prefix: an IPv6 prefix while ipv6 is false in [daemon]');
  });
});
