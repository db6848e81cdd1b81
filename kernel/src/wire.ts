/**
 * The Jupyter wire protocol (messaging spec 5.3): parsing, HMAC signing and
 * serialisation of multipart ZeroMQ messages.
 *
 * A message on the wire is
 * `[identities..., "<IDS|MSG>", hmac, header, parent_header, metadata, content, buffers...]`
 * where `hmac` is the hex HMAC (here SHA-256) of the four JSON frames, keyed
 * with the connection file's `key`. An empty key disables signing (signature
 * is then the empty string). Reference:
 * https://jupyter-client.readthedocs.io/en/latest/messaging.html#the-wire-protocol
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

/** The messaging-protocol version this kernel implements. */
export const PROTOCOL_VERSION = "5.3";

const DELIMITER = Buffer.from("<IDS|MSG>");

/** A message header (messaging spec "General Message Format"). */
export interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
  [key: string]: unknown;
}

/** A decoded Jupyter message. */
export interface Message<C = Record<string, unknown>> {
  /** ZeroMQ routing identities (before the delimiter); empty for iopub. */
  identities: Buffer[];
  header: Header;
  /** Header of the request this message answers or was caused by; `{}` when none. */
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

/** Signs and verifies messages with the connection file's key and scheme. */
export class Signer {
  private readonly key: string;
  private readonly algorithm: string;

  /**
   * @param key the connection file's `key`; empty disables signing.
   * @param scheme the connection file's `signature_scheme`, e.g. `hmac-sha256`.
   */
  constructor(key: string, scheme = "hmac-sha256") {
    const m = /^hmac-(.+)$/.exec(scheme);
    if (!m) throw new Error(`signature_scheme ${JSON.stringify(scheme)}: only hmac-<digest> schemes are supported`);
    this.key = key;
    this.algorithm = m[1];
    // Fail now, not at the first message, on an unknown digest.
    createHmac(this.algorithm, "probe");
  }

  /** The hex signature of the four JSON frames (empty string when unsigned). */
  sign(frames: (Buffer | string)[]): string {
    if (!this.key) return "";
    const h = createHmac(this.algorithm, this.key);
    for (const f of frames) h.update(f);
    return h.digest("hex");
  }

  /** Whether `signature` is the right one for `frames` (constant-time compare). */
  verify(signature: string, frames: Buffer[]): boolean {
    if (!this.key) return true;
    const expected = Buffer.from(this.sign(frames));
    const got = Buffer.from(signature);
    return expected.length === got.length && timingSafeEqual(expected, got);
  }
}

/**
 * Decode a multipart message received on a ROUTER socket.
 * Throws (naming the reason) on a missing delimiter, a bad signature or
 * malformed JSON; the caller drops such messages.
 */
export function decode(frames: Buffer[], signer: Signer): Message {
  const i = frames.findIndex((f) => f.equals(DELIMITER));
  if (i < 0) throw new Error("message without <IDS|MSG> delimiter");
  if (frames.length < i + 6) throw new Error(`message with ${frames.length - i - 1} frames after the delimiter, need at least 5`);
  const signature = frames[i + 1].toString("ascii");
  const json = frames.slice(i + 2, i + 6);
  if (!signer.verify(signature, json)) throw new Error("message with an invalid HMAC signature");
  const [header, parent, metadata, content] = json.map((f, k) => {
    try {
      return JSON.parse(f.toString("utf8"));
    } catch (e) {
      throw new Error(`message frame ${["header", "parent_header", "metadata", "content"][k]} is not JSON: ${(e as Error).message}`);
    }
  });
  if (!header || typeof header.msg_type !== "string") throw new Error("message header without msg_type");
  return {
    identities: frames.slice(0, i),
    header,
    parent_header: parent ?? {},
    metadata: metadata ?? {},
    content: content ?? {},
    buffers: frames.slice(i + 6),
  };
}

/** JSON.stringify that turns typed arrays into base64 and drops undefined. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
    if (typeof v === "bigint") return v.toString();
    return v;
  });
}

/** Encode a message as multipart frames, signed. */
export function encode(msg: Omit<Message, "identities"> & { identities?: Buffer[] }, signer: Signer): Buffer[] {
  const json = [toJson(msg.header), toJson(msg.parent_header ?? {}), toJson(msg.metadata ?? {}), toJson(msg.content ?? {})].map((s) =>
    Buffer.from(s, "utf8"),
  );
  return [...(msg.identities ?? []), DELIMITER, Buffer.from(signer.sign(json), "ascii"), ...json, ...(msg.buffers ?? [])];
}

/** A fresh header for a message this kernel sends in `session`. */
export function makeHeader(msgType: string, session: string, username = "kernel"): Header {
  return {
    msg_id: randomUUID(),
    msg_type: msgType,
    session,
    username,
    date: new Date().toISOString(),
    version: PROTOCOL_VERSION,
  };
}

/**
 * Convert a cursor position in Unicode code points (what the protocol sends
 * since 5.2) to a UTF-16 index into `text` (what JavaScript strings use).
 */
export function codePointsToUtf16(text: string, cursor: number): number {
  let cp = 0;
  let i = 0;
  while (i < text.length && cp < cursor) {
    const c = text.codePointAt(i)!;
    i += c > 0xffff ? 2 : 1;
    cp++;
  }
  return i;
}

/** Convert a UTF-16 index into `text` to a count of Unicode code points. */
export function utf16ToCodePoints(text: string, index: number): number {
  let cp = 0;
  for (let i = 0; i < index && i < text.length; ) {
    const c = text.codePointAt(i)!;
    i += c > 0xffff ? 2 : 1;
    cp++;
  }
  return cp;
}

/**
 * Replay protection: remembers the signatures of the last `capacity`
 * signed messages and refuses one seen before (an attacker who captured a
 * signed message cannot make the kernel run it again). This is the
 * messaging spec's recommendation ("keep a history of seen signatures",
 * jupyter_client's `Session.digest_history`). Oldest entries are forgotten
 * first; memory is O(capacity) strings of 64 characters. Unsigned messages
 * (empty key) cannot be told apart and are always accepted.
 */
export class ReplayGuard {
  private readonly seen = new Set<string>();

  /** @param capacity signatures remembered (default 65536, as jupyter_client's digest_history_size). */
  constructor(private readonly capacity = 65536) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ReplayGuard: capacity must be a positive integer, got ${capacity}`);
  }

  /** Record `signature`; false when it was seen before (a replay). Empty signatures always pass. */
  fresh(signature: string): boolean {
    if (!signature) return true;
    if (this.seen.has(signature)) return false;
    this.seen.add(signature);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value!);
    return true;
  }
}

/** The signature frame of a raw multipart message (empty when it has none). */
export function signatureOf(frames: Buffer[]): string {
  const i = frames.findIndex((f) => f.equals(DELIMITER));
  return i >= 0 && i + 1 < frames.length ? frames[i + 1].toString("ascii") : "";
}
