/**
 * ts-jest, plus one line: each compiled module binds the built-ins that hot
 * loops use (Math, the typed arrays, NaN, ...) as local constants.
 *
 * Why: jest runs every module inside a `vm` context, where each read of a
 * global name goes through the context's interceptor instead of an inline
 * cache. Measured under jest on this project: 10⁶ `Rng.uniform()` draws
 * 5.3 s, against 0.1 s for the same code in plain node (the kernel and users
 * run it that way). The constants are the same objects the context's global
 * holds, so behaviour is unchanged; only the lookup is local. They go on the
 * first line, after "use strict", so line numbers and source maps stay valid.
 */
const { TsJestTransformer } = require("ts-jest");

const BUILTINS = ["Math", "Number", "Array", "Object", "NaN", "Infinity", "Float64Array", "Float32Array",
  "Int32Array", "Int16Array", "Int8Array", "Uint32Array", "Uint16Array", "Uint8Array", "Uint8ClampedArray"];
const PRELUDE = `const { ${BUILTINS.join(", ")} } = globalThis;`;

function withPrelude(code) {
  const strict = /^("use strict";)/.exec(code);
  return strict ? strict[1] + PRELUDE + code.slice(strict[1].length) : PRELUDE + code;
}

module.exports = {
  createTransformer(options) {
    const ts = new TsJestTransformer(options);
    return {
      canInstrument: false,
      getCacheKey: (...args) => ts.getCacheKey(...args) + "|locals-v1",
      getCacheKeyAsync: async (...args) => (await ts.getCacheKeyAsync(...args)) + "|locals-v1",
      process(...args) {
        const out = ts.process(...args);
        return typeof out === "string" ? withPrelude(out) : { ...out, code: withPrelude(out.code) };
      },
      async processAsync(...args) {
        const out = await ts.processAsync(...args);
        return typeof out === "string" ? withPrelude(out) : { ...out, code: withPrelude(out.code) };
      },
    };
  },
};
