/**
 * Jest environment for tests that run onnxruntime-node: the node environment with the host
 * realm's typed-array constructors. onnxruntime-node's native binding returns Float32Arrays made
 * in the host realm, and onnxruntime-common (loaded inside jest's sandbox) checks
 * `data instanceof Float32Array` against the sandbox's own constructor, which fails
 * ("A float32 tensor's data must be type of function Float32Array()"). Outside jest (the kernel,
 * node) there is one realm and nothing of this applies.
 */
const { TestEnvironment } = require("jest-environment-node");

class HostTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of ["ArrayBuffer", "Float32Array", "Float64Array", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "BigInt64Array", "BigUint64Array"]) {
      this.global[name] = globalThis[name];
    }
  }
}

module.exports = HostTypedArraysEnvironment;
