/**
 * mysql_clear_password: the password and a NUL, in clear. Refused before anything is sent unless
 * the channel is secure (TLS or a Unix socket) or the user allowed clear-text passwords.
 *
 * Protocol: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_authentication_methods_clear_text_password.html
 */
import {
  type AuthContext,
  AuthError,
  type AuthExchange,
  type AuthPlugin,
  passwordWithNul,
  unexpectedData,
} from "./plugin.ts";

/** The mysql_clear_password plugin. */
export const mysqlClearPassword: AuthPlugin = {
  name: "mysql_clear_password",
  create(ctx: AuthContext): AuthExchange {
    return {
      start() {
        if (!ctx.secure && !ctx.allowCleartextPassword) {
          return Promise.reject(
            new AuthError(
              "INSECURE_CLEAR_PASSWORD",
              "the server asks for the password in clear text (mysql_clear_password) over a connection that "
                + "is neither TLS nor a Unix socket; use TLS, or set allowCleartextPassword to send it anyway",
            ),
          );
        }
        return Promise.resolve(passwordWithNul(ctx.password));
      },
      more: (data) => Promise.reject(unexpectedData("mysql_clear_password", data)),
    };
  },
};
