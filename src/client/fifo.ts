/**
 * A first-in, first-out queue with O(1) push and shift at any length (an array with a moving head,
 * compacted now and then), and removal from the middle for the rare command taken out early.
 */

/** A FIFO queue of items. */
export class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  /** How many items are queued. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Adds an item at the end. */
  push(item: T): void {
    this.items.push(item);
  }

  /** Puts an item back at the front. */
  unshift(item: T): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }

  /** The first item, or undefined. */
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** Takes the first item, or undefined. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined as T;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes an item wherever it is; false if it is not queued. */
  remove(item: T): boolean {
    const i = this.items.indexOf(item, this.head);
    if (i === -1) return false;
    this.items.splice(i, 1);
    return true;
  }

  /** Takes every item, in order. */
  drain(): T[] {
    const all = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return all;
  }

  /** The queued items in order (a copy). */
  toArray(): T[] {
    return this.items.slice(this.head);
  }

  /** Whether some queued item matches. */
  some(predicate: (item: T) => boolean): boolean {
    for (let i = this.head; i < this.items.length; i++) if (predicate(this.items[i])) return true;
    return false;
  }
}
