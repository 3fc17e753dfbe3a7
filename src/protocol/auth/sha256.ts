/**
 * sha256_password: the password and a NUL in clear over TLS or a Unix socket; otherwise encrypted
 * with the server's RSA public key, configured or, when allowed, requested with 0x01 and received as
 * a PEM in AuthMoreData. An empty password is a single 0x00 byte on any channel (as MySQL's client
 * sends it).
 *
 * Protocol: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_authentication_methods_sha256_password.html
 */
import { publicKeyNeeded } from "./caching_sha2.ts";
import {
  type AuthContext,
  type AuthExchange,
  type AuthPlugin,
  passwordWithNul,
  unexpectedData,
} from "./plugin.ts";
import { rsaEncryptPassword } from "./rsa.ts";

const NAME = "sha256_password";
const REQUEST_PUBLIC_KEY = 0x01;

/** The sha256_password plugin. */
export const sha256Password: AuthPlugin = {
  name: NAME,
  create(ctx: AuthContext): AuthExchange {
    let state: "start" | "key-requested" | "sent" = "start";
    return {
      async start() {
        state = "sent";
        if (ctx.password.length === 0) return Uint8Array.of(0);
        if (ctx.secure) return passwordWithNul(ctx.password);
        if (ctx.serverPublicKey !== undefined) {
          return rsaEncryptPassword(ctx.password, ctx.scramble, ctx.serverPublicKey);
        }
        if (ctx.allowPublicKeyRetrieval) {
          state = "key-requested";
          return Uint8Array.of(REQUEST_PUBLIC_KEY);
        }
        throw publicKeyNeeded(NAME);
      },
      async more(data) {
        if (state !== "key-requested") throw unexpectedData(NAME, data);
        state = "sent";
        return rsaEncryptPassword(ctx.password, ctx.scramble, data);
      },
    };
  },
};
