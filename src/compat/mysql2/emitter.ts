/**
 * A small EventEmitter with the part of Node's API that mysql2 users and ORMs call (`on`, `once`,
 * `off`, `emit`, ...), written without `node:events` so the mysql2 entry runs on Cloudflare Workers
 * too (Node, Deno and Bun have `node:events`; Workers only with the nodejs_compat flag). As in Node,
 * emitting `"error"` with no listener throws the error.
 */

/** A listener of an event. */
// deno-lint-ignore no-explicit-any
export type Listener = (...args: any[]) => void;

interface Entry {
  readonly listener: Listener;
  readonly once: boolean;
}

/** An event emitter shaped like Node's. */
export class Emitter {
  #events = new Map<string | symbol, Entry[]>();
  #max = 10;

  #add(name: string | symbol, listener: Listener, once: boolean, prepend: boolean): this {
    if (typeof listener !== "function") {
      throw new TypeError(`the listener of "${String(name)}" must be a function, got ${typeof listener}`);
    }
    const list = this.#events.get(name);
    const entry = { listener, once };
    if (list === undefined) this.#events.set(name, [entry]);
    else if (prepend) list.unshift(entry);
    else list.push(entry);
    return this;
  }

  /** Calls `listener` on every `name` event. */
  on(name: string | symbol, listener: Listener): this {
    return this.#add(name, listener, false, false);
  }

  /** Same as `on`. */
  addListener(name: string | symbol, listener: Listener): this {
    return this.#add(name, listener, false, false);
  }

  /** Calls `listener` before the other listeners of `name`. */
  prependListener(name: string | symbol, listener: Listener): this {
    return this.#add(name, listener, false, true);
  }

  /** Calls `listener` on the next `name` event only. */
  once(name: string | symbol, listener: Listener): this {
    return this.#add(name, listener, true, false);
  }

  /** Removes one registration of `listener` (the last added, as Node does). */
  off(name: string | symbol, listener: Listener): this {
    const list = this.#events.get(name);
    if (list === undefined) return this;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i].listener === listener) {
        list.splice(i, 1);
        break;
      }
    }
    if (list.length === 0) this.#events.delete(name);
    return this;
  }

  /** Same as `off`. */
  removeListener(name: string | symbol, listener: Listener): this {
    return this.off(name, listener);
  }

  /** Removes every listener of `name`, or of every event. */
  removeAllListeners(name?: string | symbol): this {
    if (name === undefined) this.#events.clear();
    else this.#events.delete(name);
    return this;
  }

  /** Calls the listeners of `name` in order; true if there were any. `"error"` without one throws. */
  emit(name: string | symbol, ...args: unknown[]): boolean {
    const list = this.#events.get(name);
    if (list === undefined || list.length === 0) {
      if (name === "error") {
        throw args[0] instanceof Error
          ? args[0]
          : new Error(`unhandled error event: ${String(args[0])}`);
      }
      return false;
    }
    for (const entry of [...list]) {
      if (entry.once) this.off(name, entry.listener);
      entry.listener.apply(this, args);
    }
    return true;
  }

  /** How many listeners `name` has. */
  listenerCount(name: string | symbol): number {
    return this.#events.get(name)?.length ?? 0;
  }

  /** The listeners of `name`. */
  listeners(name: string | symbol): Listener[] {
    return (this.#events.get(name) ?? []).map((e) => e.listener);
  }

  /** The events that have listeners. */
  eventNames(): (string | symbol)[] {
    return [...this.#events.keys()];
  }

  /** Kept for API compatibility: this emitter does not warn about many listeners. */
  setMaxListeners(n: number): this {
    this.#max = n;
    return this;
  }

  /** What `setMaxListeners` set (default 10). */
  getMaxListeners(): number {
    return this.#max;
  }
}
