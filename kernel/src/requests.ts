/**
 * Validation of message content (messaging spec 5.3, "Messages on the
 * shell (ROUTER/DEALER) channel", "Custom Messages"): a malformed request
 * gets an error reply naming the field, never a wrong "ok" and never a
 * crash; a malformed comm message is logged and ignored.
 */

/** Expected type of one content field. */
type FieldType = "string" | "boolean" | "integer" | "object" | "string-map";

/** Required (`!`) and optional fields of each message type the kernel handles. */
const FIELDS: Record<string, Record<string, FieldType | `${FieldType}!`>> = {
  execute_request: { code: "string!", silent: "boolean", store_history: "boolean", user_expressions: "string-map", allow_stdin: "boolean", stop_on_error: "boolean" },
  complete_request: { code: "string!", cursor_pos: "integer!" },
  inspect_request: { code: "string!", cursor_pos: "integer!", detail_level: "integer" },
  is_complete_request: { code: "string!" },
  history_request: { hist_access_type: "string!", output: "boolean", raw: "boolean", session: "integer", start: "integer", stop: "integer", n: "integer", pattern: "string", unique: "boolean" },
  comm_info_request: { target_name: "string" },
  shutdown_request: { restart: "boolean" },
  kernel_info_request: {},
  connect_request: {},
  usage_request: {},
  comm_open: { comm_id: "string!", target_name: "string!", data: "object" },
  comm_msg: { comm_id: "string!", data: "object" },
  comm_close: { comm_id: "string!", data: "object" },
};

/** The name JSON gives a value's type, for messages. */
function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number" && !Number.isInteger(v)) return "non-integer number";
  return typeof v;
}

function hasType(v: unknown, t: FieldType): boolean {
  switch (t) {
    case "string":
    case "boolean":
      return typeof v === t;
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "object":
      return typeof v === "object" && v !== null && !Array.isArray(v);
    case "string-map":
      return typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
  }
}

/**
 * What is wrong with the content of a `msgType` message, or undefined when
 * it is well formed, e.g. `execute_request: content.code must be a string,
 * got number`. Unknown message types are not judged here.
 * Cost: O(fields), plus O(entries) for user_expressions.
 */
export function requestProblem(msgType: string, content: unknown): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(FIELDS, msgType)) return undefined;
  const fields = FIELDS[msgType];
  if (typeof content !== "object" || content === null || Array.isArray(content)) return `${msgType}: content must be an object, got ${jsonType(content)}`;
  const c = content as Record<string, unknown>;
  for (const [name, spec] of Object.entries(fields)) {
    const required = spec.endsWith("!");
    const type = (required ? spec.slice(0, -1) : spec) as FieldType;
    const v = c[name];
    if (v === undefined) {
      if (required) return `${msgType}: content.${name} is missing (it must be ${article(type)})`;
      continue;
    }
    if (!hasType(v, type)) return `${msgType}: content.${name} must be ${article(type)}, got ${jsonType(v)}`;
  }
  if (msgType === "complete_request" || msgType === "inspect_request") {
    if ((c.cursor_pos as number) < 0) return `${msgType}: content.cursor_pos must be >= 0, got ${c.cursor_pos}`;
  }
  if (msgType === "inspect_request" && c.detail_level !== undefined && c.detail_level !== 0 && c.detail_level !== 1) {
    return `${msgType}: content.detail_level must be 0 or 1, got ${c.detail_level}`;
  }
  if (msgType === "history_request" && !["range", "tail", "search"].includes(c.hist_access_type as string)) {
    return `${msgType}: content.hist_access_type must be "range", "tail" or "search", got ${JSON.stringify(c.hist_access_type)}`;
  }
  return undefined;
}

function article(t: FieldType): string {
  return t === "integer" ? "an integer" : t === "object" ? "an object" : t === "string-map" ? "an object of strings" : `a ${t}`;
}
