import { describe, expect, it } from 'vitest';
import { classifyFds, countFds } from './fds.js';

const tcp = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 0100007F:9135 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0 100 0 0 10 0',
  '   1: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 101 1 0 20 4 30 10 -1',
  '   2: 0100007F:C351 0100007F:1F91 08 00000000:00000000 00:00000000 00000000     0        0 102 1 0 20 4 30 10 -1',
].join('\n');
const unix = [
  'Num       RefCount Protocol Flags    Type St Inode Path',
  '0000000000000000: 00000002 00000000 00010000 0001 01 200 /tmp/x/control.sock',
  '0000000000000000: 00000003 00000000 00000000 0001 03 201',
  '0000000000000000: 00000003 00000000 00000000 0001 03 202',
].join('\n');

describe('classifyFds', () => {
  it('counts the pipes of running children and the connections apart from what the process holds', () => {
    const targets = [
      'anon_inode:[eventpoll]',
      'anon_inode:[eventfd]',
      'pipe:[7]',
      '/dev/null',
      'socket:[100]', // the /status listener
      'socket:[101]', // a check's connection
      'socket:[102]', // one its target closed
      'socket:[200]', // the control socket
      'socket:[201]', // a child's stdout
      'socket:[202]', // its stderr
      'socket:[999]', // closed between the readings
    ];
    expect(classifyFds(targets, { tcp, tcp6: '', unix })).toEqual({
      total: 11,
      held: 6,
      childPipes: 2,
      connections: 2,
    });
  });

  it('reads our own process', () => {
    const count = countFds(process.pid);
    expect(count?.total).toBeGreaterThan(2);
    expect(count!.held).toBeLessThanOrEqual(count!.total);
  });
});
