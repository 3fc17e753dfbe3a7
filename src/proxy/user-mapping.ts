/**
 * What a plugin's `readAuth` may do to a client's login in the proxy: map it to another user, so
 * that the backend connection logs in as that user instead of the client's. `Proceed({ user })`
 * names a user of the proxy's `users`: the backend login is that user's `backend` login when it
 * has one, else its name with its clear password. `Proceed({ user, password })` gives the backend
 * login outright (e.g. a token the plugin fetched). The client still proved its own password; the
 * mapped user is only what the backends see. A user that cannot log in anywhere is refused with
 * the ERR a server gives for a login it will not take (1045).
 */
import type { AuthPlanInfo } from "../pipeline/plans.ts";
import type { ClientSecret } from "./client-auth.ts";
import type { ResolvedUser } from "./options.ts";

/** The login after readAuth: the user and secret the backend connection logs in with. */
export interface MappedLogin {
  readonly user: ResolvedUser;
  readonly secret: ClientSecret;
}

/**
 * The backend login of a client that logged in as `client` after readAuth returned `auth`: the
 * client's own when no plugin changed the user or set a password; a string saying why when the
 * mapped user cannot log into a backend.
 */
export function mapLogin(
  client: MappedLogin,
  auth: AuthPlanInfo,
  users: ReadonlyMap<string, ResolvedUser>,
): MappedLogin | string {
  if (auth.password !== undefined) {
    return {
      user: { ...client.user, name: auth.user, backend: { user: auth.user, password: auth.password } },
      secret: { kind: "none" },
    };
  }
  if (auth.user === client.user.name) return client;
  const target = users.get(auth.user);
  if (target === undefined) {
    return `readAuth mapped '${client.user.name}' to '${auth.user}', which is not one of the proxy's users`;
  }
  if (target.backend !== undefined) return { user: target, secret: { kind: "none" } };
  if (target.password === undefined) {
    return `readAuth mapped '${client.user.name}' to '${auth.user}', whose password the proxy does not know (give it a password or a backend login)`;
  }
  return {
    user: { ...target, backend: { user: target.name, password: target.password } },
    secret: { kind: "password", password: target.password },
  };
}
