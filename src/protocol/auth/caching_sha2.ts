/**
 * caching_sha2_password (MySQL 8's default). The first answer is a scramble,
 * XOR(SHA256(password), SHA256(SHA256(SHA256(password)) + nonce)); the server then sends
 * AuthMoreData 0x03 (fast auth succeeded: an OK follows) or 0x04 (full authentication needed: send
 * the password in clear over TLS or a Unix socket, else RSA-encrypted with the server's public key,
 * configured or, when allowed, requested with 0x02 and received as a PEM in the next AuthMoreData).
 *
 * Protocol: https://dev.mysql.com/doc/dev/mysql-server/latest/page_caching_sha2_authentication_exchanges.html
 */
import { concatBytes, encodeUtf8, xorBytes } from "../bytes.ts";
import {
  type AuthContext,
  AuthError,
  type AuthExchange,
  type AuthPlugin,
  digest,
  passwordWithNul,
  unexpectedData,
} from "./plugin.ts";
import { rsaEncryptPassword } from "./rsa.ts";

const NAME = "caching_sha2_password";
const REQUEST_PUBLIC_KEY = 0x02;
const FAST_AUTH_SUCCESS = 0x03;
const PERFORM_FULL_AUTHENTICATION = 0x04;

/** The caching_sha2_password scramble: XOR(SHA256(password), SHA256(SHA256(SHA256(password)) + nonce)). */
export async function sha2PasswordScramble(password: string, scramble: Uint8Array): Promise<Uint8Array> {
  if (password.length === 0) return new Uint8Array(0);
  const stage1 = await digest("SHA-256", encodeUtf8(password));
  const stage2 = await digest("SHA-256", stage1);
  const mask = await digest("SHA-256", concatBytes([stage2, scramble]));
  return xorBytes(stage1, mask);
}

/** The error for an insecure channel with no way to get the server's RSA public key. */
export function publicKeyNeeded(plugin: string): AuthError {
  return new AuthError(
    "PUBLIC_KEY_NEEDED",
    `${plugin} needs the password sent securely, but the connection is neither TLS nor a Unix socket `
      + "and no server public key is known: use TLS, set serverPublicKey to the server's RSA public key (PEM), "
      + "or set allowPublicKeyRetrieval to let the server send it (open to a man in the middle)",
  );
}

/** The caching_sha2_password plugin. */
export const cachingSha2Password: AuthPlugin = {
  name: NAME,
  create(ctx: AuthContext): AuthExchange {
    let state: "scramble" | "key-requested" | "sent" = "scramble";
    return {
      start: () => sha2PasswordScramble(ctx.password, ctx.scramble),
      async more(data) {
        if (state === "key-requested") {
          state = "sent";
          return rsaEncryptPassword(ctx.password, ctx.scramble, data);
        }
        if (state === "scramble" && data.length === 1 && data[0] === FAST_AUTH_SUCCESS) {
          state = "sent";
          return null; // an OK packet follows
        }
        if (state === "scramble" && data.length === 1 && data[0] === PERFORM_FULL_AUTHENTICATION) {
          if (ctx.secure) {
            state = "sent";
            return passwordWithNul(ctx.password);
          }
          if (ctx.serverPublicKey !== undefined) {
            state = "sent";
            return rsaEncryptPassword(ctx.password, ctx.scramble, ctx.serverPublicKey);
          }
          if (ctx.allowPublicKeyRetrieval) {
            state = "key-requested";
            return Uint8Array.of(REQUEST_PUBLIC_KEY);
          }
          throw publicKeyNeeded(NAME);
        }
        throw unexpectedData(NAME, data);
      },
    };
  },
};
