/**
 * The session state change information of an OK packet (CLIENT_SESSION_TRACK with
 * SERVER_SESSION_STATE_CHANGED): a list of `type | lenenc data`, where the data of
 *   0 SESSION_TRACK_SYSTEM_VARIABLES       is `lenenc name | lenenc value`
 *   1 SESSION_TRACK_SCHEMA                 is `lenenc schema`
 *   2 SESSION_TRACK_STATE_CHANGE           is `lenenc "1"`
 *   3 SESSION_TRACK_GTIDS                  is `encoding | lenenc gtids`
 *   4 SESSION_TRACK_TRANSACTION_CHARACTERISTICS is `lenenc characteristics` (SQL, "" when none)
 *   5 SESSION_TRACK_TRANSACTION_STATE      is `lenenc state` (8 characters, `________` when idle)
 * Unknown types are skipped (their data is length-prefixed). Decoded into plain data; pure.
 * https://mariadb.com/kb/en/ok_packet/#session-change-type
 */
import { Reader } from "./bytes.ts";

/** What one OK packet says changed in the session. */
export interface SessionStateChanges {
  /** System variables the statement changed, with their new values (as the server prints them). */
  readonly variables: ReadonlyArray<readonly [name: string, value: string]>;
  /** The new default database, when it changed. */
  readonly schema: string | undefined;
  /** True when the server said the session state changed (any change, user variables included). */
  readonly stateChanged: boolean;
  /** The transaction characteristics for the next transaction (SQL text, "" for none), when reported. */
  readonly transactionCharacteristics: string | undefined;
  /** The transaction state (`T_______`, `________` ...), when reported. */
  readonly transactionState: string | undefined;
}

/** Decodes the session state change bytes of an OK packet (`OkPacket.sessionStateChanges`). */
export function decodeSessionStateChanges(bytes: Uint8Array): SessionStateChanges {
  const r = new Reader(bytes);
  const variables: [string, string][] = [];
  let schema: string | undefined;
  let stateChanged = false;
  let transactionCharacteristics: string | undefined;
  let transactionState: string | undefined;
  while (r.remaining > 0) {
    const type = r.u8();
    const data = r.lenencBytes();
    const d = new Reader(data);
    switch (type) {
      case 0:
        variables.push([d.lenencString(), d.lenencString()]);
        break;
      case 1:
        schema = d.lenencString();
        break;
      case 2:
        stateChanged = true;
        break;
      case 4:
        transactionCharacteristics = d.lenencString();
        break;
      case 5:
        transactionState = d.lenencString();
        break;
      default:
        break; // GTIDs, and types this version does not know: skipped
    }
  }
  return { variables, schema, stateChanged, transactionCharacteristics, transactionState };
}
