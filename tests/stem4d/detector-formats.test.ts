/**
 * 4D-STEM detector formats opened by `readDataset4D(path)` with no format
 * option (chosen by content through the reader registry), against
 * rosettasciio 0.15 reading the same files in the same run
 * (tests/fixtures/stem4d/detector_reference.py): exact values, shapes and
 * dtypes. Files: the real Merlin acquisition in ../shared/data/stem4d and
 * files written byte by byte from the Merlin documentation, .blo files
 * written by rosettasciio and EMPAD .xml + .raw pairs written byte by byte
 * (tests/fixtures/stem4d/make_blo_empad.py)
 * (tests/fixtures/stem4d/make_mib.py; raw R64 files are checked against
 * rosettasciio's reading of a processed twin holding the same pixels, since
 * rosettasciio refuses raw files), plus truncated and corrupted variants,
 * which must give errors naming the file.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readNpy } from "../../src/io";
import { readDataset4D, virtualImage } from "../../src/stem4d";
import { lineLengthFromTimes, parseMibHeader } from "../../src/io/formats/mib";
import { PYTHON } from "../io/fixtures";
import { sharedData } from "../helpers/shared-data";

interface Axis { size: number; scale: number; units: string | null; navigate: boolean }
interface Ref { shape?: number[]; dtype?: string; npy?: string; error?: string; axes?: Axis[] }

const FIXTURES = resolve(__dirname, "..", "fixtures", "stem4d");
const dir = mkdtempSync(join(tmpdir(), "causalscope-det-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const py = (script: string, ...args: string[]) => execFileSync(PYTHON, [join(FIXTURES, script), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });

const mibFiles = py("make_mib.py", dir).trim().split("\n").map((n) => join(dir, n));
const bloEmpadFiles = py("make_blo_empad.py", dir).trim().split("\n").map((n) => join(dir, n));
const realMib = sharedData("stem4d/001_4x2_6bit.mib");
py("detector_reference.py", dir, ...mibFiles, ...bloEmpadFiles, ...(realMib ? [realMib] : []));
const reference = JSON.parse(readFileSync(join(dir, "reference.json"), "utf8")) as Record<string, Ref>;

/** Our reading equals rosettasciio's: shape (rows, cols, ky, kx), dtype, every value. */
async function expectSameAsReference(path: string, name: string, dtype: string, options: { scanShape?: [number, number] } = {}): Promise<void> {
  const ref = reference[name];
  expect(ref.error).toBeUndefined();
  const ds = await readDataset4D(path, options);
  try {
    expect(options.scanShape ? [ds.nFrames, ...ds.detShape] : [...ds.scanShape, ...ds.detShape]).toEqual(ref.shape);
    expect(ds.dtype.descr).toBe(dtype);
    const want = readNpy(join(dir, ref.npy!)).data as Float32Array;
    const got = ds.readFrames(0, ds.nFrames);
    expect(got.length).toBe(want.length);
    let diff = 0;
    for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) diff++;
    expect(diff).toBe(0);
    // the values span the counter depth (a test that a constant file would fail)
    expect(Math.max(...want.subarray(0, 5000))).toBeGreaterThan(0);
  } finally {
    ds.close();
  }
}

