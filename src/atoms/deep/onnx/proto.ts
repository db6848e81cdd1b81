/**
 * The ONNX model format written by hand: a minimal protocol-buffers encoder
 * (wire format: varint, 32-bit and length-delimited fields) and the few
 * messages of `onnx.proto` (ONNX IR, https://github.com/onnx/onnx/blob/main/onnx/onnx.proto)
 * that a feed-forward graph of float tensors needs. Field numbers below are
 * those of onnx.proto; nothing else of protobuf is used, so no dependency.
 *
 * Reference: Protocol Buffers encoding (https://protobuf.dev/programming-guides/encoding/).
 */

/** Protobuf wire types. */
const VARINT = 0, FIXED32 = 5, LEN = 2;

/** A growable byte buffer that appends protobuf fields. */
class Writer {
  private buf = new Uint8Array(1024);
  private n = 0;

  private reserve(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + k) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }

  /** Unsigned LEB128; negative integers as 64-bit two's complement (10 bytes), as protobuf's int64. */
  varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    this.reserve(10);
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      this.buf[this.n++] = byte;
    } while (v !== 0n);
  }

  private key(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`onnx encoder: field ${field}: ${value} is not an integer`);
    this.key(field, VARINT);
    this.varint(value);
  }

  float(field: number, value: number): void {
    this.key(field, FIXED32);
    this.reserve(4);
    new DataView(this.buf.buffer).setFloat32(this.n, value, true);
    this.n += 4;
  }

  bytes(field: number, data: Uint8Array): void {
    this.key(field, LEN);
    this.varint(data.length);
    this.reserve(data.length);
    this.buf.set(data, this.n);
    this.n += data.length;
  }

  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s));
  }

  /** An embedded message, written by `write` into a fresh writer. */
  message(field: number, write: (w: Writer) => void): void {
    const inner = new Writer();
    write(inner);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

/** ONNX TensorProto.DataType values used here. */
export const FLOAT = 1;
export const INT64 = 7;

/** A constant tensor of the graph (TensorProto, data little-endian in `raw_data`). */
export interface Initializer {
  name: string;
  dims: number[];
  /** FLOAT data, or INT64 data given as numbers. */
  data: Float32Array | { int64: number[] };
}

/** A node attribute: a float, an int, a string, or a list of ints or floats. */
export type Attribute = number | string | { ints: number[] } | { floats: number[] } | { float: number };

/** One operator application (NodeProto). */
export interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  /** Integers are encoded as INT, `{ float }` as FLOAT. */
  attributes?: Record<string, Attribute>;
}

/** A graph input or output: a float tensor with fixed (number) or symbolic (string) dimensions. */
export interface ValueInfo {
  name: string;
  dims: (number | string)[];
}

/** A whole model (ModelProto with one GraphProto). */
export interface Model {
  graphName: string;
  producer: string;
  producerVersion: string;
  opset: number;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  nodes: Node[];
  initializers: Initializer[];
  /** Key-value pairs stored as the model's metadata_props. */
  metadata?: Record<string, string>;
}

/** ONNX IR version 8 (ONNX 1.10+, opsets up to 18 and beyond in ONNX Runtime). */
const IR_VERSION = 8;

function writeTensor(w: Writer, t: Initializer): void {
  for (const d of t.dims) w.int(1, d); // dims
  if (t.data instanceof Float32Array) {
    const expected = t.dims.reduce((a, b) => a * b, 1);
    if (t.data.length !== expected) throw new RangeError(`onnx encoder: initializer ${t.name}: ${t.data.length} values for dims [${t.dims}]`);
    w.int(2, FLOAT); // data_type
    w.string(8, t.name); // name
    const raw = new Uint8Array(t.data.length * 4);
    const view = new DataView(raw.buffer);
    t.data.forEach((v, i) => view.setFloat32(4 * i, v, true));
    w.bytes(9, raw); // raw_data
  } else {
    w.int(2, INT64);
    w.string(8, t.name);
    const raw = new Uint8Array(t.data.int64.length * 8);
    const view = new DataView(raw.buffer);
    t.data.int64.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
    w.bytes(9, raw);
  }
}

// AttributeProto.AttributeType
const ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_STRING = 3, ATTR_FLOATS = 6, ATTR_INTS = 7;

function writeAttribute(w: Writer, name: string, a: Attribute): void {
  w.string(1, name);
  if (typeof a === "number") {
    w.int(3, a); // i
    w.int(20, ATTR_INT);
  } else if (typeof a === "string") {
    w.string(4, a); // s
    w.int(20, ATTR_STRING);
  } else if ("float" in a) {
    w.float(2, a.float); // f
    w.int(20, ATTR_FLOAT);
  } else if ("ints" in a) {
    for (const v of a.ints) w.int(8, v); // ints (unpacked, as onnx.proto2 declares them)
    w.int(20, ATTR_INTS);
  } else {
    for (const v of a.floats) w.float(7, v); // floats
    w.int(20, ATTR_FLOATS);
  }
}

function writeNode(w: Writer, n: Node): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.op);
  for (const [k, a] of Object.entries(n.attributes ?? {})) w.message(5, (m) => writeAttribute(m, k, a));
}

function writeValueInfo(w: Writer, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) => // TypeProto
    type.message(1, (tensor) => { // TypeProto.Tensor
      tensor.int(1, FLOAT); // elem_type
      tensor.message(2, (shape) => { // TensorShapeProto
        for (const d of v.dims) shape.message(1, (dim) => (typeof d === "number" ? dim.int(1, d) : dim.string(2, d)));
      });
    }));
}

/** Serialise `model` as an ONNX ModelProto (the bytes of a `.onnx` file). Cost: linear in the weights' size. */
export function encodeModel(model: Model): Uint8Array {
  const w = new Writer();
  w.int(1, IR_VERSION); // ir_version
  w.string(2, model.producer); // producer_name
  w.string(3, model.producerVersion); // producer_version
  w.message(7, (g) => { // graph
    for (const n of model.nodes) g.message(1, (m) => writeNode(m, n));
    g.string(2, model.graphName);
    for (const t of model.initializers) g.message(5, (m) => writeTensor(m, t));
    for (const v of model.inputs) g.message(11, (m) => writeValueInfo(m, v));
    for (const v of model.outputs) g.message(12, (m) => writeValueInfo(m, v));
  });
  w.message(8, (o) => { o.string(1, ""); o.int(2, model.opset); }); // opset_import (default domain)
  for (const [key, value] of Object.entries(model.metadata ?? {})) w.message(14, (m) => { m.string(1, key); m.string(2, value); });
  return w.finish();
}
