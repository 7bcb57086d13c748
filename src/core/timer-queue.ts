// Deadlines kept in one binary heap, earliest first: what lets one timer stand in for a timer per
// service and per check. Pure: the caller says what time it is and arms the one real timer.

/** One deadline in the queue; `index` is its place in the heap, -1 once it has left it. */
export interface TimerEntry {
  readonly at: number;
  readonly wake: () => void;
}

class Entry implements TimerEntry {
  constructor(
    readonly at: number,
    /** Order of addition: equal deadlines wake in the order they were added. */
    readonly seq: number,
    readonly wake: () => void,
    public index: number,
  ) {}
}

const before = (a: Entry, b: Entry): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export class TimerQueue {
  private readonly heap: Entry[] = [];
  private seq = 0;

  /** Entries waiting. */
  get size(): number {
    return this.heap.length;
  }

  /** The earliest deadline, or undefined when nothing waits. */
  get next(): number | undefined {
    return this.heap[0]?.at;
  }

  /** The sequence number the next `add` gets: entries added from now on are not before it. */
  get mark(): number {
    return this.seq;
  }

  /** Adds `wake` at time `at`; the returned entry cancels it. */
  add(at: number, wake: () => void): TimerEntry {
    const entry = new Entry(at, this.seq++, wake, this.heap.length);
    this.heap.push(entry);
    this.up(entry.index);
    return entry;
  }

  /** Removes `entry` if it still waits; says whether it did. */
  cancel(handle: TimerEntry): boolean {
    const entry = handle as Entry;
    const index = entry.index;
    if (index < 0 || this.heap[index] !== entry) return false;
    this.removeAt(index);
    return true;
  }

  /**
   * Takes out the earliest entry if it is due at `now` and was added before `mark` (so a wake
   * that adds a due entry does not run it in the same pass); undefined otherwise.
   */
  popDue(now: number, mark = Infinity): TimerEntry | undefined {
    const first = this.heap[0];
    if (first === undefined || first.at > now || first.seq >= mark) return undefined;
    this.removeAt(0);
    return first;
  }

  private removeAt(index: number): void {
    const heap = this.heap;
    const removed = heap[index]!;
    removed.index = -1;
    const last = heap.pop()!;
    if (last === removed) return;
    heap[index] = last;
    last.index = index;
    if (index > 0 && before(last, heap[(index - 1) >> 1]!)) this.up(index);
    else this.down(index);
  }

  private up(index: number): void {
    const heap = this.heap;
    const entry = heap[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (!before(entry, parent)) break;
      heap[index] = parent;
      parent.index = index;
      index = parentIndex;
    }
    heap[index] = entry;
    entry.index = index;
  }

  private down(index: number): void {
    const heap = this.heap;
    const length = heap.length;
    const entry = heap[index]!;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      if (child + 1 < length && before(heap[child + 1]!, heap[child]!)) child++;
      const smaller = heap[child]!;
      if (!before(smaller, entry)) break;
      heap[index] = smaller;
      smaller.index = index;
      index = child;
    }
    heap[index] = entry;
    entry.index = index;
  }
}
