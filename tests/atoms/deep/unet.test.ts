/**
 * @jest-environment ./tests/atoms/deep-engine/host-typed-arrays.env.js
 *
 * The U-Net builder: AtomAI's parameter count, the documented layer names and
 * order (another module exports weights by these names), option validation.
 */
import type { Tensor } from "@tensorflow/tfjs";
import { initBackend, tfjs } from "../../../src/backend";
import { buildUNet, trainableParameters, unetConfig } from "../../../src/atoms/deep/unet";

beforeAll(async () => { await initBackend({ prefer: "wasm" }); });

describe("buildUNet", () => {
  it("AtomAI's architecture has AtomAI's 594 033 trainable parameters (1 channel, 1 class)", () => {
    // sum(p.numel() for p in atomai.nets.Unet(nb_classes=1).parameters()): 592 433 conv + 1 600 BatchNorm γ/β.
    const net = buildUNet({ architecture: "atomai" });
    expect(trainableParameters(net)).toBe(594033);
    expect(net.countParams()).toBe(594033 + 1600); // + BatchNorm moving mean/variance
    expect(net.getLayer("bott_conv3").getConfig().dilationRate).toEqual([6, 6]);
    expect(net.getLayer("dec3_up").getConfig().interpolation).toBe("bilinear");
    expect(trainableParameters(buildUNet({ architecture: "atomai", classes: 3 }))).toBe(594033 + 2 * 17);
  });

  it("layer names follow the documented graph, in order", () => {
    const names = buildUNet({ architecture: "tiny" }).layers.map((l) => l.name);
    expect(names).toEqual([
      "input", "enc1_conv1", "enc1_act1", "enc1_bn1", "enc1_pool", "enc2_conv1", "enc2_act1", "enc2_bn1", "enc2_pool", "enc3_conv1", "enc3_act1", "enc3_bn1", "enc3_pool",
      "bott_conv1", "bott_act1", "bott_bn1", "bott_conv2", "bott_act2", "bott_bn2",
      "dec3_up", "dec3_upconv", "dec3_concat", "dec3_conv1", "dec3_act1", "dec3_bn1", "dec2_up", "dec2_upconv", "dec2_concat", "dec2_conv1", "dec2_act1", "dec2_bn1",
      "dec1_up", "dec1_upconv", "dec1_concat", "dec1_conv1", "dec1_act1", "dec1_bn1", "head_conv", "head_act",
    ]);
    const atomai = buildUNet({ architecture: "atomai" }).layers.map((l) => l.name);
    expect(atomai.filter((n) => n.startsWith("bott_"))).toEqual(["bott_conv1", "bott_act1", "bott_bn1", "bott_conv2", "bott_act2", "bott_bn2", "bott_conv3", "bott_act3", "bott_bn3", "bott_sum"]);
    expect(atomai.filter((n) => /^dec3_conv/.test(n))).toEqual(["dec3_conv1", "dec3_conv2"]);
  });

  it("maps [batch, H, W, 1] to probabilities of the same size; softmax sums to 1 over classes", async () => {
    const tf = tfjs();
    const x = tf.randomNormal([2, 32, 48, 1], 0, 1, "float32", 3);
    const p = buildUNet({ architecture: "tiny", classes: 3 }).predict(x) as Tensor;
    expect(p.shape).toEqual([2, 32, 48, 3]);
    const s = await p.sum(-1).data();
    expect(Math.max(...Array.from(s, (v) => Math.abs(v - 1)))).toBeLessThan(1e-5);
  });

  it("rejects unknown architectures and bad sizes, naming the accepted values", () => {
    expect(() => unetConfig({ architecture: "AtomAI" as never })).toThrow(/buildUNet: options.architecture must be one of "atomai", "small", "tiny"; got "AtomAI"/);
    expect(() => unetConfig({ blocks: [1, 2, 3] as never })).toThrow(/options.blocks must be 4 positive integers/);
    expect(() => unetConfig({ filters: 0 })).toThrow(/options.filters must be a positive integer/);
  });
});
