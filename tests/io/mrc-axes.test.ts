/**
 * MRC maps stored with a permuted axis order (mapc, mapr, maps) != (1, 2, 3), as EMDB's EMD-3001 (3, 1, 2)
 * in mrcfile 1.5.4's test data: the columns run along the axis mapc names, so the pixel size is that
 * axis's cell length / intervals (MRC2014), not cella.x / mx. Byte-exact files written here from the
 * MRC2014 header layout (bench/io/mrc-files.mjs checks the real files against mrcfile).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readImageStack } from "../../src/io";

function mrc(map: [number, number, number], m = [10, 20, 30], cella = [5, 8, 12]): Buffer {
  const [nx, ny, nz] = [4, 3, 2];
  const h = Buffer.alloc(1024);
  [nx, ny, nz, 2].forEach((v, i) => h.writeInt32LE(v, 4 * i));
  m.forEach((v, i) => h.writeInt32LE(v, 4 * (7 + i))); // mx, my, mz
  cella.forEach((v, i) => h.writeFloatLE(v, 4 * (10 + i))); // cella (Å), float32
  map.forEach((v, i) => h.writeInt32LE(v, 4 * (16 + i)));
  h.write("MAP ", 208, "latin1");
  h[212] = 0x44;
  h[213] = 0x44;
  const d = Buffer.alloc(4 * nx * ny * nz);
  for (let i = 0; i < nx * ny * nz; i++) d.writeFloatLE(i * 0.5 - 3, 4 * i);
  return Buffer.concat([h, d]);
}

describe("MRC axis order", () => {
  const dir = mkdtempSync(join(tmpdir(), "cs-mrc-axes-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("(3, 1, 2): columns along Z (cella.z / mz), rows along X (cella.x / mx), data as stored", async () => {
    const f = join(dir, "zxy.mrc");
    writeFileSync(f, mrc([3, 1, 2]));
    const s = await readImageStack(f);
    expect(s.length).toBe(2);
    expect(s[0].calibration?.pixelSize).toBeCloseTo(12 / 30 / 10, 12);
    expect(s[1].data[5]).toBe((12 + 5) * 0.5 - 3);
    const w = s[0].source?.warnings ?? [];
    expect(w.some((x) => /columns along Z, rows along X/.test(x))).toBe(true);
    expect(w.some((x) => /not square \(x 0\.04 nm, y 0\.05 nm\)/.test(x))).toBe(true);
  });

  it("(1, 2, 3): cella.x / mx, no axis warning", async () => {
    const f = join(dir, "xyz.mrc");
    writeFileSync(f, mrc([1, 2, 3]));
    const s = await readImageStack(f);
    expect(s[0].calibration?.pixelSize).toBeCloseTo(5 / 10 / 10, 12);
    expect((s[0].source?.warnings ?? []).some((x) => /axis order/.test(x))).toBe(false);
  });

  it("a header without a permutation is taken as (1, 2, 3) with a warning", async () => {
    const f = join(dir, "bad.mrc");
    writeFileSync(f, mrc([0, 0, 0]));
    const s = await readImageStack(f);
    expect(s[0].calibration?.pixelSize).toBeCloseTo(0.05, 12);
    expect((s[0].source?.warnings ?? []).some((x) => /not a permutation of \(1, 2, 3\)/.test(x))).toBe(true);
  });

  it("square pixels whose float32 cell lengths differ in the 8th digit (mrcfile's fei-extended.mrc: 3838 x 3710) are not called non-square; 1 % is", async () => {
    const f = join(dir, "fei.mrc");
    writeFileSync(f, mrc([1, 2, 3], [3710, 3838, 1], [3167.507080078125, 3276.790283203125, 1])); // its header: x 0.085377549 nm, y 0.085377548 nm
    const [a] = await readImageStack(f);
    expect(a.calibration?.pixelSize).toBeCloseTo(0.08537755, 7);
    expect((a.source?.warnings ?? []).some((x) => /not square/.test(x))).toBe(false);
    const g = join(dir, "rect.mrc");
    writeFileSync(g, mrc([1, 2, 3], [3710, 3838, 1], [3167.507080078125, 3276.790283203125 * 1.01, 1]));
    const [b] = await readImageStack(g);
    expect((b.source?.warnings ?? []).some((x) => /not square/.test(x))).toBe(true);
  });
});
