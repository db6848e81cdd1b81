/**
 * traceChart (src/bayes/plots.ts): one row per parameter with its R-hat and
 * ESS, every chain's thinned draws (exponentiated on request), and a PNG
 * rendering.
 */
import { PNG } from "pngjs";
import { nuts, traceChart } from "../../src/bayes";

describe("traceChart", () => {
  const r = nuts((q, g) => { g[0] = -q[0]; g[1] = -q[1] / 4; return -0.5 * q[0] ** 2 - q[1] ** 2 / 8; }, 2, { seed: 1, chains: 2, warmup: 100, samples: 300, names: ["a", "b"] });
  it("has a row per parameter titled with R-hat and ESS, every chain's draws, thinned and exponentiated on request, and renders to PNG", async () => {
    const c = traceChart(r, { exp: true, maxDraws: 100 });
    const rows = (c.spec as { vconcat: Array<{ title: string; data: { values: Array<{ chain: string; draw: number; value: number }> } }> }).vconcat;
    expect(rows.map((row) => row.title)).toEqual([`a: R-hat ${r.rhat[0].toFixed(3)}, ESS ${Math.round(r.ess[0])}`, `b: R-hat ${r.rhat[1].toFixed(3)}, ESS ${Math.round(r.ess[1])}`]);
    expect(rows[1].data.values).toHaveLength(200);
    expect(rows[1].data.values[1]).toEqual({ chain: "1", draw: 3, value: Math.exp(r.draws[0][3 * 2 + 1]) });
    const png = PNG.sync.read(Buffer.from(await c.toPng()));
    expect(png.width).toBeGreaterThan(400);
    expect(png.height).toBeGreaterThan(200);
    expect(() => traceChart({} as never)).toThrow(/traceChart\(result\): expected a NUTS result/);
  });
});
