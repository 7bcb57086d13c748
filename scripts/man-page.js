// Turns the text of `bgp-healthcheck --help` into a man page (roff, man(7) macros): the help stays
// the one place that describes the options.
const HELP_COLUMN = 32;

/** Escapes text for roff: backslashes, and a leading dot or quote that would start a request. */
function roff(text) {
  return text
    .replaceAll('\\', '\\e')
    .replaceAll('-', '\\-')
    .replace(/^([.'])/, '\\&$1');
}

/** `--name VALUE, -n VALUE` with the option names in bold and the values in italics. */
function spelling(text) {
  return text
    .split(', ')
    .map((form) => {
      const [name, ...rest] = form.split(' ');
      const value = rest.length > 0 ? ` \\fI${roff(rest.join(' '))}\\fR` : '';
      return `\\fB${roff(name)}\\fR${value}`;
    })
    .join(', ');
}

export function manPage(help, version) {
  const lines = help.replace(/\n$/, '').split('\n');
  const usage = [];
  let i = 0;
  while (i < lines.length && lines[i] !== '') {
    usage.push(lines[i].replace(/^usage: /, '').trim());
    i++;
  }
  const description = [];
  for (i++; i < lines.length && lines[i] !== ''; i++) description.push(lines[i]);
  const out = [
    `.TH BGP-HEALTHCHECK 1 "" "bgp-healthcheck ${version}" "User Commands"`,
    '.SH NAME',
    'bgp-healthcheck \\- announce or withdraw routes through ExaBGP from health checks',
    '.SH SYNOPSIS',
    '.nf',
    ...usage.map(roff),
    '.fi',
    '.SH DESCRIPTION',
    roff(description.join(' ')),
    '.SH OPTIONS',
  ];
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    if (!line.startsWith(' ')) {
      out.push(`.SS ${roff(line.replace(/:$/, ''))}`);
      continue;
    }
    let left = line.slice(0, HELP_COLUMN).trim();
    let text = line.slice(HELP_COLUMN).trim();
    if (lines[i + 1]?.startsWith(' '.repeat(HELP_COLUMN))) {
      // A spelling too long for its column: the help is on the next line.
      left = line.trim();
      text = lines[++i].trim();
    }
    out.push('.TP', spelling(left), roff(text));
  }
  out.push(
    '.SH FILES',
    '.TP',
    '/usr/share/doc/bgp-healthcheck/examples',
    'example configurations, ExaBGP process blocks and systemd units',
    '.TP',
    '/usr/share/bgp-healthcheck/schema/bgp-healthcheck.schema.json',
    'the JSON Schema of the YAML services file, for editors',
    '.SH EXIT STATUS',
    '0 on success, 1 when a run fails, 2 for bad input (the message names the option or file line).',
    '.SH SEE ALSO',
    '.BR exabgp (1),',
    '.BR exabgp.conf (5)',
    '',
  );
  return out.join('\n');
}
