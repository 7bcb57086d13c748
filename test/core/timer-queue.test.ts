// TimerQueue: deadlines come out earliest first, equal ones in the order added, cancelled ones never.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimerQueue } from '../../src/core/timer-queue.js';

/** Wakes every entry due at `now`, in the order the queue gives them out. */
function drain(queue: TimerQueue, now: number): void {
  for (let entry = queue.popDue(now); entry; entry = queue.popDue(now)) entry.wake();
}

function labelled(queue: TimerQueue, woken: string[], at: number, label: string) {
  return queue.add(at, () => woken.push(label));
}

describe('TimerQueue', () => {
  it('gives out deadlines earliest first, whatever order they were added in', () => {
    const queue = new TimerQueue();
    const woken: string[] = [];
    labelled(queue, woken, 30, 'c');
    labelled(queue, woken, 10, 'a');
    labelled(queue, woken, 20, 'b');
    expect(queue.next).toBe(10);
    drain(queue, 100);
    expect(woken).toEqual(['a', 'b', 'c']);
    expect(queue.size).toBe(0);
    expect(queue.next).toBeUndefined();
  });

  it('wakes equal deadlines in the order they were added', () => {
    const queue = new TimerQueue();
    const woken: string[] = [];
    for (const label of ['1', '2', '3', '4', '5']) labelled(queue, woken, 50, label);
    labelled(queue, woken, 40, 'early');
    drain(queue, 50);
    expect(woken).toEqual(['early', '1', '2', '3', '4', '5']);
  });

  it('gives out nothing before its deadline', () => {
    const queue = new TimerQueue();
    const woken: string[] = [];
    labelled(queue, woken, 10, 'a');
    expect(queue.popDue(9.999)).toBeUndefined();
    expect(queue.size).toBe(1);
    drain(queue, 10);
    expect(woken).toEqual(['a']);
  });

  it('never gives out a cancelled entry, and a second cancel says so', () => {
    const queue = new TimerQueue();
    const woken: string[] = [];
    labelled(queue, woken, 10, 'a');
    const b = labelled(queue, woken, 20, 'b');
    labelled(queue, woken, 30, 'c');
    expect(queue.cancel(b)).toBe(true);
    expect(queue.cancel(b)).toBe(false);
    drain(queue, 100);
    expect(woken).toEqual(['a', 'c']);
  });

  it('cancelling an entry already given out does nothing to the rest', () => {
    const queue = new TimerQueue();
    const woken: string[] = [];
    const a = labelled(queue, woken, 10, 'a');
    labelled(queue, woken, 20, 'b');
    queue.popDue(10)?.wake();
    expect(queue.cancel(a)).toBe(false);
    expect(queue.size).toBe(1);
    drain(queue, 20);
    expect(woken).toEqual(['a', 'b']);
  });

  it('re-arming from a wake: an entry added after the mark waits for the next pass', () => {
    const queue = new TimerQueue();
    const woken: string[] = [];
    queue.add(10, () => {
      woken.push('first');
      labelled(queue, woken, 10, 'again');
    });
    const mark = queue.mark;
    for (let entry = queue.popDue(10, mark); entry; entry = queue.popDue(10, mark)) entry.wake();
    expect(woken).toEqual(['first']);
    expect(queue.next).toBe(10);
    drain(queue, 10);
    expect(woken).toEqual(['first', 'again']);
  });

  it('keeps ten thousand deadlines in order through random adds and cancels', () => {
    const queue = new TimerQueue();
    const woken: number[] = [];
    const live = new Map<number, ReturnType<TimerQueue['add']>>();
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 10_000; i++) {
      const at = Math.floor(random() * 1000);
      live.set(
        i,
        queue.add(at, () => woken.push(at)),
      );
      if (random() < 0.3) {
        const victim = Math.floor(random() * i);
        const entry = live.get(victim);
        if (entry) queue.cancel(entry);
        live.delete(victim);
      }
    }
    expect(queue.size).toBe(live.size);
    for (let entry = queue.popDue(Infinity); entry; entry = queue.popDue(Infinity)) entry.wake();
    expect(woken).toHaveLength(live.size);
    expect(woken).toEqual([...woken].sort((a, b) => a - b));
  });

  it('agrees with sorting by deadline then by order added, for any adds and cancels', () => {
    const op = fc.oneof(
      fc.record({ add: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ cancel: fc.nat() }),
      fc.record({ pop: fc.integer({ min: 0, max: 20 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const queue = new TimerQueue();
        const handles: ReturnType<TimerQueue['add']>[] = [];
        const model: { at: number; id: number }[] = [];
        const woken: number[] = [];
        const expected: number[] = [];
        for (const o of ops) {
          if ('add' in o) {
            const id = handles.length;
            handles.push(queue.add(o.add, () => woken.push(id)));
            model.push({ at: o.add, id });
          } else if ('cancel' in o) {
            if (handles.length === 0) continue;
            const id = o.cancel % handles.length;
            const index = model.findIndex((m) => m.id === id);
            expect(queue.cancel(handles[id]!)).toBe(index >= 0);
            if (index >= 0) model.splice(index, 1);
          } else {
            for (let e = queue.popDue(o.pop); e; e = queue.popDue(o.pop)) e.wake();
            model.sort((a, b) => a.at - b.at || a.id - b.id);
            while (model.length > 0 && model[0]!.at <= o.pop) expected.push(model.shift()!.id);
          }
          expect(queue.size).toBe(model.length);
        }
        expect(woken).toEqual(expected);
      }),
    );
  });
});
