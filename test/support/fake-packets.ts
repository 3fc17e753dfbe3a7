/**
 * The packets scripted servers answer with, shared by the fake-server tests: an OK (or a 0xFE OK
 * ending rows), a VARCHAR column definition, and a login that accepts any credentials.
 */
import { Capability, ServerStatus } from "../../src/protocol/constants.ts";
import { encodeColumnDefinition, encodeOk } from "../../src/protocol/results.ts";
import type { FakeConnection } from "./fake-server.ts";

/** An OK packet (headed `header`: 0x00, or 0xFE to end rows under DEPRECATE_EOF). */
export function okPacket(
  header = 0x00,
  statusFlags: number = ServerStatus.AUTOCOMMIT,
  affectedRows = 0,
): Uint8Array {
  return encodeOk(
    { affectedRows, insertId: 0, statusFlags, warningCount: 0, info: "" },
    Capability.PROTOCOL_41,
    header,
  );
}

/** A VARCHAR(20) utf8mb4 column definition named `name` (of table `table`, when given). */
export function varcharColumn(name: string, table = ""): Uint8Array {
  return encodeColumnDefinition({
    catalog: "def",
    schema: table ? "s" : "",
    table,
    orgTable: table,
    name,
    orgName: table ? name : "",
    charset: 45,
    length: 80,
    type: 0xfd,
    flags: 0,
    decimals: 0,
  });
}

/** Greets with mysql_native_password and accepts whatever credentials come. */
export async function acceptAnyLogin(conn: FakeConnection): Promise<void> {
  await conn.greet({ authPluginName: "mysql_native_password" });
  await conn.read();
  await conn.send(okPacket());
}
