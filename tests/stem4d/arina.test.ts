/**
 * Dectris Arina/Eiger acquisitions (master + external-link data files,
 * bitshuffle-LZ4) through readDataset4D by content: every frame equal to
 * what h5py + hdf5plugin wrote (tests/stem4d/arina_fixture.py), uint16 and
 * uint32 (values above 2^16), links resolved against the master's directory
 * (not the working directory), reads across data files, a square scan
 * inferred as rosettasciio does, and clear errors for a wrong scanShape,
 * a non-square count without scanShape, a missing and a truncated data file.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readDataset4D } from "../../src/stem4d";

const ROOT = resolve(__dirname, "..", "..");
const PYTHON = process.env.CAUSALSCOPE_PYTHON ?? join(ROOT, ".venv", "bin", "python");
const KY = 6, KX = 5;

/** Write an acquisition with the fixture writer; frames per data file `per`, `n` frames in all. */
function write(dir: string, prefix: string, dtype: string, per: number, n: number): string {
  execFileSync(PYTHON, [join(__dirname, "arina_fixture.py"), dir, prefix, dtype, String(per), String(n), String(KY), String(KX)]);
  return join(dir, `${prefix}_master.h5`);
}

/** The value the fixture writes at frame i, pixel (y, x) (exact in float32 only below 2^24: checked by the caller). */
function expected(dtype: string, n: number): number[] {
  const bits = dtype === "uint32" ? 32 : 16;
  const scale = bits === 32 ? 65521n : 1n;
  const out: number[] = [];
  for (let i = 0n; i < BigInt(n); i++) for (let y = 0n; y < BigInt(KY); y++) for (let x = 0n; x < BigInt(KX); x++) {
    out.push(Number(((i * 7919n + y * BigInt(KX) + x) * scale) % (1n << BigInt(bits))));
  }
  return out;
}

let dir: string;
beforeAll(() => {
  if (!existsSync(PYTHON)) throw new Error(`needs the project venv's Python at ${PYTHON} (h5py, hdf5plugin): run \`node scripts/venv.mjs\``);
  dir = mkdtempSync(join(tmpdir(), "arina-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("uint16, 2 data files, scanShape given: every frame equal to what was written; reads straddle the files", async () => {
  const master = write(dir, "u16", "uint16", 7, 12);
  const cwd = process.cwd();
  process.chdir(tmpdir()); // external links must resolve against the master's directory
  let ds;
  try {
    ds = await readDataset4D(master, { scanShape: [3, 4] });
  } finally {
    process.chdir(cwd);
  }
  expect(ds.scanShape).toEqual([3, 4]);
  expect(ds.detShape).toEqual([KY, KX]);
  const want = expected("uint16", 12);
  expect(Array.from(ds.readFrames(0, 12))).toEqual(want);
  const fs = KY * KX;
  expect(Array.from(ds.readFrames(5, 4))).toEqual(want.slice(5 * fs, 9 * fs)); // frames 5, 6 | 7, 8 across data_000001 / data_000002
  expect(Array.from(ds.readFrames(9, 1))).toEqual(want.slice(9 * fs, 10 * fs));
  ds.close();
  await expect(readDataset4D(master, { scanShape: [5, 5] })).rejects.toThrow(/scanShape \[5,5\] has 25 positions, the file has 12 frames/);
  await expect(readDataset4D(master)).rejects.toThrow(/12 frames is not a square scan; pass options\.scanShape/);
});

test("uint32 (values above 2^16), square scan inferred without scanShape", async () => {
  const master = write(dir, "u32", "uint32", 5, 9);
  const want = expected("uint32", 9);
  expect(want.some((v) => v > 65535)).toBe(true);
  const ds = await readDataset4D(master);
  expect(ds.scanShape).toEqual([3, 3]);
  const got = ds.readFrames(0, 9);
  // float32 holds integers exactly up to 2^24; above, compare with the float32 rounding of the written value
  expect(Array.from(got)).toEqual(want.map((v) => Math.fround(v)));
  ds.close();
});

test("a missing data file and a truncated one give errors naming the file", async () => {
  const master = write(dir, "bad", "uint16", 4, 8);
  const second = join(dir, "bad_data_000002.h5");
  const bytes = readFileSync(second);
  rmSync(second);
  await expect(readDataset4D(master, { scanShape: [2, 4] })).rejects.toThrow(/bad_data_000002\.h5" \(linked from \/entry\/data\/data_000002\) does not exist/);
  writeFileSync(second, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await expect(readDataset4D(master, { scanShape: [2, 4] })).rejects.toThrow(/bad_data_000002\.h5.*truncated/);
  copyFileSync(join(dir, "bad_data_000001.h5"), join(dir, "keep.h5")); // the intact file still reads alone
  const one = await readDataset4D(join(dir, "keep.h5"), { scanShape: [2, 2] });
  expect(Array.from(one.readFrames(0, 4))).toEqual(expected("uint16", 4));
  one.close();
});
