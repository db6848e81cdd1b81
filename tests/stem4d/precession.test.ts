/**
 * The crystalline pipeline (Bragg disks -> lattice -> strain) on a
 * precession-like 8-bit scan with a known strain field, read from a NanoMegas
 * .blo blockfile written by rosettasciio (tests/stem4d/precession_fixture.py
 * says what makes it precession-like). No real precession dataset is in
 * ../shared/data; this is the stand-in, with every default left as a new user
 * would leave it (lattice guessed from the Bragg vector map, fit options at
 * their defaults; the template a flat disk of the disk radius, the reference
 * region the unstrained columns). Measured: RMS error 2.4-3.2e-4 for exx, eyy,
 * exy (dimensionless) and theta (rad) against applied fields of RMS 1.7e-3 to
 * 1.05e-2.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeImage } from "../../src/image";
import { braggDisks, type BraggDisks, guessLattice, LATTICE_STATUS, latticeFitReport, readDataset4D, strainMap } from "../../src/stem4d";
import { PYTHON } from "../io/fixtures";

interface Truth { file: string; rows: number; cols: number; center: [number, number]; radius: number; exx: (number | null)[]; eyy: (number | null)[]; exy: (number | null)[]; theta: (number | null)[]; vacuum: number[] }

const dir = mkdtempSync(join(tmpdir(), "causalscope-ped-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const truth = JSON.parse(execFileSync(PYTHON, [join(__dirname, "precession_fixture.py"), dir], { encoding: "utf8" }).trim().split("\n").pop()!) as Truth;

/** A flat disk of the given radius at the detector centre: the template a user draws when no vacuum probe was recorded. */
function diskTemplate(kx: number, ky: number, r: number) {
  const d = new Float32Array(kx * ky), cx = (kx - 1) / 2, cy = (ky - 1) / 2;
  for (let y = 0; y < ky; y++) for (let x = 0; x < kx; x++) d[y * kx + x] = Math.min(1, Math.max(0, r + 0.5 - Math.hypot(x - cx, y - cy)));
  return makeImage(d, kx, ky);
}

describe("precession-like 8-bit .blo: Bragg disks -> lattice -> strain against the applied strain", () => {
  let disks: BraggDisks;
  beforeAll(async () => {
    const ds = await readDataset4D(join(dir, truth.file));
    expect(ds.dtype.descr).toBe("|u1");
    expect(ds.scanShape).toEqual([truth.rows, truth.cols]);
    // subpixel "parabolic" keeps the test cheap; the default "upsample" gave the same accuracy (2.4-3.7e-4 RMS on a 12 × 16 version of this scan)
    disks = await braggDisks(ds, diskTemplate(ds.detShape[1], ds.detShape[0], truth.radius), { excludeBorder: 4, subpixel: "parabolic", progress: false, workers: 0 });
    ds.close();
  });

  it("recovers exx, eyy, exy and theta with the default lattice guess and fit; the vacuum patterns are reported as failed, with the reason", () => {
    const s = strainMap(disks, { region: [0, truth.rows, 0, 3] });
    const rms = (got: Float32Array | null, name: "exx" | "eyy" | "exy" | "theta") => {
      let e2 = 0, n = 0;
      const want = truth[name];
      for (let i = 0; i < want.length; i++) if (want[i] !== null) { e2 += ((got ? got[i] : 0) - want[i]!) ** 2; n++; }
      return Math.sqrt(e2 / n);
    };
    for (const name of ["exx", "eyy", "exy", "theta"] as const) {
      // within 0.1 % strain (1 mrad) and a quarter of the applied field's RMS (a map of zeros fails)
      expect(rms(s[name].data, name)).toBeLessThan(Math.min(1e-3, 0.25 * rms(null, name)));
    }
    // every crystal pattern fitted; the vacuum ones (truth.vacuum) NaN, with the reason and their frame numbers
    const vacuum = truth.vacuum.flatMap((v, i) => (v ? [i] : []));
    expect(vacuum.length).toBe(2);
    for (let i = 0; i < truth.vacuum.length; i++) {
      expect(s.lattice.status[i]).toBe(truth.vacuum[i] ? 1 : 0);
      expect(Number.isNaN(s.exx.data[i])).toBe(!!truth.vacuum[i]);
    }
    expect(latticeFitReport(s.lattice)).toBe(`${truth.vacuum.length - 2} of ${truth.vacuum.length} patterns fitted; 2 without a lattice: 2 ${LATTICE_STATUS[1]} at frames ${vacuum.join(", ")}`);
  });

  it("a reference region with no fitted pattern is refused, naming the reason", () => {
    // an initial lattice 0.61 times the true one indexes too few disks: every crystal pattern fails for that reason
    const lat = guessLattice(disks);
    const wrong = { origin: lat.origin, g1: [lat.g1[0] * 0.61, lat.g1[1] * 0.61] as [number, number], g2: [lat.g2[0] * 0.61, lat.g2[1] * 0.61] as [number, number] };
    expect(() => strainMap(disks, { region: [0, truth.rows, 0, 3] }, { lattice: wrong })).toThrow(/strainMap\(reference\): no pattern in the reference region has a lattice fit \(0 of 96 patterns fitted; 96 without a lattice: 94 too few disks index on the lattice .* at frames 0, 1, 2, .*; 2 fewer than 3 disks detected .* at frames 11, 23\)/);
  });
});
