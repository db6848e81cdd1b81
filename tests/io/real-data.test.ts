/**
 * The real microscopy files in ../shared/data/stem (see its README), checked
 * against what h5py / Pillow report for them (shapes, dtypes, calibration,
 * pixel values at fixed places). Skips loudly when the data is absent.
 */
import { listHdf5, readHdf5Dataset, readImage } from "../../src/io";
import { describeWithData } from "../helpers/shared-data";

function stats(d: Float32Array) {
  let min = Infinity, max = -Infinity, finite = 0, sum = 0;
  for (const v of d) {
    if (Number.isFinite(v)) {
      finite++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { min, max, finite, mean: sum / finite };
}

describeWithData("stem/sto_haadf_team05.emd", "real data: Berkeley EMD, SrTiO3 HAADF (TEAM 0.5)", (path) => {
  it("1024×1024 uint16 from data/single/data, 0.1225 Å/px from the dim vectors", async () => {
    const img = await readImage(path);
    expect([img.width, img.height]).toEqual([1024, 1024]);
    expect(img.source).toMatchObject({ format: "hdf5", dataset: "/data/single/data", convention: "emd", dtype: "<u2", shape: [1024, 1024] });
    expect(img.calibration?.unit).toBe("nm");
    expect(img.calibration!.pixelSize * 10).toBeCloseTo(0.1225, 4); // Å
    const s = stats(img.data);
    expect(s.finite).toBe(1024 * 1024);
    // values h5py reads: min 4842, max 23891, first row starts 12487 11742 12603 8926 8743
    expect([s.min, s.max]).toEqual([4842, 23891]);
    expect(Array.from(img.data.subarray(0, 5))).toEqual([12487, 11742, 12603, 8926, 8743]);
  });
});

for (const [file, first] of [
  ["stem/sto_adf_atomap.hdf5", [2538, 2618, 2596, 2356, 2016]],
  ["stem/sto_abf_atomap.hdf5", null],
] as const) {
  describeWithData(file, `real data: HyperSpy float16 ${file}`, (path) => {
    it("400 rows × 380 columns (h5py shape (400, 380)), float16 decoded, scale 0.009326 per px", async () => {
      const img = await readImage(path);
      expect(img.source).toMatchObject({ dataset: "/Experiments/__unnamed__/data", convention: "hyperspy", dtype: "<f2", shape: [400, 380] });
      expect([img.height, img.width]).toEqual([400, 380]);
      expect(img.calibration?.pixelSize).toBeCloseTo(0.009326270238006416, 15);
      // the file stores a scale but no units (HyperSpy's <undefined>): the unit is left empty and a warning says so
      expect(img.calibration?.unit).toBe("");
      expect(img.source.warnings.join("\n")).toMatch(/no units/);
      const withUnit = await readImage(path, { unit: "nm" });
      expect(withUnit.calibration).toEqual({ pixelSize: 0.009326270238006416, unit: "nm" });
      const s = stats(img.data);
      expect(s.finite).toBe(400 * 380);
      expect(s.min).toBeGreaterThan(0);
      if (first) {
        expect(Array.from(img.data.subarray(0, 5))).toEqual([...first]);
        expect([s.min, s.max]).toEqual([901.5, 4428]); // h5py: 901.5, 4.428e+03
      }
    });
  });
}

describeWithData("stem/au_np_atom_lattice.hdf5", "real data: atomap Atom_Lattice, Au nanoparticle", (path) => {
  it("image_data0 is 479 rows × 504 columns (float64)", async () => {
    const img = await readImage(path);
    expect(img.source).toMatchObject({ dataset: "/image_data0", convention: "atomap", dtype: "<f8", shape: [479, 504] });
    expect([img.height, img.width]).toEqual([479, 504]);
    expect(Array.from(img.data.subarray(0, 4))).toEqual([15482, 15457, 15395, 15426]);
    expect(stats(img.data).finite).toBe(479 * 504);
  });
  it("141 atom positions (x, y) at _sublattice/atom_positions, and the element strings", async () => {
    const pos = await readHdf5Dataset(path, "_sublattice/atom_positions");
    expect(pos.shape).toEqual([141, 2]);
    expect(pos.dtype).toBe("<f8");
    expect(Array.from((pos.data as Float64Array).subarray(0, 6))).toEqual([229, 458, 323, 457, 276, 457]);
    const list = await listHdf5(path);
    expect(list.filter((e) => e.kind === "dataset").length).toBe(13);
    expect(list.find((e) => e.path === "/_sublattice/elements")).toMatchObject({ dtype: "string", shape: [141] });
  });
});

describeWithData("stem/si110_dumbbells.png", "real data: Si [110] dumbbells PNG", (path) => {
  it("512×512 8-bit greyscale", async () => {
    const img = await readImage(path);
    expect([img.width, img.height]).toEqual([512, 512]);
    expect(img.source).toMatchObject({ format: "png", dtype: "uint8" });
    const s = stats(img.data);
    expect(s.finite).toBe(512 * 512);
    expect(s.min).toBeGreaterThanOrEqual(0);
    expect(s.max).toBeLessThanOrEqual(255);
    expect(s.max).toBeGreaterThan(s.min);
  });
});
