/**
 * ONNX export and ONNX Runtime inference for the atom-finding U-Net.
 *
 * How to use (deep finder, integrator): build or load the tfjs model, export it once, then run
 * every image through the session instead of `model.predict`; inputs and outputs are the same
 * NHWC float32 tensors as the tfjs model's.
 *
 *   const session = await onnxSession(toOnnx(net));           // net: a tfjs LayersModel (buildUNet)
 *   const { data, shape } = await session.run({ data, shape: [1, H, W, 1] });  // [1, H, W, classes]
 *   await session.release();
 *
 * The bytes from `toOnnx` are a standard `.onnx` file (opset 17): write them to disk to ship or
 * load the model in any ONNX tool. Outputs agree with tfjs to < 1e-4 and atom positions to < 0.01 px
 * (tests/atoms/deep-engine).
 *
 * Jest: a test file that runs a session needs the docblock
 * `@jest-environment ./tests/atoms/deep-engine/host-typed-arrays.env.js` (onnxruntime-node returns
 * host-realm Float32Arrays, which fail an instanceof check inside jest's sandbox; see that file).
 */
export { toOnnx, ONNX_OPSET } from "./export";
export type { ToOnnxOptions } from "./export";
export { onnxSession } from "./session";
export type { OnnxSession, OnnxSessionOptions, OnnxTensor } from "./session";
