// TimerScheduler: many waits on one timer, armed for the earliest, let go of when nothing waits.
import { describe, expect, it } from 'vitest';
import { TimerScheduler, type TimerHost } from '../../src/host/timers.js';

/** A host whose time moves only when the test says, and which records the one timer it is asked for. */
class FakeHost implements TimerHost {
  time = 0;
  armed: { at: number; fire: () => void; id: number } | null = null;
  sets = 0;
  private ids = 0;

  now(): number {
    return this.time;
  }
  set(ms: number, fire: () => void): unknown {
    if (this.armed) throw new Error('a second timer armed while one is set');
    this.sets++;
    this.armed = { at: this.time + ms, fire, id: ++this.ids };
    return this.armed.id;
  }
  clear(timer: unknown): void {
    if (this.armed?.id === timer) this.armed = null;
  }
  /** Moves time on, firing the timer whenever it falls due, as Node would. */
  advance(ms: number): void {
    const target = this.time + ms;
    while (this.armed && this.armed.at <= target) {
      const { at, fire } = this.armed;
      this.armed = null;
      this.time = Math.max(this.time, at);
      fire();
    }
    this.time = target;
  }
}

describe('TimerScheduler', () => {
  it('wakes each wait at its own deadline, in order, on one timer', () => {
    const host = new FakeHost();
    const scheduler = new TimerScheduler(host);
    const woken: string[] = [];
    scheduler.after(300, () => woken.push(`c@${host.time}`));
    scheduler.after(100, () => woken.push(`a@${host.time}`));
    scheduler.after(200, () => woken.push(`b@${host.time}`));
    host.advance(1000);
    expect(woken).toEqual(['a@100', 'b@200', 'c@300']);
    expect(host.armed).toBeNull();
  });

  it('wakes equal deadlines in the order they were asked for, in one firing', () => {
    const host = new FakeHost();
    const scheduler = new TimerScheduler(host);
    const woken: number[] = [];
    for (let i = 0; i < 5; i++) scheduler.after(50, () => woken.push(i));
    host.advance(50);
    expect(woken).toEqual([0, 1, 2, 3, 4]);
    expect(host.sets).toBe(1);
  });

  it('a cancelled wait never runs, and cancelling the last one lets go of the timer', () => {
    const host = new FakeHost();
    const scheduler = new TimerScheduler(host);
    let ran = false;
    const cancelA = scheduler.after(100, () => (ran = true));
    const cancelB = scheduler.after(200, () => (ran = true));
    cancelA();
    cancelA();
    expect(host.armed).not.toBeNull();
    cancelB();
    expect(host.armed).toBeNull();
    expect(scheduler.pending).toBe(0);
    host.advance(1000);
    expect(ran).toBe(false);
  });

  it('re-arms for an earlier deadline added after the timer was set', () => {
    const host = new FakeHost();
    const scheduler = new TimerScheduler(host);
    const woken: string[] = [];
    scheduler.after(1000, () => woken.push(`late@${host.time}`));
    scheduler.after(10, () => woken.push(`early@${host.time}`));
    expect(host.armed?.at).toBe(10);
    host.advance(2000);
    expect(woken).toEqual(['early@10', 'late@1000']);
  });

  it('a wake that asks again at once runs on the next firing, not in the same one', () => {
    const host = new FakeHost();
    const scheduler = new TimerScheduler(host);
    let count = 0;
    const again = (): void => {
      count++;
      if (count < 3) scheduler.after(0, again);
    };
    scheduler.after(0, again);
    expect(host.armed?.at).toBe(0);
    const { fire } = host.armed!;
    host.armed = null;
    fire();
    expect(count).toBe(1);
    expect(host.armed).not.toBeNull();
    host.advance(0);
    expect(count).toBe(3);
  });

  it('treats a deadline less than a millisecond away as due, so the loop never spins', () => {
    const host = new FakeHost();
    const scheduler = new TimerScheduler(host);
    let ran = false;
    scheduler.after(10.4, () => (ran = true));
    expect(host.armed?.at).toBe(11);
    host.time = 9.5;
    const { fire } = host.armed!;
    host.armed = null;
    fire();
    expect(ran).toBe(true);
  });

  it('keeps the rest when a wake throws: they run at the next firing', () => {
    const host = new FakeHost();
    const scheduler = new TimerScheduler(host);
    let ran = false;
    scheduler.after(10, () => {
      throw new Error('boom');
    });
    scheduler.after(10, () => (ran = true));
    expect(() => host.advance(10)).toThrow('boom');
    expect(ran).toBe(false);
    host.advance(1);
    expect(ran).toBe(true);
  });

  it('runs a thousand periodic waits with one timer armed at a time, each on time', () => {
    const host = new FakeHost();
    const scheduler = new TimerScheduler(host);
    const late: number[] = [];
    let wakes = 0;
    for (let i = 0; i < 1000; i++) {
      let due = i;
      const loop = (): void => {
        wakes++;
        late.push(host.time - due);
        due += 1000;
        scheduler.after(due - host.time, loop);
      };
      scheduler.after(due, loop);
    }
    host.advance(4999);
    expect(wakes).toBe(5000);
    expect(Math.max(...late)).toBeLessThan(1);
    expect(scheduler.pending).toBe(1000);
  });
});
