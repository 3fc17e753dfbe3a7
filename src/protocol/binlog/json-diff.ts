/**
 * Partial JSON updates (PARTIAL_UPDATE_ROWS, MySQL 8 with `binlog_row_value_options=PARTIAL_JSON`):
 * the after image of a JSON column as a list of diffs (operation byte, length-encoded path,
 * length-encoded binary JSON value unless the operation is REMOVE), and applying them to the
 * document of the before image to give the document after. Paths are the ones MySQL writes: `$`
 * then `.key`, `."quoted key"` and `[n]` legs.
 *
 * Pages:
 * https://dev.mysql.com/doc/dev/mysql-server/9.4.0/classmysql_1_1binlog_1_1event_1_1Rows__event.html (PARTIAL_UPDATE_ROWS_EVENT)
 * https://dev.mysql.com/doc/dev/mysql-server/9.4.0/json__binary_8h.html (the values of the diffs)
 */
import { Reader } from "../bytes.ts";
import { ProtocolError } from "../errors.ts";
import { decodeJsonBinary } from "./json-binary.ts";

/** One change of a partial JSON update. */
export interface JsonDiff {
  readonly operation: "replace" | "insert" | "remove";
  /** The JSON path, e.g. `$.a[1]`. */
  readonly path: string;
  /** The new value (absent for "remove"). */
  readonly value?: unknown;
}

const OPERATIONS = ["replace", "insert", "remove"] as const;

/** Decodes the diffs of a partial JSON column value in bytes [start, end). */
export function decodeJsonDiffs(bytes: Uint8Array, start: number, end: number): JsonDiff[] {
  const r = new Reader(bytes, start, end);
  const diffs: JsonDiff[] = [];
  while (r.remaining > 0) {
    const code = r.u8();
    const operation = OPERATIONS[code];
    if (operation === undefined) throw new ProtocolError("malformed", `unknown JSON diff operation ${code}`);
    const path = r.lenencString();
    if (operation === "remove") {
      diffs.push({ operation, path });
      continue;
    }
    const length = r.lenenc();
    r.need(length);
    const value = decodeJsonBinary(bytes, r.pos, r.pos + length);
    r.pos += length;
    diffs.push({ operation, path, value });
  }
  return diffs;
}

type Leg = string | number | { readonly last: number };

/** Splits a JSON path into member names and array indexes. */
export function parseJsonPath(path: string): Leg[] {
  const legs: Leg[] = [];
  const bad = () =>
    new ProtocolError("malformed", `unsupported JSON path ${JSON.stringify(path)} in a JSON diff`);
  let i = 0;
  while (i < path.length && path[i] === " ") i++;
  if (path[i] !== "$") throw bad();
  i++;
  while (i < path.length) {
    const c = path[i];
    if (c === " ") {
      i++;
    } else if (c === ".") {
      i++;
      if (path[i] === '"') {
        let j = i + 1;
        while (j < path.length && path[j] !== '"') j += path[j] === "\\" ? 2 : 1;
        if (j >= path.length) throw bad();
        legs.push(JSON.parse(path.slice(i, j + 1)) as string);
        i = j + 1;
      } else {
        let j = i;
        while (j < path.length && path[j] !== "." && path[j] !== "[") j++;
        if (j === i) throw bad();
        legs.push(path.slice(i, j).trim());
        i = j;
      }
    } else if (c === "[") {
      const j = path.indexOf("]", i);
      if (j < 0) throw bad();
      const inner = path.slice(i + 1, j).trim();
      const m = /^(?:(\d+)|last(?:\s*-\s*(\d+))?)$/.exec(inner);
      if (m === null) throw bad();
      legs.push(m[1] !== undefined ? Number(m[1]) : { last: Number(m[2] ?? 0) });
      i = j + 1;
    } else throw bad();
  }
  return legs;
}

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = clone(v);
    return out;
  }
  return value;
}

function arrayIndex(leg: number | { readonly last: number }, length: number): number {
  return typeof leg === "number" ? leg : length - 1 - leg.last;
}

/**
 * Applies diffs to a document (not changed: a new document is returned), as the server applied
 * them: replace an existing value, insert into an array or object, remove a value.
 */
export function applyJsonDiffs(document: unknown, diffs: readonly JsonDiff[]): unknown {
  let root = clone(document);
  for (const diff of diffs) {
    const legs = parseJsonPath(diff.path);
    if (legs.length === 0) {
      if (diff.operation !== "remove") root = clone(diff.value);
      continue;
    }
    let parent: unknown = root;
    for (let i = 0; i < legs.length - 1 && parent !== undefined; i++) {
      const leg = legs[i];
      if (typeof leg === "string") {
        parent = parent !== null && typeof parent === "object" && !Array.isArray(parent)
          ? (parent as Record<string, unknown>)[leg]
          : undefined;
      } else parent = Array.isArray(parent) ? parent[arrayIndex(leg, parent.length)] : undefined;
    }
    if (parent === null || typeof parent !== "object") continue; // the server applied nothing either
    const last = legs[legs.length - 1];
    if (typeof last === "string") {
      if (Array.isArray(parent)) continue;
      const object = parent as Record<string, unknown>;
      if (diff.operation === "remove") delete object[last];
      else object[last] = clone(diff.value);
    } else if (Array.isArray(parent)) {
      const index = arrayIndex(last, parent.length);
      if (diff.operation === "remove") {
        if (index >= 0 && index < parent.length) parent.splice(index, 1);
      } else if (diff.operation === "insert") {
        parent.splice(Math.max(0, Math.min(index, parent.length)), 0, clone(diff.value));
      } else if (index >= 0 && index < parent.length) parent[index] = clone(diff.value);
    }
  }
  return root;
}
