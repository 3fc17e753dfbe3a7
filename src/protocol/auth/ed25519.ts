/**
 * client_ed25519 (MariaDB's auth_ed25519). The server sends a 32-byte nonce (in the auth switch
 * request, or as auth data when the client already announced this plugin); the client answers with
 * a 64-byte Ed25519 signature R || S of the nonce. The password is not a 32-byte seed: like
 * MariaDB's ref10 `crypto_sign`, the secret is az = SHA-512(password bytes), its first half clamped
 * is the scalar a (public key A = aB, which the server stores as unpadded base64), its second half
 * the nonce prefix: r = SHA-512(az[32..64] || M), R = rB, S = r + SHA-512(R || A || M) * a mod L.
 * The arithmetic is in ed25519-sign.ts, loaded on first use: most connections never need it, and
 * @noble/ed25519 is bigint arithmetic not worth loading at start-up.
 *
 * Protocol: https://mariadb.com/kb/en/authentication-plugin-ed25519/ and the server's
 * plugin/auth_ed25519/ref10/sign.c
 */
import { type AuthContext, type AuthExchange, type AuthPlugin, unexpectedData } from "./plugin.ts";

const NAME = "client_ed25519";
/** Length of the server's nonce. */
const NONCE_LENGTH = 32;

/** The signature of `message` under `password`'s key, with the arithmetic loaded on demand. */
function sign(password: string, message: Uint8Array): Promise<Uint8Array> {
  return import("./ed25519-sign.ts").then((m) => m.ed25519PasswordSign(password, message));
}

/** The client_ed25519 plugin. */
export const clientEd25519: AuthPlugin = {
  name: NAME,
  create(ctx: AuthContext): AuthExchange {
    let signed = false;
    return {
      start() {
        // After an auth switch the scramble is the server's 32-byte nonce. When the greeting's
        // 20-byte scramble is all there is, send nothing: the server answers with the nonce.
        if (ctx.scramble.length !== NONCE_LENGTH) return Promise.resolve(new Uint8Array(0));
        signed = true;
        return sign(ctx.password, ctx.scramble);
      },
      more(data) {
        if (signed || data.length !== NONCE_LENGTH) return Promise.reject(unexpectedData(NAME, data));
        signed = true;
        return sign(ctx.password, data);
      },
    };
  },
};
