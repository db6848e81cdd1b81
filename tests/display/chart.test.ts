import { PNG } from "pngjs";
import { chart, histogram, scatter, heatmap, makeImage, table } from "causalscope";
import { mimeBundleOf, VEGALITE_MIME_TYPE, Histogram } from "../../src/display";
import { chartFont, VEGALITE_SCHEMA } from "../../src/display/chart";

function decodeBase64Png(b64: unknown) {
  expect(typeof b64).toBe("string");
  return PNG.sync.read(Buffer.from(b64 as string, "base64"));
}

/** Number of distinct RGB colours and fraction of non-white pixels. */
function inkStats(png: PNG) {
  const colours = new Set<number>();
  let ink = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const [r, g, b] = [png.data[i], png.data[i + 1], png.data[i + 2]];
    colours.add((r << 16) | (g << 8) | b);
    if (r < 250 || g < 250 || b < 250) ink++;
  }
  return { colours: colours.size, inkFraction: ink / (png.width * png.height) };
}

const BARS = {
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  title: "Bars",
  data: { values: [{ a: "A", b: 28 }, { a: "B", b: 55 }, { a: "C", b: 43 }] },
  mark: "bar",
  encoding: { x: { field: "a", type: "nominal" }, y: { field: "b", type: "quantitative" } },
};

describe("chart", () => {
  test("bundle: the spec under the JupyterLab 4.6 Vega-Lite MIME type, a non-blank PNG, text", async () => {
    const c = chart(BARS);
    const bundle = (await mimeBundleOf(c))!;
    expect(VEGALITE_MIME_TYPE).toBe("application/vnd.vegalite.v5+json");
    const spec = bundle[VEGALITE_MIME_TYPE] as Record<string, unknown>;
    expect(spec.$schema).toBe(VEGALITE_SCHEMA); // matches the MIME type's major version
    expect(spec.data).toEqual(BARS.data);
    expect(spec.encoding).toEqual(BARS.encoding);
    expect(bundle["text/plain"]).toMatch(/^Vega-Lite chart \(bar\): Bars: 3 data rows/);
    const png = decodeBase64Png(bundle["image/png"]);
    // vega-lite's default discrete band is 20 px a bar: plausible size of a 3-bar chart with axes and title
    expect(png.width).toBeGreaterThan(60);
    expect(png.width).toBeLessThan(400);
    expect(png.height).toBeGreaterThan(150);
    expect(png.height).toBeLessThan(500);
    const { colours, inkFraction } = inkStats(png);
    expect(colours).toBeGreaterThan(3);
    expect(inkFraction).toBeGreaterThan(0.05);
    expect(inkFraction).toBeLessThan(0.9);
    // the bar colour (vega's default #4c78a8) is present
    let bar = false;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i] === 0x4c && png.data[i + 1] === 0x78 && png.data[i + 2] === 0xa8) { bar = true; break; }
    expect(bar).toBe(true);
  });

  test("the spec is copied: later changes to the argument do not change the chart", () => {
    const spec = JSON.parse(JSON.stringify(BARS));
    const c = chart(spec);
    spec.data.values.push({ a: "D", b: 1 });
    expect((c.spec.data as { values: unknown[] }).values).toHaveLength(3);
  });

  test("text renders when a system font exists (resvg needs one)", async () => {
    const font = chartFont();
    if (!font) {
      console.warn("chart.test: no system font found; skipping the text-rendering check");
      return;
    }
    const withTitle = await chart({ ...BARS, title: "A LONG TITLE TO DRAW WITH INK" }).toPng();
    const without = await chart({ ...BARS, title: undefined }).toPng();
    const a = PNG.sync.read(Buffer.from(withTitle)), b = PNG.sync.read(Buffer.from(without));
    expect(a.height).toBeGreaterThan(b.height); // the title takes room
    // and is drawn: the top band of the titled chart has dark (text) pixels
    let dark = 0;
    for (let y = 0; y < 15; y++) for (let x = 0; x < a.width; x++) if (a.data[4 * (y * a.width + x)] < 100) dark++;
    expect(dark).toBeGreaterThan(20);
  });

  test("bad specs: errors name the argument", async () => {
    expect(() => chart(null as never)).toThrow(/chart: spec must be a Vega-Lite specification object/);
    expect(() => chart([] as never)).toThrow(/got an array/);
    expect(() => chart({ $schema: "https://vega.github.io/schema/vega/v5.json" })).toThrow(/spec.\$schema must name a Vega-Lite schema/);
    await expect(chart({ mark: 42 } as never).toPng()).rejects.toThrow(/spec is not valid Vega-Lite/);
  });
});

