/** Internal: a fixed-capacity ring buffer with O(1) push and indexed reads. */
export class Ring<T> {
  #items: (T | undefined)[];
  #start = 0;
  #size = 0;

  constructor(capacity: number) {
    if (!(capacity > 0)) throw new RangeError(`ring capacity must be positive, got ${capacity}`);
    this.#items = new Array(capacity);
  }

  /** Number of items held. */
  get size(): number {
    return this.#size;
  }

  /** Appends, evicting the oldest item when full. */
  push(item: T): void {
    const capacity = this.#items.length;
    if (this.#size < capacity) {
      this.#items[(this.#start + this.#size++) % capacity] = item;
    } else {
      this.#items[this.#start] = item;
      this.#start = (this.#start + 1) % capacity;
    }
  }

  /** Item `index` counted from the oldest (0) to the newest (size − 1). */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.#size) return undefined;
    return this.#items[(this.#start + index) % this.#items.length];
  }

  /** The newest item. */
  last(): T | undefined {
    return this.at(this.#size - 1);
  }

  /** The newest `limit` items, oldest first. */
  tail(limit: number): T[] {
    const n = Math.max(0, Math.min(limit, this.#size));
    const out: T[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.at(this.#size - n + i) as T;
    return out;
  }

  /** Removes every item. */
  clear(): void {
    this.#items.fill(undefined);
    this.#start = 0;
    this.#size = 0;
  }
}
