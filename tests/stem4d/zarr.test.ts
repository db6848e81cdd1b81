/**
 * Zarr stores (v2 and v3) through readDataset4D, written by zarr-python
 * 3.1.6 (tests/stem4d/zarr_fixture.py) with every compressor and codec the
 * reader claims, chunks that split the scan and the detector (edge chunks
 * included): every frame equals the written array; a chunk never written is
 * the fill value; layouts the reader does not handle are refused by name.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readDataset4D } from "../../src/stem4d";

const PYTHON = process.env.CAUSALSCOPE_PYTHON ?? join(resolve(__dirname, "..", ".."), ".venv", "bin", "python");
const R = 4, C = 5, KY = 16, KX = 12;
let dir = "";

beforeAll(() => {
  if (!existsSync(PYTHON)) throw new Error(`needs the project venv's Python at ${PYTHON} (zarr): run \`node scripts/venv.mjs\``);
  dir = mkdtempSync(join(tmpdir(), "zarr-"));
  execFileSync(PYTHON, [join(__dirname, "zarr_fixture.py"), dir], { encoding: "utf8" });
}, 120_000);

/** The written value at scan (r, c), pixel (y, x), cast as the store's dtype casts it. */
function expected(r: number, c: number, y: number, x: number, cast: (v: number) => number): number {
  return cast((r * 1000 + c * 100 + y * KX + x) % 65536);
}

async function checkAll(name: string, cast: (v: number) => number = (v) => v, rows = R): Promise<void> {
  const ds = await readDataset4D(join(dir, name));
  expect(ds.scanShape).toEqual([R, C]);
  expect(ds.detShape).toEqual([KY, KX]);
  const all = ds.readFrames(0, R * C);
  let bad = 0;
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) for (let y = 0; y < KY; y++) for (let x = 0; x < KX; x++) {
    if (all[((r * C + c) * KY + y) * KX + x] !== expected(r, c, y, x, cast)) bad++;
  }
  expect(bad).toBe(0);
}

const u8 = (v: number) => v & 0xff, i16 = (v: number) => ((v & 0xffff) << 16) >> 16, f32 = (v: number) => Math.fround(v);

test.each([
  ["v2-blosc.zarr", undefined],
  ["v2-zlib.zarr", f32],
  ["v2-gzip.zarr", undefined],
  ["v2-lz4.zarr", undefined],
  ["v2-zstd-nested.zarr", u8],
  ["v2-raw.zarr", undefined],
  ["v3-zstd-crc.zarr", f32],
  ["v3-blosc.zarr", undefined],
  ["v3-gzip-v2keys.zarr", i16],
] as [string, ((v: number) => number) | undefined][])("%s: every frame equals the array zarr-python wrote", async (name, cast) => {
  await checkAll(name, cast);
});

test("a chunk never written is the fill value (7); a group store picks its 4-D array, or the one named", async () => {
  await checkAll("v3-fill.zarr", undefined, 2);
  const ds = await readDataset4D(join(dir, "v3-fill.zarr"));
  const last = ds.readFrames(R * C - 1, 1);
  expect(last.every((v) => v === 7)).toBe(true);
  await checkAll("group.zarr");
  await expect(readDataset4D(join(dir, "group.zarr"), { dataset: "meta" })).rejects.toThrow(/1-D|shape/);
  await expect(readDataset4D(join(dir, "group.zarr"), { dataset: "nope" })).rejects.toThrow(/no array "nope" in the Zarr store \(arrays: "meta" \[3\], "scan\/data" \[4, 5, 16, 12\]\)/);
});

test("refused by name: Fortran order, v2 filters, sharding, a corrupt chunk, a directory that is not a store", async () => {
  await expect(readDataset4D(join(dir, "v2-fortran.zarr"))).rejects.toThrow(/v2-fortran\.zarr.*order "F"; only C-ordered arrays are read/);
  await expect(readDataset4D(join(dir, "v2-delta.zarr"))).rejects.toThrow(/filters .*delta.* are not read/);
  await expect(readDataset4D(join(dir, "v3-shard.zarr"))).rejects.toThrow(/no "bytes" codec \(sharded arrays are not read\)/);
  // flip a byte inside one compressed chunk: its crc32c (v3) no longer matches
  const chunkDir = join(dir, "v3-zstd-crc.zarr", "c", "0", "0", "0");
  const chunk = join(chunkDir, readdirSync(chunkDir).filter((f) => statSync(join(chunkDir, f)).isFile())[0]);
  const bytes = readFileSync(chunk);
  bytes[Math.floor(bytes.length / 2)] ^= 0xff;
  writeFileSync(chunk, bytes);
  const ds = await readDataset4D(join(dir, "v3-zstd-crc.zarr"));
  expect(() => ds.readFrames(0, 1)).toThrow(/chunk c\/0\/0\/0\/0.*(crc32c checksum mismatch|Zstandard)/);
  await expect(readDataset4D(dir)).rejects.toThrow(/is a directory; directory formats: zarr/);
});
