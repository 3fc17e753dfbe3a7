/**
 * Command names: the `COM_*` name of a command byte, as in the MySQL source (mysql_com.h), for
 * logs, plugins and the command dispatch (decode.ts). Page:
 * https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_command_phase.html
 */
import { Command } from "../constants.ts";

/** A command's name, as in the MySQL source (`"COM_QUERY"`). */
export type CommandName = keyof typeof Command;

const names: CommandName[] = [];
for (const [name, code] of Object.entries(Command)) names[code] = name as CommandName;

/** The name of a command byte, or undefined when it is not one. */
export function commandNameOf(code: number): CommandName | undefined {
  return names[code];
}
