/**
 * Renamed options (docs/conventions.md, one name per concept): the 0.1 name
 * still works for one release with a DeprecationWarning, gives the same
 * result as the new name, and both at once is an error.
 */
import { checkChoice, renameOptions } from "../../src/core/options";
import { findAtoms } from "../../src/atoms";
import { clusterPatterns } from "../../src/stem4d";
import * as synth from "../../src/synth";

describe("renamed options", () => {
  test("renameOptions moves the old name, warns once per name, refuses both", () => {
    const emit = jest.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    try {
      expect(renameOptions({ threshold: 0.2, sigma: 2 }, { threshold: "thresholdRel" }, "testFn")).toEqual({ thresholdRel: 0.2, sigma: 2 });
      const same = { sigma: 2 };
      expect(renameOptions(same, { threshold: "thresholdRel" }, "testFn")).toBe(same);
      expect(() => renameOptions({ threshold: 0.2, thresholdRel: 0.3 }, { threshold: "thresholdRel" }, "testFn")).toThrow(/testFn: options.threshold and options.thresholdRel are the same option/);
      renameOptions({ threshold: 0.5 }, { threshold: "thresholdRel" }, "testFn");
      const messages = emit.mock.calls.map((c) => String(c[0])).filter((m) => m.startsWith("testFn:"));
      expect(messages).toEqual(["testFn: options.threshold is deprecated since 0.2 and will be removed; use options.thresholdRel (docs/conventions.md)"]);
    } finally {
      emit.mockRestore();
    }
  });

  test("findAtoms: threshold/denoise/scale give the same table as thresholdRel/components/sigma", () => {
    const { image } = synth.perovskite({ width: 96, height: 96, seed: 4 });
    const now = findAtoms(image, { thresholdRel: 0.2, components: 8, sigma: 1.9, refine: false });
    const old = findAtoms(image, { threshold: 0.2, denoise: 8, scale: 1.9, refine: false });
    expect(old.numRows).toBe(now.numRows);
    expect(Array.from(old.numeric("x"))).toEqual(Array.from(now.numeric("x")));
    expect(() => findAtoms(image, { threshold: 0.2, thresholdRel: 0.2 })).toThrow(/findAtoms: options.threshold and options.thresholdRel/);
  });

  test("clusterPatterns: k is clusters", async () => {
    const { dataset } = synth.stem4d({ scanShape: [6, 6], detShape: [16, 16], seed: 2 });
    const a = await clusterPatterns(dataset, { clusters: 3, seed: 1, workers: 0 });
    const b = await clusterPatterns(dataset, { k: 3, seed: 1, workers: 0 });
    expect(Array.from(b.labels.data)).toEqual(Array.from(a.labels.data));
    expect(a.centroids).toHaveLength(3);
  });

  test("checkChoice passes accepted values and undefined, and names function, option, value and choices otherwise", () => {
    expect(checkChoice("findAtoms", "filter", "log", ["gaussian", "log"] as const)).toBe("log");
    expect(checkChoice("findAtoms", "filter", undefined, ["gaussian", "log"] as const)).toBeUndefined();
    expect(() => checkChoice("findAtoms", "filter", "LoG", ["gaussian", "log"])).toThrow('findAtoms: options.filter must be one of "gaussian", "log"; got "LoG"');
    expect(() => checkChoice("f", "refine", 1, ["com", "gaussian", false])).toThrow('f: options.refine must be one of "com", "gaussian", false; got 1');
  });
});