describe("histogram", () => {
  test("counts equal a direct count; NaN and Inf are excluded and reported", async () => {
    const values: number[] = [];
    for (let i = 0; i < 1000; i++) values.push(Math.sin(i) * 10 + (i % 7)); // deterministic spread
    values.push(NaN, NaN, NaN, Infinity, -Infinity);
    const bins = 12;
    const h = histogram(values, { bins, field: "intensity" });
    expect(h).toBeInstanceOf(Histogram);
    const finite = values.filter(Number.isFinite);
    const lo = Math.min(...finite), hi = Math.max(...finite);
    const direct = new Array(bins).fill(0);
    for (const v of finite) direct[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]++;
    expect(Array.from(h.counts)).toEqual(direct);
    expect(h.edges[0]).toBe(lo);
    expect(h.edges[bins]).toBeCloseTo(hi, 12);
    expect([h.n, h.nanCount, h.infCount]).toEqual([1000, 3, 2]);
    const spec = h.spec as { title: { text: string; subtitle: string }; data: { values: Array<{ count: number }> } };
    expect(spec.title.subtitle).toBe("n = 1000 (3 NaN, 2 ±Inf excluded)");
    expect(spec.data.values.map((r) => r.count)).toEqual(direct);
    const bundle = (await mimeBundleOf(h))!;
    expect(bundle["text/plain"]).toMatch(/^Histogram of intensity: 12 bins over \[.*\], n = 1000 \(3 NaN, 2 ±Inf excluded\)/);
    expect(bundle[VEGALITE_MIME_TYPE]).toEqual(h.spec);
    const png = decodeBase64Png(bundle["image/png"]);
    expect(png.width).toBeGreaterThan(400); // 400 px plot plus axes
    expect(inkStats(png).colours).toBeGreaterThan(3);
  });

  test("an image's pixels, exact edges, range and the upper edge in the last bin", () => {
    const img = makeImage([0, 1, 2, 3, 4, 5, 6, 7, 8, NaN, 12, -1], 4, 3);
    const h = histogram(img, { bins: 4, range: [0, 8] });
    // bins [0,2) [2,4) [4,6) [6,8]: 0,1 | 2,3 | 4,5 | 6,7,8
    expect(Array.from(h.counts)).toEqual([2, 2, 2, 3]);
    expect(Array.from(h.edges)).toEqual([0, 2, 4, 6, 8]);
    expect([h.n, h.nanCount, h.outOfRange]).toEqual([9, 1, 2]);
  });

  test("edge cases: constant values, no finite value, bad options", () => {
    const c = histogram([3, 3, 3], { bins: 3 });
    expect(Array.from(c.counts)).toEqual([0, 3, 0]);
    expect([c.edges[0], c.edges[3]]).toEqual([2.5, 3.5]);
    const e = histogram([NaN, NaN]);
    expect(e.n).toBe(0);
    expect(e.nanCount).toBe(2);
    expect(() => histogram([1, 2], { bins: 0 })).toThrow(/options.bins must be a positive integer, got 0/);
    expect(() => histogram([1, 2], { range: [2, 1] })).toThrow(/options.range/);
    expect(() => histogram(null as never)).toThrow(/histogram: values must be/);
    expect(() => histogram(["a"] as never)).toThrow(/values\[0\] is string/);
  });
});

describe("scatter", () => {
  test("from a table: rows with non-finite x or y are dropped and counted", async () => {
    const t = table({ x: [1, 2, 3, NaN], y: [2, 4, 6, 8], element: ["Sr", "Ti", "O", "O"] });
    const c = scatter(t, { x: "x", y: "y", color: "element" });
    const spec = c.spec as { data: { values: unknown[] }; encoding: { color: { type: string } }; title: { subtitle: string } };
    expect(spec.data.values).toEqual([{ x: 1, y: 2, element: "Sr" }, { x: 2, y: 4, element: "Ti" }, { x: 3, y: 6, element: "O" }]);
    expect(spec.encoding.color.type).toBe("nominal");
    expect(spec.title.subtitle).toBe("n = 3 (1 rows with non-finite x or y dropped)");
    expect(() => scatter(t, { x: "x", y: "z" })).toThrow(/scatter: no column "z"; columns are "x", "y", "element"/);
    const png = PNG.sync.read(Buffer.from(await c.toPng()));
    expect(png.width).toBeGreaterThan(400);
  });
});

describe("heatmap", () => {
  test("cells carry the matrix entries with their labels; non-finite cells blank and counted", async () => {
    const corr = [
      [1, 0.5, -0.25],
      [0.5, 1, NaN],
      [-0.25, NaN, 1],
    ];
    const names = ["a", "b", "c"];
    const h = heatmap(corr, { xLabels: names, yLabels: names, scheme: "redblue", symmetric: true, field: "r" });
    const spec = h.spec as { data: { values: Array<{ x: string; y: string; v: number | null }> }; title: { subtitle: string }; layer: Array<{ encoding: { color?: { scale: { domain: number[] } } } }> };
    expect(spec.data.values).toHaveLength(9);
    expect(spec.data.values.find((d) => d.y === "a" && d.x === "c")!.v).toBe(-0.25);
    expect(spec.data.values.find((d) => d.y === "b" && d.x === "c")!.v).toBeNull();
    expect(spec.title.subtitle).toBe("2 non-finite cells blank");
    expect(spec.layer[0].encoding.color!.scale.domain).toEqual([-1, 1]);
    expect(spec.layer).toHaveLength(2); // annotated: 9 cells ≤ 100
    const png = PNG.sync.read(Buffer.from(await h.toPng()));
    expect(inkStats(png).colours).toBeGreaterThan(5);
  });

  test("an Image: row y, column x; errors name the argument", () => {
    const h = heatmap(makeImage([1, 2, 3, 4, 5, 6], 3, 2));
    const vals = (h.spec as { data: { values: Array<{ x: string; y: string; v: number }> } }).data.values;
    expect(vals.find((d) => d.x === "2" && d.y === "1")!.v).toBe(6);
    expect(() => heatmap([[1, 2], [3]])).toThrow(/heatmap: values rows differ in length: row 0 has 2, row 1 has 1/);
    expect(() => heatmap([[1, 2]], { xLabels: ["a"] })).toThrow(/options.xLabels has 1 labels for 2 columns/);
    expect(() => heatmap(makeImage(new Float32Array(300 * 300), 300, 300))).toThrow(/90000 cells, more than 40000; use cs.show.image/);
    expect(() => heatmap([])).toThrow(/heatmap: values is empty/);
  });
});
