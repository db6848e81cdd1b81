/**
 * NanoScope PeakForce property channels, as in AFMReader 0.0.7's Bruker sample_0.spm (bench/spm/real-files.mjs
 * compares that file with pySPM): their Z scale is in "Arb/LSB" or "log(Arb)/LSB", and the sensitivity the
 * line names converts Arb to the channel's unit (`\@Sens. ForceSens: V 0.006000000 V/Arb` -> V) or has no
 * unit (`V 1.000000`: the value stays in Arb). Before, a sensitivity not of the form "unit/V" was ignored and
 * every such channel labelled V: Adhesion came out 1/0.006 times pySPM's value. File written byte by byte.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSPM } from "../../src/spm";

const dir = mkdtempSync(join(tmpdir(), "cs-nanoscope-arb-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Header text NUL-padded to 4096, then one int16 LE channel of 4 values per section. */
function file(sections: { title: string; scale: string }[], sens: string[]): string {
  const offset = 4096;
  const text = ["\\*File list", "\\Version: 0x09400202", "\\*Ciao scan list", "\\Scan Size: 400 400 nm", ...sens.map((s) => `\\@Sens. ${s}`),
    ...sections.flatMap((s, i) => ["\\*Ciao image list", `\\Data offset: ${offset + 8 * i}`, "\\Data length: 8", "\\Bytes/pixel: 2", "\\Samps/line: 2", "\\Number of lines: 2",
      "\\Line Direction: Retrace", `\\@2:Image Data: S [${s.title}] "${s.title}"`, `\\@2:Z scale: V ${s.scale}`]), "\\*File list end", ""].join("\r\n");
  const b = Buffer.alloc(offset + 8 * sections.length);
  b.write(text, 0, "latin1");
  sections.forEach((_, i) => [100, -200, 300, 32767].forEach((r, j) => b.writeInt16LE(r, offset + 8 * i + 2 * j)));
  const p = join(dir, `f${Math.random().toString(36).slice(2)}.spm`);
  writeFileSync(p, b);
  return p;
}

test("Arb-scaled channels: V/Arb sensitivity applied (V), unitless sensitivity keeps Arb / log(Arb), nm/V on V unchanged", async () => {
  const f = await readSPM(file([
    { title: "Adhesion", scale: "[Sens. ForceSens] (0.0000009536743 Arb/LSB) 4096.000 Arb" },
    { title: "DMTModulus", scale: "[Sens. StiffnessSens] (0.0000009536743 Arb/LSB) 4096.000 Arb" },
    { title: "LogDMTModulus", scale: "[Sens. LogStiffnessSens] (0.00000000745058 log(Arb)/LSB) 32.00000 log(Arb)" },
    { title: "Height", scale: "[Sens. Zsens] (0.0003750000 V/LSB) 24.57600 V" },
  ], ["ForceSens: V 0.006000000 V/Arb", "StiffnessSens: V 1.000000 ", "LogStiffnessSens: V 1.000000 ", "Zsens: V 20.00000 nm/V"]));
  const by = Object.fromEntries(f.channels.map((c) => [c.name, c]));
  // Rows: the file stores the bottom line first. 2-byte data: 4096 / 256^2 is no match for the printed hard scale, which is used.
  const rows = (k: number) => [300, 32767, 100, -200].map((r) => Math.fround(r * k));
  expect(by.Adhesion.unit).toBe("V");
  expect(Array.from(by.Adhesion.image.data)).toEqual(rows(0.0000009536743 * 0.006));
  expect(by.DMTModulus.unit).toBe("Arb");
  expect(Array.from(by.DMTModulus.image.data)).toEqual(rows(0.0000009536743));
  expect(by.LogDMTModulus.unit).toBe("log(Arb)");
  expect(by.Height.unit).toBe("nm");
  expect(Array.from(by.Height.image.data)).toEqual(rows(0.000375 * 20));
  expect(f.metadata.warnings).toEqual([]);
});

test("a sensitivity in another unit, or a missing one, leaves the value in the hard unit with a warning naming it", async () => {
  const f = await readSPM(file([
    { title: "Odd", scale: "[Sens. OddSens] (0.0001000000 Arb/LSB) 6.5536 Arb" },
    { title: "Gone", scale: "[Sens. GoneSens] (0.0001000000 V/LSB) 6.5536 V" },
  ], ["OddSens: V 2.0 nm/V"]));
  expect(f.channels.map((c) => c.unit)).toEqual(["Arb", "V"]);
  expect(Array.from(f.channels[0].image.data)).toEqual([300, 32767, 100, -200].map((r) => Math.fround(r * 0.0001)));
  expect(f.metadata.warnings).toEqual([
    'Odd: sensitivity "Sens. OddSens" is in nm/V, not per Arb; values are in Arb',
    'Gone: no sensitivity "Sens. GoneSens" in the header; values are in V',
  ]);
});
