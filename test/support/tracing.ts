/**
 * A recorder of diagnostics_channel tracing events for the tracing tests (mywire's channels and
 * mysql2's): it subscribes to channels, keeps each `start` / `asyncEnd` / `error` event with its
 * context (the error reduced to its errno, the result left out), and compares runs event for event.
 */
import dc from "node:diagnostics_channel";

/** One event as recorded: under `label` (the channel's name, or the name of the one it mirrors). */
export interface TraceEvent {
  channel: string;
  event: string;
  context: Record<string, unknown>;
}

/** Records the events of the channels it subscribed to, until `stop()`. */
export class TraceRecorder {
  readonly seen: TraceEvent[] = [];
  readonly #subscriptions: [ReturnType<typeof dc.tracingChannel>, Record<string, (m: unknown) => void>][] =
    [];

  /** Subscribes to channel `name`, recording its events under `label` (default: the name). */
  subscribe(name: string, label: string = name): void {
    const channel = dc.tracingChannel(name);
    const handlers: Record<string, (m: unknown) => void> = {};
    for (const event of ["start", "asyncEnd", "error"]) {
      handlers[event] = (message: unknown) => {
        const { error, result: _r, ...context } = message as Record<string, unknown>;
        this.seen.push({
          channel: label,
          event,
          context: error === undefined ? context : { ...context, errno: (error as { errno?: number }).errno },
        });
      };
    }
    channel.subscribe(handlers as never);
    this.#subscriptions.push([channel, handlers]);
  }

  /** Unsubscribes from every channel (`resume()` subscribes again). */
  stop(): void {
    for (const [channel, handlers] of this.#subscriptions) channel.unsubscribe(handlers as never);
  }

  /** Subscribes again to what `stop()` left. */
  resume(): void {
    for (const [channel, handlers] of this.#subscriptions) channel.subscribe(handlers as never);
  }

  /** The events one run of `work` published (copies). */
  async events(work: () => Promise<unknown>): Promise<TraceEvent[]> {
    this.seen.length = 0;
    await work();
    return this.seen.map((e) => ({ ...e, context: { ...e.context } }));
  }
}
