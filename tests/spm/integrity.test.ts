/**
 * Truncated and corrupted SPM files give errors naming the file and the
 * reason (files cut or altered from the real ones in ../shared/data/spm), and
 * a NanoScope image written byte by byte from the documented layout reads
 * back with the documented scaling and orientation.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readImage } from "../../src/io/read-image";
import { readSPM } from "../../src/spm";
import { sharedData } from "../helpers/shared-data";

const DIR = sharedData("spm");
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "causalscope-spm-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

(DIR ? describe : describe.skip)("cut and corrupted real files", () => {
  const real = (name: string): Uint8Array => readFileSync(join(DIR!, name));
  const cases: [string, (b: Uint8Array) => Uint8Array, RegExp][] = [
    ["nanonis_Image_445.sxm", (b) => b.subarray(0, Math.floor(b.length * 0.6)), /truncated: the header describes 18 images of 96 x 192 float32/],
    ["nanonis_Image_445.sxm", (b) => b.subarray(0, 3000), /no :SCANIT_END: line ends the header/],
    ["nanonis_STS_grid_lockin.3ds", (b) => b.subarray(0, b.length - 4), /truncated: the header describes 30 x 30 points of 810 float32/],
    ["nanonis_BiasSpectroscopy.dat", (b) => b.subarray(0, b.length - 100), /data line \d+ has \d+ values, the column names line has 25/],
    ["gwy_SingFreqPFM_0003.gwy", (b) => b.subarray(0, b.length - 1000), /truncated: /],
    ["asylum_BTFO_DSO_PFM.ibw", (b) => b.subarray(0, 100000), /truncated: the wave needs 1048576 data bytes/],
    ["bruker_ForceCurve_Sapphire.001", (b) => b.subarray(0, 42000), /truncated: Height Sensor needs 2048 bytes at offset 43008|truncated: Deflection Error needs 2048 bytes at offset 40960/],
    ["createc_A190824.135614.VERT", (b) => b.subarray(0, b.length - 2000), /truncated or corrupt: the DATA line announces 1024 points, the file has 10\d\d rows|row \d+ has \d values, expected 8/],
    ["nanonis_Image_445.sxm", (b) => { const c = b.slice(); const i = Buffer.from(c).indexOf("up\n"); c.set(Buffer.from("sideways\n"), i); return c; }, /SCAN_DIR must be "up" or "down"/],
    ["gwy_SingFreqPFM_0003.gwy", (b) => { const c = b.slice(); const i = Buffer.from(c).indexOf("xres\0i"); c[i + 5] = "z".charCodeAt(0); return c; }, /corrupt: component "xres" has unknown type "z"/],
  ];
  test.each(cases)("%s (%#) gives a clear error naming the file", async (name, cut, why) => {
    const p = write(`bad-${name}`, cut(real(name)));
    const e = await readSPM(p).then(() => null, (x: Error) => x);
    expect(e).not.toBeNull();
    expect(e!.message).toContain(`readSPM(${JSON.stringify(p)})`);
    expect(e!.message).toMatch(why);
  });

  test("an Igor header with a bad checksum is not taken for a wave (unknown format, naming the file)", async () => {
    const c = real("asylum_BTFO_DSO_PFM.ibw").slice();
    c[100] ^= 0xff;
    const p = write("bad-checksum.ibw", c);
    await expect(readSPM(p)).rejects.toThrow(new RegExp(`readSPM\\(${JSON.stringify(p).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\): unknown file format.*igor-ibw`));
  });

  test("an empty file and a non-SPM file are refused by readSPM", async () => {
    await expect(readSPM(write("empty.sxm", new Uint8Array(0)))).rejects.toThrow(/the file is empty/);
    const npy = Buffer.concat([Buffer.from([0x93]), Buffer.from("NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }" + " ".repeat(50) + "\n", "latin1"), Buffer.alloc(4)]);
    await expect(readSPM(write("x.npy", npy))).rejects.toThrow(/is a NumPy \.npy array \(npy\), not a scanning-probe format; scanning-probe formats: nanonis-sxm/);
  });
});

describe("NanoScope image written from the documented layout", () => {
  /** Header text, NUL-padded to `offset`, then int32 LE raw values with the BOTTOM line first. */
  function nanoscopeFile(raw: number[], w: number, h: number, zScale = "(0.0001000000 V/LSB) 6.000000 V"): Uint8Array {
    const offset = 2048;
    const text = [
      "\\*File list", "\\Version: 0x09200000", "\\*Ciao scan list", "\\Scan Size: 500 250 nm", "\\Rotate Ang.: 30",
      "\\@Sens. Zsens: V 20.00000 nm/V", "\\*Ciao image list", `\\Data offset: ${offset}`, `\\Data length: ${raw.length * 4}`, "\\Bytes/pixel: 4",
      `\\Samps/line: ${w}`, `\\Number of lines: ${h}`, "\\Line Direction: Retrace", '\\@2:Image Data: S [Height] "Height"',
      `\\@2:Z scale: V [Sens. Zsens] ${zScale}`, "\\*File list end", "",
    ].join("\r\n");
    const b = new Uint8Array(offset + raw.length * 4);
    b.set(Buffer.from(text, "latin1"));
    const dv = new DataView(b.buffer);
    raw.forEach((r, i) => dv.setInt32(offset + 4 * i, r, true));
    return b;
  }
  test("values = raw x hard scale x sensitivity, in nm (4-byte storage from Data length); bottom line first in the file, row 0 = top here", async () => {
    const raw = [1, 2, 3, 4, -65536, 65536, 131072, 7];
    const p = write("image.spm", nanoscopeFile(raw, 4, 2));
    const f = await readSPM(p);
    expect(f.metadata.scanSize).toEqual({ width: 500, height: 250, unit: "nm" });
    expect(f.metadata.scanAngle).toBe(30);
    const [c] = f.channels;
    expect([c.name, c.unit, c.direction]).toEqual(["Height", "nm", "backward"]);
    expect(c.image.calibration).toEqual({ pixelSize: 125, unit: "nm" });
    const k = 0.0001 * 20;
    const expected = [-65536, 65536, 131072, 7, 1, 2, 3, 4].map((r) => Math.fround(r * k));
    expect(Array.from(c.image.data)).toEqual(expected);
    const img = await readImage(p);
    expect(img.data).toEqual(c.image.data);
    expect(img.source.format).toBe("nanoscope");
  });
  test("the full-range hard value / 256^bpp replaces the hard scale where it agrees to the printed digits (Gwyddion, pySPM)", async () => {
    const raw = [1, 2, 3, 4, -65536, 65536, 131072, 2 ** 31 - 1];
    // 24.576 V / 2^32 = 5.7220458984375e-9 V/LSB, printed (0.00000000572205 V/LSB): 7.2e-7 relative apart.
    const f = await readSPM(write("full-range.spm", nanoscopeFile(raw, 4, 2, "(0.00000000572205 V/LSB) 24.57600 V")));
    const k = (24.576 / 2 ** 32) * 20;
    expect(Array.from(f.channels[0].image.data)).toEqual([-65536, 65536, 131072, 2 ** 31 - 1, 1, 2, 3, 4].map((r) => Math.fround(r * k)));
    // A hard value that is not the full range (a display range, as in force curves) leaves the printed hard scale.
    const g = await readSPM(write("display-range.spm", nanoscopeFile(raw, 4, 2, "(0.00000000572205 V/LSB) 2.500000 V")));
    expect(g.channels[0].image.data[4]).toBe(Math.fround(0.00000000572205 * 20));
  });
  test("a data offset past the end of the file is an error naming the channel", async () => {
    const b = nanoscopeFile([1, 2, 3, 4, 5, 6, 7, 8], 4, 2);
    const p = write("cut.spm", b.subarray(0, b.length - 8));
    await expect(readSPM(p)).rejects.toThrow(/truncated: Height needs 32 bytes at offset 2048, the file has 24/);
  });
});
