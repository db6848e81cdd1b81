import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeNpy, halfToFloat, npyHeader, readNpy, writeNpy } from "../../src/io";
import { makeImage } from "../../src/image";
import { Fixtures, PYTHON, firstMismatch, makeFixtures } from "./fixtures";

let fx: Fixtures;
beforeAll(() => {
  fx = makeFixtures();
});
afterAll(() => fx?.cleanup());

const DTYPES = ["b1", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8"];
const ARRAY_TYPE: Record<string, string> = {
  b1: "Uint8Array", i1: "Int8Array", u1: "Uint8Array", i2: "Int16Array", u2: "Uint16Array", i4: "Int32Array", u4: "Uint32Array",
  i8: "Float64Array", u8: "Float64Array", f2: "Float32Array", f4: "Float32Array", f8: "Float64Array",
};

describe("readNpy: every dtype × byte order × memory order, value by value against numpy", () => {
  const cases: [string, string, string][] = [];
  for (const dt of DTYPES) {
    for (const bo of ["b1", "i1", "u1"].includes(dt) ? ["le"] : ["le", "be"]) {
      for (const order of ["C", "F"]) cases.push([dt, bo, order]);
    }
  }
  it.each(cases)("%s %s %s-order", (dt, bo, order) => {
    const name = `npy_${dt}_${bo}_${order}.npy`;
    const exp = fx.entry(name);
    const arr = readNpy(fx.path(name));
    expect(arr.shape).toEqual(exp.shape);
    expect(arr.fortranOrder).toBe(order === "F");
    expect(arr.dtype.slice(1)).toBe(dt);
    expect(arr.dtype[0]).toBe(["b1", "i1", "u1"].includes(dt) ? "|" : bo === "le" ? "<" : ">");
    expect(arr.data.constructor.name).toBe(ARRAY_TYPE[dt]);
    // expected values are numpy's C-order ravel, so Fortran files are compared after our transpose
    expect(firstMismatch(arr.data as ArrayLike<number>, exp.values)).toBeNull();
  });

  it("covers specials: NaN, ±Inf, -0, subnormals, float extremes", () => {
    const f2 = readNpy(fx.path("npy_f2_be_C.npy")).data as Float32Array;
    expect(Number.isNaN(f2[0])).toBe(true);
    expect(f2[1]).toBe(Infinity);
    expect(f2[2]).toBe(-Infinity);
    expect(Object.is(f2[3], -0)).toBe(true);
    expect(f2[4]).toBe(2 ** -16); // float16 tiny/4: a subnormal
    expect(f2[5]).toBe(65504);
  });
});

describe("readNpy: header versions, 64-bit integers, odd shapes", () => {
  it.each(["npy_v1.npy", "npy_v2.npy", "npy_v3.npy"])("reads format %s", (name) => {
    const arr = readNpy(fx.path(name));
    expect(arr.shape).toEqual([3, 4]);
    expect(firstMismatch(arr.data, fx.entry(name).values)).toBeNull();
  });

  it("refuses int64 values a double cannot hold exactly, naming the element, and reads them as bigint on request", () => {
    expect(() => readNpy(fx.path("npy_i8_big.npy"))).toThrow(/readNpy\(".*npy_i8_big\.npy"\): element 0 = 4611686018427387905 of dtype <i8 is not exactly representable/);
    const big = readNpy(fx.path("npy_i8_big.npy"), { int64: "bigint" });
    expect(big.data).toBeInstanceOf(BigInt64Array);
    expect(firstMismatch(big.data, fx.entry("npy_i8_big.npy").values)).toBeNull();
    const u = readNpy(fx.path("npy_u8_max.npy"), { int64: "bigint" });
    expect(u.data).toBeInstanceOf(BigUint64Array);
    expect((u.data as BigUint64Array)[0]).toBe(2n ** 64n - 1n);
  });

  it("reads zero-size and 0-d arrays", () => {
    const z = readNpy(fx.path("npy_zero.npy"));
    expect(z.shape).toEqual([0, 5]);
    expect(z.data.length).toBe(0);
    const s = readNpy(fx.path("npy_scalar.npy"));
    expect(s.shape).toEqual([]);
    expect(Array.from(s.data as Float64Array)).toEqual([2.5]);
  });

  it("reads from bytes as well as from a path", () => {
    const bytes = new Uint8Array(readFileSync(fx.path("npy_i2_be_F.npy")));
    const a = readNpy(bytes);
    expect(firstMismatch(a.data, fx.entry("npy_i2_be_F.npy").values)).toBeNull();
  });
});

describe("readNpy: unsupported and broken files fail clearly", () => {
  it.each([
    ["npy_complex.npy", /complex dtype <c8 is not supported/],
    ["npy_struct.npy", /structured \(record\) dtypes are not supported/],
    ["npy_unicode.npy", /unsupported dtype <U2 \(unicode string\)/],
    ["bad_npy_truncated.npy", /truncated: header says 96 bytes of data \(shape \[3, 4\], <f8\), file has 86/],
    ["bad_npy_truncated_header.npy", /truncated: header length field says \d+ bytes, only 30 present/],
    ["bad_npy_header.npy", /corrupt header: no 'descr' entry/],
    ["unknown.bin", /not a \.npy file: magic bytes 47 49 46 38 39 61/],
    ["empty.npy", /truncated: 0 bytes/],
  ])("%s", (name, msg) => {
    expect(() => readNpy(fx.path(name))).toThrow(msg);
    expect(() => readNpy(fx.path(name))).toThrow(new RegExp(`^readNpy\\(".*${name.replace(".", "\\.")}"\\)`));
  });
  it("names a missing file", () => {
    expect(() => readNpy(join(fx.dir, "nope.npy"))).toThrow(/readNpy\(".*nope\.npy"\): cannot read: ENOENT/);
  });
});

describe("npyHeader", () => {
  it("gives dtype, shape, order and the data offset without reading the data", () => {
    const h = npyHeader(fx.path("npy_u2_be_F.npy"));
    expect(h).toMatchObject({ dtype: ">u2", shape: [3, 4, 2], fortranOrder: true, itemSize: 2, littleEndian: false, version: [1, 0], size: 24 });
    expect(h.dataOffset % 64).toBe(0); // numpy aligns the data to 64 bytes
    const bytes = readFileSync(fx.path("npy_u2_be_F.npy"));
    expect(bytes.length).toBe(h.dataOffset + 24 * 2);
    // first element (Fortran order: element [0,0,0]) read directly from the offset
    expect(bytes.readUInt16BE(h.dataOffset)).toBe((readNpy(bytes).data as Uint16Array)[0]);
  });
  it("reads version 2 and 3 headers", () => {
    expect(npyHeader(fx.path("npy_v2.npy")).version).toEqual([2, 0]);
    expect(npyHeader(fx.path("npy_v3.npy")).dataOffset).toBe(readFileSync(fx.path("npy_v3.npy")).length - 48);
  });
  it("detects truncation from the header alone", () => {
    expect(() => npyHeader(fx.path("bad_npy_truncated.npy"))).toThrow(/npyHeader\(".*"\): truncated: header says 96 bytes of data/);
  });
});

describe("writeNpy: numpy loads back identical values", () => {
  const cases: [string, ArrayLike<number> | BigInt64Array, number[], string][] = [
    ["f4", Float32Array.from([1.5, -0, NaN, Infinity, -Infinity, 3.4028234663852886e38, 1e-45, 0.1]), [2, 4], "<f4"],
    ["f8", Float64Array.from([Math.PI, -1e308, 5e-324, NaN, 0.1, -0, 1, 2]), [4, 2], "<f8"],
    ["i1", Int8Array.from([-128, 127, 0, -1]), [4], "|i1"],
    ["u1", Uint8Array.from([0, 255, 7, 8]), [2, 2], "|u1"],
    ["i2", Int16Array.from([-32768, 32767, 1, -2, 3, -4]), [3, 2], "<i2"],
    ["u2", Uint16Array.from([0, 65535, 1234]), [3], "<u2"],
    ["i4", Int32Array.from([-(2 ** 31), 2 ** 31 - 1, 0, 42]), [1, 4], "<i4"],
    ["u4", Uint32Array.from([0, 2 ** 32 - 1]), [2, 1], "<u4"],
    ["i8", BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n, 5n]), [3], "<i8"],
    ["plain array", [0.5, 1.5, 2.5], [3], "<f8"],
  ];
  it.each(cases)("%s", (label, data, shape, dtype) => {
    const path = join(fx.dir, `written_${label.replace(" ", "_")}.npy`);
    writeNpy(path, data as ArrayLike<number>, shape);
    const out = execFileSync(
      PYTHON,
      ["-c", "import json,sys,numpy as np; a=np.load(sys.argv[1]); print(json.dumps({'dtype': a.dtype.str, 'shape': list(a.shape), 'v': [repr(x) for x in a.ravel().tolist()]}))", path],
      { encoding: "utf8" },
    );
    const got = JSON.parse(out) as { dtype: string; shape: number[]; v: string[] };
    expect(got.dtype).toBe(dtype);
    expect(got.shape).toEqual(shape);
    const pyRepr = (x: number | bigint): string => {
      if (typeof x === "bigint") return x.toString();
      if (Number.isNaN(x)) return "nan";
      if (x === Infinity) return "inf";
      if (x === -Infinity) return "-inf";
      if (Object.is(x, -0)) return "-0.0";
      if (dtype.includes("f")) return Number.isInteger(x) && Math.abs(x) < 1e16 ? `${x}.0` : String(x);
      return String(x);
    };
    // numpy's repr of a float is the shortest round-trip string, like JavaScript's
    const expected = Array.from(data as ArrayLike<number>, (x) => pyRepr(dtype === "<f4" ? Number(x) : x));
    expect(got.v.map((s) => s.replace("e+", "e"))).toEqual(expected.map((s) => s.replace("e+", "e")));
  });

  it("round-trips through readNpy, and writes an Image as float32 [height, width]", () => {
    const img = makeImage([1, 2, 3, 4, 5, 6], 3, 2);
    const path = join(fx.dir, "img.npy");
    writeNpy(path, img);
    const back = readNpy(path);
    expect(back).toMatchObject({ dtype: "<f4", shape: [2, 3], fortranOrder: false });
    expect(Array.from(back.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("switches to format 2.0 when the header is too long for 1.0", () => {
    const shape = Array.from({ length: 30000 }, () => 1);
    const bytes = encodeNpy(new Float32Array(1), shape);
    expect(bytes[6]).toBe(2);
    writeFileSync(join(fx.dir, "long.npy"), bytes);
    expect(readNpy(join(fx.dir, "long.npy")).shape.length).toBe(30000);
  });

  it("rejects a shape that does not match the data, naming the file", () => {
    expect(() => writeNpy(join(fx.dir, "x.npy"), new Float32Array(5), [2, 2])).toThrow(/writeNpy\(".*x\.npy"\): shape \[2, 2\] has 4 elements, data has 5/);
  });
});

describe("halfToFloat", () => {
  it("decodes IEEE binary16 exactly", () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x0400)).toBe(2 ** -14);
    expect(halfToFloat(0x3555)).toBe(0.333251953125);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(Number.isNaN(halfToFloat(0x7e00))).toBe(true);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
  });
});