describe("Merlin .mib", () => {
  it.each([
    ["u8_6bit_3x5.mib", "|u1"], // scan shape from the frame timestamps (no .hdr)
    ["u8_1bit_2x4_hdr.mib", "|u1"], // 1-bit counters stored as U08; scan shape from the .hdr
    ["u16_12bit_4x3_hdr.mib", ">u2"],
    ["u32_24bit_2x2.mib", ">u4"],
    ["quad_u16_2x3.mib", ">u2"], // quad, 768-byte headers, assembled frames
  ])("%s: same shape, dtype and values as rosettasciio", async (name, dtype) => {
    await expectSameAsReference(join(dir, name), name, dtype);
  });

  (realMib ? it : it.skip)("the real 4 × 2 6-bit acquisition: rosettasciio's orientation, shape (2, 4, 256, 256), sum 3623664", async () => {
    await expectSameAsReference(realMib!, "001_4x2_6bit.mib", "|u1");
    const ds = await readDataset4D(realMib!);
    try {
      const all = ds.readFrames(0, ds.nFrames);
      expect(all.reduce((a, b) => a + b, 0)).toBe(3623664);
      // row 0 of a pattern is the last row stored in the frame (rosettasciio flips the row axis)
      const bytes = readFileSync(realMib!);
      const lastStoredRow = bytes.subarray(384 + 255 * 256, 384 + 256 * 256);
      expect(Array.from(all.subarray(0, 256))).toEqual(Array.from(lastStoredRow));
      expect(Array.from(all.subarray(0, 256))).not.toEqual(Array.from(bytes.subarray(384, 384 + 256)));
    } finally {
      ds.close();
    }
  });

  it.each([
    ["r1_single", "|u1"], ["r6_single", "|u1"], ["r12_single", ">u2"], ["r24_single", ">u4"],
    ["r1_quad", "|u1"], ["r6_quad", "|u1"], ["r12_quad", ">u2"],
  ])("raw R64 %s: the same pixels as rosettasciio reads from its processed twin", async (tag, dtype) => {
    await expectSameAsReference(join(dir, `raw_${tag}.mib`), `twin_${tag}.mib`, dtype);
  });

  (realMib ? it : it.skip)("a virtual image of the real file's top half (orientation-sensitive) equals rosettasciio's frames, in the calling thread and in workers", async () => {
    const want = readNpy(join(dir, reference["001_4x2_6bit.mib"].npy!)).data as Float32Array;
    const top = new Float32Array(256 * 256).fill(1, 0, 128 * 256);
    const expected = Array.from({ length: 8 }, (_, f) => want.subarray(f * 65536, f * 65536 + 128 * 256).reduce((a, b) => a + b, 0));
    const ds = await readDataset4D(realMib!);
    try {
      for (const options of [{ workers: 0 }, { workers: 2, partitionFrames: 3 }]) {
        const img = await virtualImage(ds, top, { ...options, progress: false });
        expect([img.width, img.height]).toEqual([4, 2]);
        expect(Array.from(img.data)).toEqual(expected);
      }
    } finally {
      ds.close();
    }
  });

  it("opens a .mib through its .hdr; a .hdr without its .mib is an error naming both", async () => {
    await expectSameAsReference(join(dir, "u16_12bit_4x3_hdr.hdr"), "u16_12bit_4x3_hdr.mib", ">u2");
    copyFileSync(join(dir, "u16_12bit_4x3_hdr.hdr"), join(dir, "orphan.hdr"));
    await expect(readDataset4D(join(dir, "orphan.hdr"))).rejects.toThrow(/orphan\.hdr.*the \.mib file beside it, .*orphan\.mib, cannot be read/);
  });

  it("options.scanShape overrides the scan shape; a wrong one is refused", async () => {
    const ds = await readDataset4D(join(dir, "u8_6bit_3x5.mib"), { scanShape: [5, 3] });
    expect(ds.scanShape).toEqual([5, 3]);
    ds.close();
    await expect(readDataset4D(join(dir, "u8_6bit_3x5.mib"), { scanShape: [4, 4] })).rejects.toThrow(/scanShape \[4,4\] has 16 positions, the file has 15 frames/);
  });

  it.each([
    ["bad_truncated.mib", /bad_truncated\.mib.*truncated or corrupt: 8633 bytes is not a whole number of 576-byte frames/],
    ["bad_header.mib", /bad_header\.mib.*corrupt frame 3 header at byte 1728: not a Merlin frame header/],
    ["bad_hdr_count.mib", /bad_hdr_count\.mib.*bad_hdr_count\.hdr says 20 frames in the acquisition, the file holds 15/],
    ["bad_raw.mib", /bad_raw\.mib.*raw \(R64\) 6-bit frames of 12 × 16: each chip's rows must hold whole 64-bit words \(8 pixels\)/],
  ])("%s: an error naming the file and the reason", async (name, message) => {
    await expect(readDataset4D(join(dir, name))).rejects.toThrow(message);
  });

  it.each(Array.from({ length: 24 }, (_, k) => `fuzz_${String(k).padStart(2, "0")}.mib`))("%s (one header byte changed): rosettasciio's reading or an error naming the file", async (name) => {
    const ref = reference[name];
    let ds;
    try {
      ds = await readDataset4D(join(dir, name));
    } catch (e) {
      expect((e as Error).message).toContain(name);
      return;
    }
    ds.close();
    expect(ref.error).toBeUndefined();
    await expectSameAsReference(join(dir, name), name, ds.dtype.descr);
  });

  it("declared sizes are checked against the file before anything is allocated", async () => {
    const huge = readFileSync(join(dir, "u8_6bit_3x5.mib")).toString("latin1").replace("0012,0016", "9999,9999");
    writeFileSync(join(dir, "huge.mib"), Buffer.from(huge, "latin1"));
    await expect(readDataset4D(join(dir, "huge.mib"))).rejects.toThrow(/huge\.mib.*truncated or corrupt: 8640 bytes is not a whole number of 99980385-byte frames/);
  });

  it("an interrupted acquisition reads with options.scanShape (rosettasciio keeps the whole lines)", async () => {
    expect(reference["bad_hdr_count.mib"].shape).toEqual([3, 5, 16, 12]);
    const ds = await readDataset4D(join(dir, "bad_hdr_count.mib"), { scanShape: [3, 5] });
    expect(ds.nFrames).toBe(15);
    ds.close();
  });

  it("parses a frame header; finds the line length from timestamps", () => {
    const h = parseMibHeader("MQ1,000001,00384,01,0256,0256,U08,   1x1,01,2021-05-07 18:51:10.905800,0.100000,0,0,0,4.0E+1,MQ1A,2021-05-07T16:51:10.905800928Z,100000000ns,6,   ");
    expect(h).toEqual({ headerBytes: 384, chips: 1, width: 256, height: 256, pixelType: "U08", layout: "1x1", depth: 6, timestamp: "2021-05-07T16:51:10.905800928Z" });
    expect(() => parseMibHeader("MQ1,000001,0x384,01,0256,0256,U08,1x1,01,a,b,c")).toThrow(/field 2 \(header size\) is "0x384"/);
    expect(lineLengthFromTimes([0, 1, 2, 10, 11, 12, 20, 21, 22])).toBe(3);
    expect(lineLengthFromTimes([0, 1, 2, 3])).toBe(1);
    expect(lineLengthFromTimes([0])).toBe(1);
  });
});

describe("NanoMegas .blo (written by rosettasciio)", () => {
  it.each(["blo_3x4.blo", "blo_5x2.blo"])("%s: same shape, values and calibration as rosettasciio", async (name) => {
    await expectSameAsReference(join(dir, name), name, "|u1");
    const ds = await readDataset4D(join(dir, name));
    const axes = reference[name].axes!;
    expect(ds.calibration).toEqual({ scanStep: axes[0].scale, scanUnit: "nm", detPixelSize: axes[2].scale, detUnit: "cm" });
    ds.close();
  });

  it.each([
    ["bad_blo_truncated.blo", /bad_blo_truncated\.blo.*truncated: the header says 3 × 4 frames of 16 × 16 from byte \d+ \(\d+ bytes\), the file has \d+/],
    ["bad_blo_marker.blo", /bad_blo_marker\.blo.*corrupt: frame 5 at byte \d+ does not start with the marker AA 55/],
  ])("%s: an error naming the file (rosettasciio zero-pads or ignores it)", async (name, message) => {
    await expect(readDataset4D(join(dir, name))).rejects.toThrow(message);
  });
});

describe("EMPAD .xml + .raw", () => {
  it("a 3 × 4 map: shape, values (footer rows dropped) and calibration as rosettasciio", async () => {
    await expectSameAsReference(join(dir, "empad_map.xml"), "empad_map.xml", "<f4");
    const ds = await readDataset4D(join(dir, "empad_map.xml"));
    const axes = reference["empad_map.xml"].axes!;
    expect(axes[1].units).toBe("nm");
    expect(ds.calibration.scanStep).toBeCloseTo(axes[1].scale, 9);
    expect(ds.calibration.detPixelSize).toBeCloseTo(axes[2].scale, 12);
    expect(ds.calibration.detUnit).toBe("1/nm");
    ds.close();
  });

  it("the scan shape from the raw file's name; a series needs scanShape", async () => {
    await expectSameAsReference(join(dir, "empad_byname.xml"), "empad_byname.xml", "<f4");
    await expect(readDataset4D(join(dir, "empad_series.xml"))).rejects.toThrow(/empad_series\.xml.*3-D \(5×128×128\); pass options\.scanShape/);
    await expectSameAsReference(join(dir, "empad_series.xml"), "empad_series.xml", "<f4", { scanShape: [1, 5] });
  });

  it.each([
    ["bad_empad_truncated.xml", /bad_empad_truncated\.xml.*bad_empad_short\.raw has 798716 bytes, 12 frames of 128 × 130 float32 need 798720 \(truncated\)/],
    ["bad_empad_missing.xml", /bad_empad_missing\.xml.*the raw file it names, .*no_such_file\.raw, cannot be read/],
  ])("%s: an error naming the file", async (name, message) => {
    await expect(readDataset4D(join(dir, name))).rejects.toThrow(message);
  });
});
