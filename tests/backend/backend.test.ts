import { initBackend, backend } from "causalscope";
import { tfjs } from "../../src/backend";

describe("tensor backend", () => {
  test("before initBackend, backend() says what to do", () => {
    expect(() => backend()).toThrow(/call `await initBackend\(\)` first/);
    expect(() => tfjs()).toThrow(/initBackend/);
  });

  test("wasm is chosen here (tfjs-node absent), SIMD on, the reason says why; matmul is right", async () => {
    const info = await initBackend();
    expect(info.name).toBe("wasm");
    expect(info.package).toBe("@tensorflow/tfjs-backend-wasm");
    expect(info.simd).toBe(true); // Node 20 has WebAssembly SIMD
    expect(info.reason).toMatch(/@tensorflow\/tfjs-node-gpu is not installed/);
    expect(info.reason).toMatch(/@tensorflow\/tfjs-node is not installed/);
    expect(info.reason).toMatch(/WebAssembly backend from .*tfjs-backend-wasm/);
    expect(backend()).toEqual(info);
    const tf = tfjs();
    expect(tf.getBackend()).toBe("wasm");
    // [[1,2,3],[4,5,6]] · [[7,8],[9,10],[11,12]] = [[58,64],[139,154]]
    const c = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2, 3], [4, 5, 6]]), tf.tensor2d([[7, 8], [9, 10], [11, 12]])));
    expect(c.shape).toEqual([2, 2]);
    expect(Array.from(await c.data())).toEqual([58, 64, 139, 154]);
    c.dispose();
    // a larger product against a direct triple loop
    const n = 33, a = Float32Array.from({ length: n * n }, (_, i) => ((i * 7) % 11) - 5), b = Float32Array.from({ length: n * n }, (_, i) => ((i * 5) % 13) - 6);
    const got = tf.tidy(() => tf.matMul(tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n])).dataSync());
    for (const [i, j] of [[0, 0], [5, 17], [32, 32], [20, 3]]) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
      expect(got[i * n + j]).toBe(s); // small integers: exact in float32
    }
    expect(await initBackend()).toBe(info); // cached
  });

  test("prefer: cpu forces the JavaScript backend and says so; bad prefer is named", async () => {
    const info = await initBackend({ prefer: "cpu" });
    expect(info.name).toBe("cpu");
    expect(info.reason).toMatch(/native TensorFlow not tried \(prefer = "cpu"\); wasm not tried/);
    const tf = tfjs();
    expect(tf.getBackend()).toBe("cpu");
    expect(Array.from(tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync())).toEqual([11]);
    expect(() => initBackend({ prefer: "gpu" as never })).toThrow(/initBackend: options.prefer must be "tensorflow", "wasm" or "cpu", got "gpu"/);
    expect((await initBackend({ prefer: "wasm" })).name).toBe("wasm");
  });
});
