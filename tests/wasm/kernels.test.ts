/**
 * The WebAssembly modules compiled from src/wasm/assembly/*.ts (AssemblyScript)
 * by src/wasm/build.mjs: the embedded binaries are those of the current
 * sources, each module has exactly the interface its glue expects (no data
 * segment, so the glue may use memory from address 0), and small known
 * answers straight from the exports. Bit-identity with the JavaScript loops
 * is tested per capability (tests/image/simd, tests/stem4d/core,
 * tests/causal/lingam).
 */
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { SOURCE_SHA256, filtersWasm, linalgWasm, lingamWasm, stem4dWasm } from "../../src/wasm/binaries.generated";

const sources = join(__dirname, "../../src/wasm/assembly");

/** The WebAssembly API, which the project's TypeScript libraries (ES2022, node) do not declare. */
interface Memory { buffer: ArrayBuffer }
const WA = (globalThis as unknown as {
  WebAssembly: {
    validate(b: Uint8Array): boolean;
    Module: { new (b: Uint8Array): object; exports(m: object): { name: string }[]; imports(m: object): { module: string; name: string }[] };
    Instance: new (m: object, imports: object) => { exports: Record<string, Function> & { memory: Memory } };
    Memory: new (d: { initial: number }) => Memory;
  };
}).WebAssembly;

/** Section ids of a WebAssembly binary, in order. */
function sectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let p = 8; // magic and version
  while (p < bytes.length) {
    ids.push(bytes[p++]);
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[p++];
      size += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) break;
    }
    p += size;
  }
  expect(p).toBe(bytes.length);
  return ids;
}

const modules: [string, () => Uint8Array, string[], string[]][] = [
  ["filters", filtersWasm, ["cols", "cols64", "iir", "memory", "rows", "rows64"], []],
  ["stem4d", stem4dWasm, ["com", "comU16", "comU16BE", "comU8", "memory", "vi", "viU16", "viU16BE", "viU8"], ["env.memory"]],
  ["lingam", lingamWasm, ["axpy", "dot", "memory", "pair", "single", "ssd", "standardize", "sum"], []],
  ["linalg", linalgWasm, ["dotsub", "memory"], []],
];

describe("WebAssembly kernels compiled from AssemblyScript", () => {
  it("are embedded for every source in src/wasm/assembly, compiled from its current text (else: npm run build -w src)", () => {
    const names = readdirSync(sources).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3)).sort();
    expect(Object.keys(SOURCE_SHA256).sort()).toEqual(names);
    for (const name of names) {
      const hash = createHash("sha256").update(readFileSync(join(sources, `${name}.ts`))).digest("hex");
      expect([name, SOURCE_SHA256[name as keyof typeof SOURCE_SHA256]]).toEqual([name, hash]);
    }
  });

  it.each(modules)("%s: validates, exports exactly its kernels and memory, imports only what its glue provides, has no data segment", (_name, bytes, exports, imports) => {
    const b = bytes();
    expect(WA.validate(b)).toBe(true);
    const m = new WA.Module(b);
    expect(WA.Module.exports(m).map((e) => e.name).sort()).toEqual(exports);
    expect(WA.Module.imports(m).map((i) => `${i.module}.${i.name}`)).toEqual(imports);
    expect(sectionIds(b).filter((id) => id === 11 || id === 12)).toEqual([]); // data, data count
  });

  it("stem4d com and vi: sums of two 4×2 frames (known answers)", () => {
    const memory = new WA.Memory({ initial: 1 });
    const k = new WA.Instance(new WA.Module(stem4dWasm()), { env: { memory } }).exports;
    const f = new Float32Array(memory.buffer, 0, 16);
    f.set([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1, 0, 0, 2, 0]); // frame 0 rows [1 2 3 4], [5 6 7 8]; frame 1 a pixel at (3, 0) and one at (2, 1)
    k.com(0, 2, 4, 2, 64);
    // frame 0: Σv = 36, Σv·x = (0·1 + 1·2 + 2·3 + 3·4) + (0·5 + 1·6 + 2·7 + 3·8) = 64, Σv·y = 26; frame 1: 3, 3 + 4 = 7, 2
    expect(Array.from(new Float64Array(memory.buffer, 64, 6))).toEqual([36, 64, 26, 3, 7, 2]);
    new Float32Array(memory.buffer, 128, 8).set([1, 0, 1, 0, 0.5, 0.5, 0.5, 0.5]);
    new Int32Array(memory.buffer, 160, 4).set([0, 4, 0, 0]); // row 1 outside the ranges: its mask weights must not count
    k.vi(0, 2, 4, 2, 192, 128, 160);
    expect(Array.from(new Float64Array(memory.buffer, 192, 2))).toEqual([1 + 3, 0]);
  });

  it("lingam column passes on 5 rows (an odd count: one pair loop row left for the scalar tail), known answers", () => {
    const k = new WA.Instance(new WA.Module(lingamWasm()), {}).exports;
    const x = new Float64Array(k.memory.buffer, 0, 5), y = new Float64Array(k.memory.buffer, 48, 5), out = new Float64Array(k.memory.buffer, 96, 5);
    x.set([1, 2, 3, 4, 5]);
    y.set([2, 0, -1, 1, 3]);
    expect(k.sum(0, 5)).toBe(15);
    expect(k.dot(0, 48, 5)).toBe(2 + 0 - 3 + 4 + 15);
    expect(k.ssd(0, 5, 3)).toBe(10);
    k.standardize(0, 5, 3, 2, 96);
    expect(Array.from(out)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(k.axpy(0, 48, 5, 2)).toBe(15 - 2 * 5);
    expect(Array.from(x)).toEqual([-3, 2, 5, 2, -1]);
  });
});
