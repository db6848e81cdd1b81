/**
 * @jest-environment ./tests/atoms/deep-engine/host-typed-arrays.env.js
 *
 * Training, fine-tuning and the file format: a tiny net trained for a few
 * steps (loss decreases, same seed → same losses), fine-tuning on labelled
 * atoms, save/load round trip and its errors, training-data targets.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initBackend, tfjs } from "../../../src/backend";
import { trainAtomModel, fineTuneAtomModel, saveAtomModel, loadAtomModel, pretrainedAtomModel, TrainingProgress } from "../../../src/atoms/deep";
import { trainingSample, targetMap, TRAINING_LATTICES } from "../../../src/atoms/deep/data";
import { rng } from "../../../src/core/random";
import * as synth from "../../../src/synth";
import type { Tensor } from "@tensorflow/tfjs";

beforeAll(async () => { await initBackend({ prefer: "wasm" }); });

const TINY = { architecture: "tiny" as const, patch: 32, batchSize: 2, epochs: 3, stepsPerEpoch: 4, learningRate: 5e-3, progress: false };

describe("trainAtomModel", () => {
  it("the loss decreases, onProgress reports every epoch, and the same seed gives the same losses", async () => {
    const seen: TrainingProgress[] = [];
    const a = await trainAtomModel({ ...TINY, seed: 5, onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => p.epoch)).toEqual([1, 2, 3]);
    const loss = a.info.training.loss;
    expect(loss[2]).toBeLessThan(0.9 * loss[0]); // measured 0.84 ×
    const b = await trainAtomModel({ ...TINY, seed: 5 });
    expect(b.info.training.loss).toEqual(loss);
    const c = await trainAtomModel({ ...TINY, seed: 6, epochs: 1 });
    expect(c.info.training.loss[0]).not.toBe(loss[0]);
  });

  it("rejects what it cannot train, naming the option", async () => {
    await expect(trainAtomModel({ architecture: "atomai" })).rejects.toThrow(/dilated bottleneck, which TensorFlow.js cannot train/);
    await expect(trainAtomModel({ lattices: ["hexagonal" as never] })).rejects.toThrow(/options.lattices\[\] must be one of "square", "perovskite", "honeycomb", "triangular", "dumbbell"; got "hexagonal"/);
    await expect(trainAtomModel({ patch: 30 })).rejects.toThrow(/options.patch must be a positive integer multiple of 8/);
  });
});

describe("training data", () => {
  it("targets peak at 1 on every true column inside the patch, for every lattice family", () => {
    const r = rng(1);
    for (const lattice of TRAINING_LATTICES) {
      const s = trainingSample(lattice, 64, 8, r);
      let inside = 0;
      s.x.forEach((x, i) => {
        const X = Math.round(x), Y = Math.round(s.y[i]);
        if (X < 0 || Y < 0 || X >= 64 || Y >= 64) return;
        inside++;
        expect(s.target[Y * 64 + X]).toBeGreaterThan(0.6); // ≤ 0.71 px from the centre, σ = 1.2 px
      });
      expect(inside).toBeGreaterThan(10); // dumbbells: 14 columns in 64² at 8-px pairs
      const mean = s.image.reduce((a, v) => a + v, 0) / s.image.length;
      expect(Math.abs(mean)).toBeLessThan(1e-4);
    }
    const t = targetMap([2.5], [3], 6, 6, 8);
    expect(t[3 * 6 + 2]).toBeCloseTo(Math.exp(-0.25 / (2 * 1.2 ** 2)), 6);
  });
});

describe("saveAtomModel / loadAtomModel", () => {
  it("round trip: same predictions, same record; broken files give errors naming the file and the reason", async () => {
    const [model] = await pretrainedAtomModel();
    const dir = mkdtempSync(join(tmpdir(), "atom-model-"));
    await saveAtomModel(model, dir);
    const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
    expect(json.format).toBe("layers-model");
    expect(json.weightsManifest[0].paths).toEqual(["weights.bin"]);
    expect(json.userDefinedMetadata.causalscope.spacing).toBe(model.info.spacing);
    const back = await loadAtomModel(dir);
    expect(back.info).toEqual(model.info);
    const tf = tfjs();
    const x = tf.randomNormal([1, 32, 32, 1], 0, 1, "float32", 7);
    const p = await (model.net.predict(x) as Tensor).data(), q = await (back.net.predict(x) as Tensor).data();
    expect(Array.from(q)).toEqual(Array.from(p));
    writeFileSync(join(dir, "weights.bin"), readFileSync(join(dir, "weights.bin")).subarray(0, 100));
    await expect(loadAtomModel(dir)).rejects.toThrow(/weights.bin has 100 bytes, model.json's manifest needs \d+/);
    await expect(loadAtomModel(join(dir, "nothing"))).rejects.toThrow(/no model.json at/);
  });
});

describe("fineTuneAtomModel", () => {
  it("trains a copy on labelled atoms in a region (loss inside it falls); the original is unchanged", async () => {
    const [model] = await pretrainedAtomModel();
    // A lattice at a different column width and scale than training; the user labels every column in a 60×60 box.
    const lat = synth.square({ width: 128, height: 128, latticeConstant: 13, sigma: 2.6, dose: 500, seed: 3 });
    const keep = Array.from(lat.atoms.x, (_, i) => i).filter((i) => lat.atoms.x[i] > 20 && lat.atoms.x[i] < 80 && lat.atoms.y[i] > 20 && lat.atoms.y[i] < 80);
    const before = Array.from(model.net.getWeights()[0].dataSync());
    const tuned = await fineTuneAtomModel(model, lat.image, { x: keep.map((i) => lat.atoms.x[i]), y: keep.map((i) => lat.atoms.y[i]) }, { steps: 6, batchSize: 2, learningRate: 2e-3, progress: false, seed: 1 });
    expect(Array.from(model.net.getWeights()[0].dataSync())).toEqual(before);
    expect(tuned.info.training.fineTuned!.atoms).toBe(keep.length);
    const l = tuned.info.training.fineTuned!.loss;
    expect(l.length).toBe(6);
    expect(l.every(Number.isFinite)).toBe(true);
    await expect(fineTuneAtomModel(model, lat.image, { x: [1, 2], y: [1, 2] })).rejects.toThrow(/label at least 3 atoms/);
  });
});
