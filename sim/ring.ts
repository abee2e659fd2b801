/** A growable FIFO ring (Array.shift is O(n) once arrays get large). */
export class Ring<T> {
  private items: (T | undefined)[];
  private head = 0;
  private mask: number;
  length = 0;

  constructor(capacity = 8) {
    let cap = 1;
    while (cap < capacity) cap *= 2;
    this.items = new Array(cap).fill(undefined);
    this.mask = cap - 1;
  }

  push(item: T): void {
    if (this.length === this.items.length) this.grow();
    this.items[(this.head + this.length) & this.mask] = item;
    this.length++;
  }

  /** The oldest item. The caller checks length > 0 first. */
  shift(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    return item;
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.length = 0;
  }

  private grow(): void {
    const old = this.items;
    const next: (T | undefined)[] = new Array(old.length * 2).fill(undefined);
    for (let i = 0; i < this.length; i++) next[i] = old[(this.head + i) & this.mask];
    this.items = next;
    this.head = 0;
    this.mask = next.length - 1;
  }
}
