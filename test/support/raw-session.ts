/**
 * A mywire `Session` (the layer below `connect()`), for tests that drive the protocol raw through
 * `session.exclusive(channel => ...)`: commands the public client does not send (a cursor's
 * COM_STMT_FETCH, COM_QUERY with query attributes).
 */
import { defaultValueOptions } from "../../src/protocol/values.ts";
import type { SessionOptions } from "../../src/session/options.ts";
import { Session } from "../../src/session/session.ts";

/** Opens a session to 127.0.0.1:`port` as `user`, without TLS; `extra` overrides the defaults. */
export function openRawSession(
  port: number,
  user: { user: string; password: string },
  extra: Partial<SessionOptions> = {},
): Promise<Session> {
  return Session.open({
    host: "127.0.0.1",
    port,
    user: user.user,
    password: user.password,
    ssl: { mode: "disabled" },
    connectTimeout: 5000,
    charset: 45,
    maxPacketSize: 1 << 24,
    multipleStatements: false,
    foundRows: false,
    connectAttributes: {},
    allowPublicKeyRetrieval: false,
    allowCleartextPassword: false,
    runtime: undefined,
    values: defaultValueOptions,
    rowsAsArray: false,
    compress: false,
    infile: undefined,
    statementCacheSize: 0,
    ...extra,
  });
}
