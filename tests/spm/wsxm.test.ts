/**
 * WSxM images written byte by byte as Gwyddion's wsxmfile module describes
 * and writes them (ASCII header, [Control] / [General Info] sections,
 * "[Header end]", little-endian data stored last pixel first, values scaled
 * so max − min spans the Z Amplitude), read back by readSPM and readImage.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readImage } from "../../src/io/read-image";
import { readSPM } from "../../src/spm";

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), "causalscope-wsxm-")); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A WSxM file: `values` in display order (row 0 = top), stored last pixel first as `type`. */
function wsxm(name: string, values: number[], cols: number, rows: number, type: "short" | "double" | "float" | undefined, zAmp: string, extra: string[] = []): string {
  const lines = (size: number): string => [
    "WSxM file copyright UAM", "SxM Image file", `Image header size: ${size}`, "", "[Control]", "", "    X Amplitude: 40 nm", "    Y Amplitude: 20 nm", "    Rotation: 12.5", "",
    "[General Info]", "", ...(type ? [`    Image Data Type: ${type}`] : []), `    Number of columns: ${cols}`, `    Number of rows: ${rows}`, `    Z Amplitude: ${zAmp}`, ...extra, "",
    "[Miscellaneous]", "", "    Version: 1.0 (December 2003)", "", "[Header end]", "",
  ].join("\r\n");
  let size = lines(0).length;
  while (lines(size).length !== size) size = lines(size).length;
  const head = Buffer.from(lines(size), "latin1");
  const bytesPer = type === "double" ? 8 : type === "float" ? 4 : 2;
  const data = Buffer.alloc(values.length * bytesPer);
  const stored = values.slice().reverse();
  stored.forEach((v, i) => (type === "double" ? data.writeDoubleLE(v, 8 * i) : type === "float" ? data.writeFloatLE(v, 4 * i) : data.writeInt16LE(v, 2 * i)));
  const p = join(tmp, name);
  writeFileSync(p, Buffer.concat([head, data]));
  return p;
}

test("double data written as Gwyddion exports them (Z Amplitude = range): values as stored, row 0 = top, scan size and rotation in metadata", async () => {
  const vals = [1.5, 2.25, -3, 4, 5.125, 6, 7, 8];
  const p = wsxm("a.top", vals, 4, 2, "double", "11 nm", ["    Acquisition channel: Topography", "    X scanning direction: backward"]);
  const f = await readSPM(p);
  expect(f.metadata.format).toBe("wsxm");
  expect(f.metadata.version).toBe("1.0 (December 2003)");
  expect(f.metadata.scanSize).toEqual({ width: 40, height: 20, unit: "nm" });
  expect(f.metadata.scanAngle).toBe(12.5);
  const [c] = f.channels;
  expect([c.name, c.unit, c.direction]).toEqual(["Topography", "nm", "backward"]);
  expect(Array.from(c.image.data)).toEqual(vals);
  expect(c.image.calibration).toEqual({ pixelSize: 10, unit: "nm" });
  expect((await readImage(p)).data).toEqual(c.image.data);
});

test("phase in units of Pi becomes rad; a WSxM curve file is not taken for an image", async () => {
  const p = wsxm("p.top", [0, 0.5, 1, 0.25], 2, 2, "float", "2 Pi");
  const c = (await readSPM(p)).channels[0];
  expect(c.unit).toBe("rad");
  expect(Array.from(c.image.data)).toEqual([0, 0.5, 1, 0.25].map((v) => Math.fround(v * 2 * Math.PI)));
  const cur = join(tmp, "x.cur");
  writeFileSync(cur, Buffer.from("WSxM file copyright UAM\r\nIV curve file\r\nImage header size: 100\r\n[Header end]\r\n", "latin1"));
  await expect(readSPM(cur)).rejects.toThrow(/unknown file format/);
});

test("short data (the default type): max - min spans the Z Amplitude", async () => {
  const raw = [0, 100, 200, 400, -400, 50];
  const p = wsxm("b.stp", raw, 3, 2, undefined, "2 nm");
  const f = await readSPM(p);
  const k = 2 / 800;
  expect(Array.from(f.channels[0].image.data)).toEqual(raw.map((r) => Math.fround(r * k)));
  expect(f.channels[0].unit).toBe("nm");
  expect(f.channels[0].name).toBe("Topography");
});

test("truncated data and an unknown type are errors naming the file", async () => {
  const p = wsxm("c.top", [1, 2, 3, 4], 2, 2, "float", "1 nm");
  writeFileSync(p, readFileSync(p).subarray(0, -3));
  await expect(readSPM(p)).rejects.toThrow(/readSPM\(".*c\.top"\): truncated: 2 x 2 float values need 16 bytes after the \d+-byte header, the file has 13/);
  const q = wsxm("d.top", [1, 2, 3, 4], 2, 2, "float", "1 nm");
  const text = readFileSync(q).toString("latin1").replace("Image Data Type: float", "Image Data Type: quad ");
  writeFileSync(q, Buffer.from(text, "latin1"));
  await expect(readSPM(q)).rejects.toThrow(/unsupported Image Data Type "quad"/);
});
