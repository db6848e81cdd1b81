// The public API through the package entry point (src/index.ts).
import * as cs from "causalscope";

test("the stem4d API is the cs.stem4d namespace", async () => {
  for (const name of ["readDataset4D", "dataset4D", "virtualImage", "virtualImages", "centerOfMass", "braggDisks", "strainMap", "fitLattice", "guessLattice",
    "braggVectorMap", "meanPattern", "maxPattern", "runUDF", "runUDFs", "idpc", "ddpc", "dpcRotation", "patternPCA", "patternNMF", "clusterPatterns",
    "writeNpy4D", "writeHdf5_4D"]) {
    expect(typeof (cs.stem4d as Record<string, unknown>)[name]).toBe("function");
  }
  const { dataset, truth } = cs.synth.stem4d({ scanShape: [4, 4], detShape: [16, 16] });
  const bf = await cs.stem4d.virtualImage(dataset, { type: "circle", center: truth.center, radius: 5 });
  expect([bf.width, bf.height]).toEqual([4, 4]);
  const { comX } = await cs.centerOfMass(dataset, { raw: true });
  expect(comX.data[0]).toBeCloseTo(truth.rawX.data[0], 2);
});
