/** Turns a decoded ERR packet into a `MysqlError` with the code named for the server's flavour. */
import { errorCodeName } from "../protocol/error-codes.ts";
import { MysqlError, type ServerFlavor } from "../protocol/errors.ts";
import type { ErrPacket } from "../protocol/results.ts";

/** A `MysqlError` for an ERR packet, naming its code in the server's flavour and the failed SQL. */
export function serverError(err: ErrPacket, flavor: ServerFlavor, sql: string | undefined): MysqlError {
  return new MysqlError({
    errno: err.errno,
    sqlState: err.sqlState,
    message: err.message,
    code: errorCodeName(err.errno, flavor),
    flavor,
    sql,
  });
}
