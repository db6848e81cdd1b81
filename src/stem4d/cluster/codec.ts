/**
 * Bit-exact JSON transport of UDF parameters, buffer specs and partial
 * results through the job queue (BullMQ stores job data and return values
 * as JSON text). JSON alone would turn a typed array into an object of
 * decimal strings, `-Infinity` (a max buffer's `init`) into `null` and
 * `-0` into `0`; here typed arrays travel as base64 of their bytes and
 * non-finite numbers and -0 as tagged strings, so a decoded value has the
 * same bits as the encoded one.
 *
 * Accepted: null, booleans, numbers, strings, arrays, plain objects
 * (`undefined` members are dropped, as JSON does) and typed arrays; anything
 * else (a function, a Map, a class instance) throws naming its path.
 */

const TYPED = {
  Float64Array, Float32Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array, Uint8ClampedArray,
} as const;
type TypedName = keyof typeof TYPED;
type Typed = InstanceType<(typeof TYPED)[TypedName]>;

/** A tagged value: `{ $t: "Float64Array", b: base64 }` or `{ $n: "NaN" | "Infinity" | "-Infinity" | "-0" }`. */
type Tagged = { $t: TypedName; b: string } | { $n: string };

/**
 * The JSON-safe form of `value` (see the module comment). O(bytes);
 * `where` names the value in errors.
 */
export function encodeValue(value: unknown, where: string): unknown {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") {
    if (Number.isNaN(value)) return { $n: "NaN" };
    if (value === Infinity) return { $n: "Infinity" };
    if (value === -Infinity) return { $n: "-Infinity" };
    if (Object.is(value, -0)) return { $n: "-0" };
    return value;
  }
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor.name as TypedName;
    if (!(name in TYPED)) throw new TypeError(`${where}: a ${value.constructor.name} cannot be sent to cluster workers (typed arrays only)`);
    return { $t: name, b: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
  }
  if (Array.isArray(value)) return value.map((v, i) => encodeValue(v, `${where}[${i}]`));
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) out[k] = encodeValue(v, `${where}.${k}`);
    return out;
  }
  const kind = typeof value === "object" ? (value as object).constructor?.name ?? "object" : typeof value;
  throw new TypeError(`${where}: a ${kind} cannot be sent to cluster workers (plain data only: numbers, strings, arrays, plain objects, typed arrays)`);
}

function isTagged(v: Record<string, unknown>): v is Tagged {
  const keys = Object.keys(v);
  return (keys.length === 2 && typeof v.$t === "string" && typeof v.b === "string") || (keys.length === 1 && typeof v.$n === "string");
}

/** The value `encodeValue` encoded, with the same bits. */
export function decodeValue(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(decodeValue);
  const o = value as Record<string, unknown>;
  if (isTagged(o)) {
    if ("$n" in o) {
      const n = ({ NaN, Infinity, "-Infinity": -Infinity, "-0": -0 } as Record<string, number>)[o.$n];
      if (n === undefined) throw new TypeError(`cluster: unknown number tag ${JSON.stringify(o.$n)}`);
      return n;
    }
    const Ctor = TYPED[o.$t];
    if (!Ctor) throw new TypeError(`cluster: unknown typed array ${JSON.stringify(o.$t)}`);
    const bytes = Buffer.from(o.b, "base64");
    const out: Typed = new Ctor(bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = decodeValue(v);
  return out;
}
