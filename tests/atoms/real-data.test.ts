/**
 * Real data in ../shared/data/stem (skipped loudly when absent): the Au
 * nanoparticle against Atomap's 141 reference columns, the SrTiO3 ADF B-site
 * count and sublattices, the SrTiO3 HAADF EMD lattice parameter (3.905 Å).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readImage, readHdf5Dataset, findAtoms, FindAtomsOptions, localCrystallography } from "causalscope";
import { latticeBasis, nearestNeighbors, estimateSpacing } from "../../src/atoms";
import { describeWithData } from "../helpers/shared-data";
import { matchPositions } from "./match";

const med = (a: ArrayLike<number>) => Float64Array.from(a).filter(Number.isFinite).sort()[Math.floor(a.length / 2)];

describeWithData("stem/au_np_atom_lattice.hdf5", "Au nanoparticle vs Atomap's 141 reference columns", (path) => {
  const load = async () => {
    const image = await readImage(path);
    const ref = await readHdf5Dataset(path, "_sublattice/atom_positions");
    const d = ref.data as Float64Array;
    expect(ref.shape).toEqual([141, 2]);
    return { image, rx: Array.from({ length: 141 }, (_, i) => d[2 * i]), ry: Array.from({ length: 141 }, (_, i) => d[2 * i + 1]) };
  };
  const run = (image: Awaited<ReturnType<typeof load>>["image"], options: FindAtomsOptions, rx: number[], ry: number[]) => {
    const t0 = Date.now();
    const atoms = findAtoms(image, options);
    const ms = Date.now() - t0;
    const m3 = matchPositions(atoms.numeric("x"), atoms.numeric("y"), rx, ry, 3);
    const m6 = matchPositions(atoms.numeric("x"), atoms.numeric("y"), rx, ry, 6);
    console.log(`Au NP (${image.width}×${image.height}) ${JSON.stringify(options, (_, v) => (v === Infinity ? "Infinity" : v))}: ${atoms.numRows} columns in ${ms} ms; vs 141 reference: within 3 px ${m3.truePositives} matched, ${m3.falsePositives} extra, ${m3.falseNegatives} missing; within 6 px ${m6.truePositives} / ${m6.falsePositives} / ${m6.falseNegatives} (RMS ${m6.rms.toFixed(2)} px)`);
    return { atoms, m3, m6 };
  };

  it("default options: matches the reference columns within 6 px (0.22 × the 27-px column spacing)", async () => {
    const { image, rx, ry } = await load();
    const { atoms, m6 } = run(image, {}, rx, ry);
    expect(m6.truePositives).toBeGreaterThanOrEqual(AU_DEFAULT_MIN_MATCHED);
    expect(m6.falsePositives).toBeLessThanOrEqual(AU_DEFAULT_MAX_EXTRA);
    // Without the slope pass (columns on the particle's thickness profile) fewer are found.
    const { m6: flat } = run(image, { slopeSnr: Infinity }, rx, ry);
    expect(flat.truePositives).toBeLessThan(m6.truePositives - 3);
    // Every column has a finite 1-sd positional uncertainty (fit, centre of mass or integer peak).
    expect(atoms.numeric("uncertainty").every((v) => Number.isFinite(v) && v > 0)).toBe(true);
  });

  it("Atomap-style detection (exact rank-22 PCA, peaks with separation 10 px): fewer extra columns and more matched-minus-extra than Atomap's own automatic pipeline", async () => {
    const { image, rx, ry } = await load();
    const integer = run(image, AU_OPTIONS, rx, ry);
    const com = run(image, { ...AU_OPTIONS, refine: "com" }, rx, ry);
    // Measured: 3 px 117 / 30 / 24, 6 px 127 / 20 / 14 (integer peaks); COM: 6 px 128 / 19 / 13.
    expect(integer.m3.truePositives).toBeGreaterThanOrEqual(115);
    expect(integer.m3.falsePositives).toBeLessThanOrEqual(32);
    expect(integer.m6.truePositives).toBeGreaterThanOrEqual(125);
    expect(integer.m6.falsePositives).toBeLessThanOrEqual(22);
    expect(com.m6.truePositives).toBeGreaterThanOrEqual(126);
    expect(com.m6.falsePositives).toBeLessThanOrEqual(21);
    // Gaussian refinement (default): fits that outgrow their window on the particle's thickness
    // profile fall back to the centre of mass (measured: 3 px 88 matched, 6 px 124 / 23 / 17).
    const gau = run(image, { ...AU_OPTIONS, refine: "gaussian" }, rx, ry);
    expect(gau.atoms.parameters.warnings.some((w) => /left their column/.test(w))).toBe(true);
    expect(gau.m3.truePositives).toBeGreaterThanOrEqual(86);
    expect(gau.m6.truePositives).toBeGreaterThanOrEqual(122);
    expect(gau.m6.falsePositives).toBeLessThanOrEqual(25);
    // Atomap 0.4.2's automatic pipeline on the same image (get_atom_positions with pca, then
    // centre of mass and 2-D Gaussian refinement), stored by bench/atoms/au_atomap_auto.py.
    const fx = JSON.parse(readFileSync(join(__dirname, "fixtures", "au-atomap-auto.json"), "utf8")) as AtomapAuto;
    for (const r of fx.runs.filter((r) => r.pca)) {
      const { matched: am3, extra: ae3 } = r.gaussian["3"], { matched: am6, extra: ae6 } = r.gaussian["6"];
      // The fixture's counts are what this test's matching gives on its positions.
      const mm = matchPositions(r.x, r.y, rx, ry, 6);
      expect([mm.truePositives, mm.falsePositives]).toEqual([am6, ae6]);
      console.log(`  Atomap separation ${r.separation}${r.subtract_background ? " +background +normalize" : ""}: 3 px ${am3} / ${ae3} / ${141 - am3}, 6 px ${am6} / ${ae6} / ${141 - am6}`);
      // Atomap's PCA is unseeded (a rerun moves its counts by a few, and separation 8 has
      // matched up to 131 within 6 px, with ~100 extra), so: fewer extras, and more
      // matched-minus-extra, than every stored run.
      expect(integer.m3.falsePositives).toBeLessThanOrEqual(ae3);
      expect(integer.m3.truePositives - integer.m3.falsePositives).toBeGreaterThan(am3 - ae3);
      expect(com.m6.falsePositives).toBeLessThanOrEqual(ae6);
      expect(com.m6.truePositives - com.m6.falsePositives).toBeGreaterThan(am6 - ae6);
    }
  });
});

// Measured on this image. The reference is Atomap's integer peaks of its rank-22 PCA image
// (111 of 141 positions are integers), curated by hand; ~25 of those peaks move by more than
// 3 px when the rank is 16 or 30 instead of 22 (bench/atoms/au_atomap_auto.py, "pcaRank"), so
// agreement within 3 px needs the same exact rank-22 truncation (options.denoise = 22).
// Defaults (minDistance 0.35 × spacing, slope pass at 3 × snr), measured: 3 px 68 / 58 / 73,
// 6 px 113 matched / 13 extra / 28 missing (before: 100 / 10 / 41 with minDistance 0.4 × spacing
// and no slope pass). Most remaining extras are peaks 6–10 px from a reference column (the
// reference's integer PCA peaks and ours disagree there) or on the image's bottom rows.
const AU_DEFAULT_MIN_MATCHED = 112;
const AU_DEFAULT_MAX_EXTRA = 14;
const AU_OPTIONS: FindAtomsOptions = { components: 22, smoothing: 0, minDistance: 10, thresholdRel: 0.3, refine: false };
interface AtomapCounts { matched: number; extra: number; missing: number }
interface AtomapAuto { runs: Array<{ separation: number; pca: boolean; subtract_background: boolean; gaussian: Record<"3" | "6", AtomapCounts>; x: number[]; y: number[] }> }

describeWithData("stem/sto_adf_atomap.hdf5", "SrTiO3 ADF (Atomap test image)", (path) => {
  it("finds 104 B-site columns and splits A/B sublattices", async () => {
    const image = await readImage(path);
    const atoms = findAtoms(image, { sublattices: 2 });
    const s = atoms.numeric("sublattice"), I = atoms.numeric("intensity");
    const nA = s.filter((v) => v === 0).length, nB = s.filter((v) => v === 1).length;
    const iA = med(I.filter((_, k) => s[k] === 0)), iB = med(I.filter((_, k) => s[k] === 1));
    console.log(`SrTiO3 ADF: ${atoms.numRows} columns: A ${nA}, B ${nB}; median intensity A/B = ${(iA / iB).toFixed(2)}; split ${atoms.parameters.sublatticeMethod} (separation ${atoms.parameters.sublatticeSeparation.toFixed(1)})`);
    expect(nB).toBe(104);
    expect(nA).toBeGreaterThan(100);
    expect(iA).toBeGreaterThan(1.3 * iB);
    expect(atoms.parameters.sublatticeSeparation).toBeGreaterThan(5);
  });
});

describeWithData("stem/sto_haadf_team05.emd", "SrTiO3 HAADF 1024² EMD (0.1225 Å/px)", (path) => {
  it("gives a regular square lattice; a from the calibration within its 6 % uncertainty of 3.905 Å", async () => {
    const image = await readImage(path);
    expect(image.width).toBe(1024);
    expect(image.calibration?.unit).toBe("nm");
    const t0 = Date.now();
    const atoms = findAtoms(image, { sublattices: 2 });
    const ms = Date.now() - t0;
    const s = atoms.numeric("sublattice");
    const ax = atoms.numeric("x").filter((_, k) => s[k] === 0), ay = atoms.numeric("y").filter((_, k) => s[k] === 0);
    const b = latticeBasis(ax, ay);
    const px = image.calibration!.pixelSize * 10; // Å per pixel
    const a1 = Math.hypot(...b.a1) * px, a2 = Math.hypot(...b.a2) * px;
    const cells = localCrystallography(atoms);
    const aPm = med(cells.numeric("aPm")), bPm = med(cells.numeric("bPm"));
    const gamma = med(cells.numeric("gamma"));
    const sd = (v: ArrayLike<number>) => { const a = Array.from(v), m = a.reduce((p, q) => p + q, 0) / a.length; return Math.sqrt(a.reduce((p, q) => p + (q - m) ** 2, 0) / a.length); };
    console.log(`SrTiO3 EMD: ${atoms.numRows} columns in ${ms} ms (A ${ax.length}); basis |a1| = ${a1.toFixed(3)} Å, |a2| = ${a2.toFixed(3)} Å; ${cells.numRows} cells: median a = ${aPm.toFixed(1)} pm, b = ${bPm.toFixed(1)} pm, γ = ${gamma.toFixed(2)}°, sd(a) = ${sd(cells.numeric("aPm")).toFixed(1)} pm`);
    // Regular: square cells, little cell-to-cell scatter.
    expect(Math.abs(a1 / a2 - 1)).toBeLessThan(0.01);
    expect(Math.abs(aPm / bPm - 1)).toBeLessThan(0.01);
    expect(Math.abs(gamma - 90)).toBeLessThan(1.5);
    expect(sd(cells.numeric("aPm")) / aPm).toBeLessThan(0.03);
    expect(cells.numRows).toBeGreaterThan(800);
    // SrTiO3 a = 3.905 Å. The file's nominal calibration (0.1225 Å/px) gives 4.10 Å: the
    // FFT agrees (strongest (110) spots at 23.6 px → a = 33.4 px), so the nominal pixel
    // size is ~5 % small; we check agreement within that calibration uncertainty.
    expect(Math.abs(a1 / 3.905 - 1)).toBeLessThan(0.06);
    expect(Math.abs(aPm / 390.5 - 1)).toBeLessThan(0.06);
  });
});

describeWithData("stem/si110_dumbbells.png", "Si [110] dumbbells (AtomSegNet test image)", (path) => {
  it("at default options: the spacing is the dumbbell's, both columns of each dumbbell are resolved and split geometrically", async () => {
    const image = await readImage(path);
    const est = estimateSpacing(image);
    // Dumbbells as blobs: the lattice period as the spacing.
    const blobs = findAtoms(image, { spacing: est.period, refine: false });
    const atoms = findAtoms(image, { sublattices: 2 });
    // Before (the autocorrelation's first peak, 0.1) the defaults found the dumbbells, not their columns; σ = 3, minDistance = 5 resolved them.
    const tuned = findAtoms(image, { sigma: 3, minDistance: 5, sublattices: 2 });
    console.log(`Si dumbbells: estimateSpacing ${est.spacing.toFixed(2)} px (period ${est.period.toFixed(2)} px, ${est.columnsPerCell} columns per cell); defaults ${atoms.numRows} columns, σ = 3 / minDistance = 5: ${tuned.numRows}`);
    expect(Math.abs(atoms.numRows / tuned.numRows - 1)).toBeLessThan(0.05);
    const x = atoms.numeric("x"), y = atoms.numeric("y"), s = atoms.numeric("sublattice");
    const nn = nearestNeighbors(x, y, 1);
    let partner = 0;
    const d: number[] = [];
    for (let i = 0; i < atoms.numRows; i++) { if (s[nn.index[i]] !== s[i]) partner++; d.push(nn.distance[i]); }
    d.sort((p, q) => p - q);
    expect(Math.abs(est.spacing / d[d.length >> 1] - 1)).toBeLessThan(0.1);
    console.log(`Si dumbbells: ${blobs.numRows} dumbbells at the lattice period, ${atoms.numRows} columns at defaults; split ${atoms.parameters.sublatticeMethod}; nearest neighbour on the other sublattice for ${(100 * partner / atoms.numRows).toFixed(1)} %; dumbbell spacing median ${d[d.length >> 1].toFixed(2)} px`);
    expect(atoms.numRows / blobs.numRows).toBeGreaterThan(1.8);
    expect(atoms.numRows / blobs.numRows).toBeLessThan(2.1);
    expect(atoms.parameters.sublatticeMethod).toBe("geometry");
    expect(partner / atoms.numRows).toBeGreaterThan(0.85);
  });
});
