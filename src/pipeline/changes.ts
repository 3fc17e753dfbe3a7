/**
 * Checks of what `proceed(changes)` may change: the fields of the greeting (readHandshake) and of
 * the credentials (readAuth), each of the right type. Returns what is wrong, for the error.
 */
import { describe } from "./command.ts";

/** What is wrong with readHandshake's `proceed(changes)`, or undefined when nothing is. */
export function greetingChangesProblem(changes: unknown): string | undefined {
  if (typeof changes !== "object" || changes === null) {
    return `Proceed changes must be an object, got ${describe(changes)}`;
  }
  for (const [k, v] of Object.entries(changes as object)) {
    const numeric = k === "connectionId" || k === "capabilities" || k === "mariadbCapabilities"
      || k === "charset"
      || k === "statusFlags";
    const text = k === "serverVersion" || k === "authPluginName";
    if (!numeric && !text) return `the greeting has no field "${k}" to change`;
    if (numeric && (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
      return `${k} must be an unsigned 32-bit integer, got ${describe(v)}`;
    }
    if (text && typeof v !== "string") {
      return `${k} must be a string, got ${describe(v)}`;
    }
  }
  return undefined;
}

/** What is wrong with readAuth's `proceed(changes)`, or undefined when nothing is. */
export function authChangesProblem(changes: unknown): string | undefined {
  if (typeof changes !== "object" || changes === null) {
    return `Proceed changes must be an object, got ${describe(changes)}`;
  }
  for (const [k, v] of Object.entries(changes as object)) {
    if (k === "user" || k === "password" || k === "database") {
      if (typeof v !== "string") return `${k} must be a string, got ${describe(v)}`;
    } else if (k === "capabilities") {
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
        return `capabilities must be an unsigned 32-bit integer, got ${describe(v)}`;
      }
    } else if (k === "attributes") {
      if (typeof v !== "object" || v === null || Object.values(v).some((x) => typeof x !== "string")) {
        return "attributes must be an object of strings";
      }
    } else return `the credentials have no field "${k}" to change`;
  }
  return undefined;
}
