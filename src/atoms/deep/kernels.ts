/**
 * The one TensorFlow.js kernel that training a U-Net needs and the
 * WebAssembly backend lacks (tfjs-backend-wasm 4.22): `Conv2DBackpropFilter`,
 * the gradient of a convolution with respect to its filter. It is built from
 * three kernels the backend has (PadV2, Transpose, Conv2D on XNNPACK), so
 * training runs at WebAssembly SIMD speed instead of on the pure-JavaScript
 * "cpu" backend (measured ~30× slower here, see README.md).
 *
 * Identity used (stride 1, NHWC, x zero-padded by the forward pass's pads):
 *   dW[kh, kw, ci, co] = Σ_{b, y, x} xpad[b, y + kh, x + kw, ci] · dy[b, y, x, co]
 * i.e. a "valid" convolution of xpad transposed to [ci, H', W', b] with dy
 * transposed to [h, w, b, co] as the filter, giving [ci, kh, kw, co], then
 * transposed to [kh, kw, ci, co]. (cf. the cpu backend's direct loop,
 * tfjs-backend-cpu `Conv2DBackpropFilter`.)
 */
import type { KernelConfig, TensorInfo, KernelFunc, NamedAttrMap } from "@tensorflow/tfjs";

type Tf = typeof import("@tensorflow/tfjs");

interface BackendLike { disposeData(dataId: object): void }

/** Register `Conv2DBackpropFilter` on the "wasm" backend unless it already has one. Idempotent. */
export function registerWasmTrainingKernels(tf: Tf): void {
  if (tf.getKernel("Conv2DBackpropFilter", "wasm")) return;
  const kernel = (name: string): KernelFunc => {
    const k = tf.getKernel(name, "wasm");
    if (!k) throw new Error(`registerWasmTrainingKernels: the wasm backend has no ${name} kernel`);
    return k.kernelFunc;
  };
  const pad = kernel("PadV2"), transpose = kernel("Transpose"), conv = kernel("Conv2D");
  const config: KernelConfig = {
    kernelName: "Conv2DBackpropFilter",
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
      const { strides, pad: padding, dimRoundingMode, filterShape } = attrs as unknown as { strides: [number, number] | number; pad: "same" | "valid" | number; dimRoundingMode?: "floor" | "round" | "ceil"; filterShape: [number, number, number, number] };
      const s = Array.isArray(strides) ? strides : [strides, strides];
      if (s[0] !== 1 || s[1] !== 1) throw new Error(`Conv2DBackpropFilter (wasm, causalscope): only stride 1 is implemented, got ${s.join(",")}`);
      const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, 1, 1, padding, dimRoundingMode);
      const p = info.padInfo;
      const b = backend as unknown as BackendLike;
      const call = (f: KernelFunc, inp: Record<string, TensorInfo>, at: object) => f({ inputs: inp, backend, attrs: at as NamedAttrMap }) as TensorInfo;
      const xp = call(pad, { x }, { paddings: [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]], constantValue: 0 });
      const xt = call(transpose, { x: xp }, { perm: [3, 1, 2, 0] });
      const dyt = call(transpose, { x: dy }, { perm: [1, 2, 0, 3] });
      const g = call(conv, { x: xt, filter: dyt }, { strides: [1, 1], pad: "valid", dilations: [1, 1], dataFormat: "NHWC" });
      const out = call(transpose, { x: g }, { perm: [1, 2, 0, 3] });
      for (const t of [xp, xt, dyt, g]) b.disposeData(t.dataId);
      return out;
    },
  };
  tf.registerKernel(config);
}
