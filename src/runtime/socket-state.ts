/**
 * The life of a Socket, the same in every adapter: open, then ended by the peer, failed, closed by
 * us, or upgraded (handed to `startTls`, after which this object is dead and the TLS one carries
 * on); one pull read at a time. Each adapter extends `SocketState` and adds only how its runtime
 * reads and writes; the misuse and closed errors, and the checks before a read, a write and an
 * upgrade, are these.
 */
import { closedSocketError, type ConnectionError, pendingReadError, upgradedSocketError } from "./socket.ts";

/** The flags of a Socket and the checks every adapter makes with them. */
export abstract class SocketState {
  /** `host:port` or the socket path, for errors. */
  readonly remote: string;
  /** The peer ended the stream: reads give null. */
  protected ended = false;
  /** `close()` was called: reads give null, writes fail with a "closed" error. */
  protected closed = false;
  /** Handed to `startTls`: the object is dead, the upgraded socket carries on. */
  protected upgraded = false;
  /** Why the connection failed, once it did: every later read and write fails with it. */
  protected failure: ConnectionError | undefined;
  /** A pull read is pending (the interface allows one at a time). */
  protected reading = false;

  constructor(remote: string) {
    this.remote = remote;
  }

  /** The error of an operation on a closed socket. */
  protected closedError(): ConnectionError {
    return closedSocketError(this.remote);
  }

  /**
   * Before a pull read: throws for a misuse (upgraded, a read pending) or the failure; false when
   * the read gives null (closed or ended); otherwise marks the read pending (end it with `endRead`).
   */
  protected beginRead(): boolean {
    if (this.upgraded) throw upgradedSocketError();
    if (this.reading) throw pendingReadError();
    if (this.failure) throw this.failure;
    if (this.closed || this.ended) return false;
    this.reading = true;
    return true;
  }

  /** The pending read is over. */
  protected endRead(): void {
    this.reading = false;
  }

  /** Before a write: the error it fails with now (upgraded, failed, closed), or undefined. */
  protected writeRefusal(): Error | undefined {
    if (this.upgraded) return upgradedSocketError();
    if (this.failure) return this.failure;
    if (this.closed) return this.closedError();
    return undefined;
  }

  /** Before `startTls`: throws when this socket cannot be upgraded now (closed, upgraded, reading, failed). */
  protected checkUpgrade(): void {
    if (this.upgraded || this.closed) throw this.closedError();
    if (this.reading) throw new Error("mywire: startTls called while a read is pending");
    if (this.failure) throw this.failure;
  }
}
