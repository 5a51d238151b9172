// Earliest-deadline-first scheduler: each entry's next deadline is the current time plus 1/weight, so over
// many picks an entry is chosen in proportion to its weight, smoothly interleaved (Envoy's weighted scheme).
interface Entry<T> {
  item: T;
  deadline: number;
  /** Insertion order, to break deadline ties deterministically (FIFO). */
  order: number;
}

export class EdfScheduler<T> {
  #heap: Entry<T>[] = [];
  #now = 0;
  #order = 0;

  get size(): number {
    return this.#heap.length;
  }

  /** Adds an item with a positive weight; its first deadline is one period from now. */
  add(item: T, weight: number): void {
    this.#push({ item, deadline: this.#now + 1 / weight, order: this.#order++ });
  }

  /**
   * Pops the earliest deadline and re-adds the item with the weight `weightOf` gives now (dynamic weights,
   * as least request uses); returns undefined when empty.
   */
  pickAndAdd(weightOf: (item: T) => number): T | undefined {
    const top = this.#pop();
    if (!top) return undefined;
    this.#now = top.deadline;
    this.add(top.item, weightOf(top.item));
    return top.item;
  }

  #less(a: Entry<T>, b: Entry<T>): boolean {
    // Deadlines are sums of 1/weight and drift in floating point (1/3 × 3 < 1): treat near-equal deadlines
    // as ties so that insertion order decides, keeping the interleaving exact.
    const epsilon = 1e-9 * Math.max(1, Math.abs(b.deadline));
    if (a.deadline < b.deadline - epsilon) return true;
    if (a.deadline > b.deadline + epsilon) return false;
    return a.order < b.order;
  }

  #push(entry: Entry<T>): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  #pop(): Entry<T> | undefined {
    const heap = this.#heap;
    if (heap.length === 0) return undefined;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.#less(heap[l], heap[m])) m = l;
        if (r < heap.length && this.#less(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  }
}
