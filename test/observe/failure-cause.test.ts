// The closed set of failure causes, from the reasons the probes give.
import { describe, expect, it } from 'vitest';
import { failureCause } from '../../src/observe/failure-cause.js';

describe('failureCause', () => {
  it.each([
    ['timeout after 2 s', 'timeout'],
    ['connect ECONNREFUSED 127.0.0.1:9', 'refused'],
    ['HTTP 503', 'status'],
    ["body does not contain 'ok'", 'body'],
    ['body does not match /ok/', 'body'],
    ["no answer matching '192.0.2.1'", 'body'],
    ["'+OK' not in the first 4 KiB received", 'body'],
    ["connection closed before '+OK' was received", 'body'],
    ['rcode NXDOMAIN (expected NOERROR)', 'rcode'],
    ['exit status 2', 'exit'],
    ['killed by SIGKILL', 'exit'],
    ['getaddrinfo ENOTFOUND nowhere.invalid', 'error'],
    ['TLS: certificate has expired', 'error'],
  ])('files %j under %s', (reason, cause) => {
    expect(failureCause(reason)).toBe(cause);
  });
});
