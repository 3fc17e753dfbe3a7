/**
 * mysql_native_password: SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))), 20 bytes; an
 * empty password answers with nothing. The server never sends AuthMoreData for this plugin.
 *
 * Protocol: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_authentication_methods_native_password_authentication.html
 */
import { concatBytes, encodeUtf8, xorBytes } from "../bytes.ts";
import { type AuthContext, type AuthExchange, type AuthPlugin, digest, unexpectedData } from "./plugin.ts";

/** The mysql_native_password auth response for a password and a 20-byte scramble. */
export async function nativePasswordScramble(password: string, scramble: Uint8Array): Promise<Uint8Array> {
  if (password.length === 0) return new Uint8Array(0);
  return nativeTokenFromStage1(await digest("SHA-1", encodeUtf8(password)), scramble);
}

/**
 * The auth response from SHA1(password) ("stage 1") instead of the password: what a proxy that
 * recovered stage 1 from a client's login (native-verify.ts) sends to log into a backend as that client.
 */
export async function nativeTokenFromStage1(stage1: Uint8Array, scramble: Uint8Array): Promise<Uint8Array> {
  const stage2 = await digest("SHA-1", stage1);
  const mask = await digest("SHA-1", concatBytes([scramble, stage2]));
  return xorBytes(stage1, mask);
}

/** The mysql_native_password plugin. */
export const mysqlNativePassword: AuthPlugin = {
  name: "mysql_native_password",
  create(ctx: AuthContext): AuthExchange {
    return {
      start: () =>
        ctx.passwordSha1 !== undefined
          ? (ctx.passwordSha1.length === 0
            ? Promise.resolve(new Uint8Array(0))
            : nativeTokenFromStage1(ctx.passwordSha1, ctx.scramble))
          : nativePasswordScramble(ctx.password, ctx.scramble),
      more: (data) => Promise.reject(unexpectedData("mysql_native_password", data)),
    };
  },
};
