import { progress, type MimeBundle } from "causalscope";
import { progressBundle } from "../../src/display/progress";
import { KERNEL_BRIDGE } from "../../src/display/mime";
import { type KernelBridge, type DisplayOptions } from "../../src/display";

function fakeBridge() {
  const calls: Array<{ bundle: MimeBundle; options?: DisplayOptions }> = [];
  const bridge: KernelBridge = { display: (bundle, options) => calls.push({ bundle, options }) };
  return { bridge, calls };
}

describe("progress", () => {
  afterEach(() => {
    delete (globalThis as Record<symbol, unknown>)[KERNEL_BRIDGE];
  });

  test("one display id, first a new output then in-place updates, throttled, final 100%", () => {
    const { bridge, calls } = fakeBridge();
    let t = 1000;
    const bar = progress(200, { label: "Finding <atoms>", bridge, now: () => t });
    expect(calls).toHaveLength(1);
    expect(calls[0].options).toEqual({ displayId: bar.displayId, update: false });
    expect(calls[0].bundle["text/html"]).toContain('<progress value="0" max="200"');
    expect(calls[0].bundle["text/html"]).toContain("Finding &lt;atoms&gt;"); // label is escaped
    // 100 updates within 50 ms of the first display: all throttled
    for (let i = 1; i <= 100; i++) { t = 1000 + i * 0.5; bar.update(i); }
    expect(calls).toHaveLength(1);
    t = 1101; // ≥ 100 ms later: sent
    bar.update(120, "frame 120");
    expect(calls).toHaveLength(2);
    expect(calls[1].options).toEqual({ displayId: bar.displayId, update: true });
    expect(calls[1].bundle["text/plain"]).toBe(`Finding <atoms> [${"#".repeat(18)}${".".repeat(12)}] 60% (120/200) frame 120`);
    t = 1150;
    bar.update(150); // throttled
    expect(calls).toHaveLength(2);
    t = 3500;
    bar.done();
    expect(calls).toHaveLength(3);
    const last = calls[2];
    expect(last.options).toEqual({ displayId: bar.displayId, update: true });
    expect(last.bundle["text/html"]).toContain('<progress value="200" max="200"');
    expect(last.bundle["text/plain"]).toMatch(/\] 100% \(200\/200\) done in 2\.5 s$/);
    bar.update(10); // after done: ignored
    bar.done();
    expect(calls).toHaveLength(3);
    // at most ~10 messages per second over the run
    expect(calls.length).toBeLessThanOrEqual(Math.ceil((3500 - 1000) / 100) + 1);
  });

  test("a throttled update is flushed later by a timer", async () => {
    const { bridge, calls } = fakeBridge();
    const bar = progress(10, { bridge, intervalMs: 20 });
    bar.update(3);
    bar.update(4);
    expect(calls.length).toBeLessThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 60));
    expect(calls[calls.length - 1].bundle["text/plain"]).toContain("40% (4/10)");
    expect(calls.slice(1).every((c) => c.options?.update === true && c.options.displayId === bar.displayId)).toBe(true);
    bar.done();
  });

  test("uses kernelBridge() by default; a no-op outside the kernel", () => {
    const outside = progress(5);
    expect(() => { outside.update(2); outside.done(); }).not.toThrow();
    const { bridge, calls } = fakeBridge();
    (globalThis as Record<symbol, unknown>)[KERNEL_BRIDGE] = bridge;
    const inside = progress(5, { label: "x" });
    inside.done();
    expect(calls.map((c) => c.options?.update)).toEqual([false, true]);
    expect(new Set(calls.map((c) => c.options?.displayId)).size).toBe(1);
    expect(inside.displayId).not.toBe(outside.displayId);
  });

  test("values are clamped; bad arguments are named", () => {
    expect(progressBundle(250, 200)["text/plain"]).toContain("100%");
    expect(progressBundle(-3, 200)["text/plain"]).toContain(" 0% ");
    expect(() => progress(0)).toThrow(/progress: total must be a positive finite number, got 0/);
    expect(() => progress(NaN)).toThrow(/total/);
    expect(() => progress(3).update(NaN)).toThrow(/progress.update: done must be a number/);
  });
});
