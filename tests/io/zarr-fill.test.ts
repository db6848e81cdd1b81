/**
 * Zarr fill values: a chunk never written reads as the array's fill value,
 * parsed for its dtype; a fill value the dtype cannot hold is refused with
 * an error naming the store, the array and the value (it used to read as 0).
 * Stores are written by hand (metadata only, no chunk files), so every
 * element is the fill value.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readDataset4D } from "../../src/stem4d";

const SHAPE = [2, 2, 4, 4];
const root = mkdtempSync(join(tmpdir(), "zarr-fill-"));

function v2(name: string, dtype: string, fill: unknown): string {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, ".zarray"), JSON.stringify({ zarr_format: 2, shape: SHAPE, chunks: SHAPE, dtype, compressor: null, filters: null, order: "C", fill_value: fill }));
  return dir;
}

function v3(name: string, dataType: string, fill: unknown): string {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "zarr.json"), JSON.stringify({
    zarr_format: 3, node_type: "array", shape: SHAPE, data_type: dataType, fill_value: fill,
    chunk_grid: { name: "regular", configuration: { chunk_shape: SHAPE } },
    chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
    codecs: [{ name: "bytes", configuration: { endian: "little" } }],
  }));
  return dir;
}

async function everyValue(dir: string): Promise<number[]> {
  const ds = await readDataset4D(dir);
  return [...new Set(Array.from(ds.readFrames(0, 4)))];
}

test.each([
  ["v2 uint16 65535", () => v2("u2max", "<u2", 65535), [65535]],
  ["v2 int8 -128", () => v2("i1min", "|i1", -128), [-128]],
  ["v2 float32 null reads 0", () => v2("f4null", "<f4", null), [0]],
  ["v2 float64 -Infinity", () => v2("f8ninf", "<f8", "-Infinity"), [-Infinity]],
  ["v3 float32 raw bits 0x3f800000 = 1", () => v3("f4hex", "float32", "0x3f800000"), [1]],
  ["v3 float64 raw bits 0xc000000000000000 = -2", () => v3("f8hex", "float64", "0xc000000000000000"), [-2]],
  ["v3 float32 NaN", () => v3("f4nan", "float32", "NaN"), [NaN]],
] as [string, () => string, number[]][])("%s", async (_, make, want) => {
  expect(await everyValue(make())).toEqual(want);
});

test.each([
  ["v2 uint16 NaN", () => v2("u2nan", "<u2", "NaN"), /array "\/": fill_value "NaN" is not an integer in \[0, 65535\] for <u2/],
  ["v2 uint8 out of range", () => v2("u1big", "|u1", 256), /fill_value 256 is not an integer in \[0, 255\]/],
  ["v2 int16 fractional", () => v2("i2half", "<i2", 1.5), /fill_value 1.5 is not an integer/],
  ["v3 float32 base64 text", () => v3("f4b64", "float32", "AACAPw=="), /fill_value "AACAPw==" is not a number, "NaN", "±Infinity" or 8 hex digits/],
  ["v3 float64 short hex", () => v3("f8short", "float64", "0x3f800000"), /16 hex digits "0x…" for <f8/],
] as [string, () => string, RegExp][])("%s is refused, naming the store", async (_, make, message) => {
  const dir = make();
  const err = await readDataset4D(dir).then(() => undefined, (e: Error) => e);
  expect(err?.message).toMatch(message);
  expect(err?.message).toContain(dir);
});
