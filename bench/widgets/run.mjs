// Frame time of the atom overlay with 100,000 atoms while panning and
// zooming, in Debian's Chromium (headless, software rendering) inside a real
// JupyterLab with the causalscope kernel and extension.
//
// What is measured, per interaction (pan by dragging, zoom with the wheel),
// in two views (the whole image, where every atom is drawn, and 8× zoomed in):
//   draw ms   – the widget's own cost of one frame (image + 100k atoms +
//               arrows), from performance.now() around its draw();
//   frame ms  – intervals between requestAnimationFrame callbacks during the
//               interaction (what a person feels; 16.7 ms = 60 fps).
// Prints a table and writes bench/results/widgets.json.
// Usage: node bench/widgets/run.mjs [--atoms 100000]
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkPreconditions, launchBrowser, root, startLab } from "../../tests/e2e/lab.mjs";
import { installLabextension } from "../../scripts/install-labextension.mjs";

const N = Number(process.argv.includes("--atoms") ? process.argv[process.argv.indexOf("--atoms") + 1] : 100_000);
const results = join(root, "bench", "results");
mkdirSync(results, { recursive: true });

const side = Math.ceil(Math.sqrt(N));
const W = 2000;
const cells = [
  `const N = ${N}, side = ${side}, W = ${W}, step = W / side;
const img = new Float32Array(W * W);
for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) img[y * W + x] = Math.cos((2 * Math.PI * x) / step) * Math.cos((2 * Math.PI * y) / step);
const image = cs.makeImage(img, W, W, { pixelSize: 0.01, unit: "nm" });
const x = new Float64Array(N), y = new Float64Array(N), dx = new Float64Array(N), dy = new Float64Array(N), sub = new Int32Array(N), q = new Float64Array(N);
for (let i = 0; i < N; i++) { x[i] = (i % side + 0.5) * step; y[i] = (Math.floor(i / side) + 0.5) * step; dx[i] = 0.3 * Math.sin(i); dy[i] = 0.3 * Math.cos(i * 1.3); sub[i] = (i + Math.floor(i / side)) % 2; q[i] = i; }
N`,
  `// (explicit keys: the kernel does not yet resolve shorthand properties that name earlier cells' variables)
cs.show.atoms(image, { x: x, y: y, sublattice: sub, dx: dx, dy: dy, q: q }, { title: "benchmark: ${N} atoms" })`,
];

function stats(a) {
  const s = [...a].sort((p, q) => p - q);
  const at = (f) => s[Math.min(s.length - 1, Math.floor(f * (s.length - 1)))];
  return { n: s.length, median: +at(0.5).toFixed(2), p95: +at(0.95).toFixed(2), max: +s[s.length - 1].toFixed(2) };
}

checkPreconditions();
installLabextension();
const nbPath = join(results, "widgets-bench.ipynb");
writeFileSync(nbPath, JSON.stringify({
  nbformat: 4, nbformat_minor: 5,
  metadata: { kernelspec: { name: "causalscope", display_name: "TypeScript (causalscope)", language: "typescript" } },
  cells: cells.map((source) => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source })),
}));
const lab = await startLab(results, { log: join(results, "widgets-bench-lab.log") });
const browser = await launchBrowser();
const out = { atoms: N, image: `${W}×${W}`, browser: "Debian Chromium, headless, --disable-gpu (software rendering)", runs: {} };
try {
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(`${lab.url}/lab/tree/widgets-bench.ipynb?token=${lab.token}`);
  await page.waitForFunction(() => window.jupyterapp?.shell?.currentWidget?.sessionContext?.session?.kernel?.status === "idle", null, { timeout: 120_000 });
  const t0 = Date.now();
  await page.evaluate(() => window.jupyterapp.commands.execute("notebook:run-all-cells"));
  const root = page.locator(".cs-atoms").first();
  await page.waitForFunction(() => document.querySelector(".cs-atoms") || window.jupyterapp.shell.currentWidget.content.widgets.some((c) => c.model.type === "code" && c.model.toJSON().outputs.some((o) => o.output_type === "error")), null, { timeout: 300_000, polling: 500 });
  const errors = await page.evaluate(() => window.jupyterapp.shell.currentWidget.content.widgets.flatMap((c) => (c.model.type === "code" ? c.model.toJSON().outputs : [])).filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`));
  if (errors.length) throw new Error(`benchmark notebook failed: ${errors.join("; ")}`);
  await page.waitForFunction(() => document.querySelector(".cs-atoms")?.dataset.drawMs !== undefined, null, { timeout: 60_000 });
  out.renderSeconds = (Date.now() - t0) / 1000;
  await root.scrollIntoViewIfNeeded();
  const canvas = root.locator("canvas.cs-atom-layer");
  const box = await canvas.boundingBox();
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;

  async function measure(name, interact) {
    await page.evaluate(() => {
      const el = document.querySelector(".cs-atoms");
      window.__draws = [];
      window.__frames = [];
      window.__obs = new MutationObserver(() => window.__draws.push(Number(el.dataset.drawMs)));
      window.__obs.observe(el, { attributes: true, attributeFilter: ["data-draw-ms"] });
      let last = performance.now();
      window.__stop = false;
      const tick = (t) => { window.__frames.push(t - last); last = t; if (!window.__stop) requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    });
    await interact();
    await page.waitForTimeout(100);
    const { draws, frames } = await page.evaluate(() => { window.__stop = true; window.__obs.disconnect(); return { draws: window.__draws, frames: window.__frames.slice(1) }; });
    out.runs[name] = { drawMs: stats(draws), frameMs: stats(frames) };
    console.log(`${name.padEnd(28)} draw ms median ${out.runs[name].drawMs.median} p95 ${out.runs[name].drawMs.p95} (${draws.length} frames) · frame interval median ${out.runs[name].frameMs.median} p95 ${out.runs[name].frameMs.p95}`);
  }
  const pan = async () => {
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let k = 0; k < 120; k++) await page.mouse.move(cx + 80 * Math.sin(k / 10), cy + 60 * Math.cos(k / 13));
    await page.mouse.up();
  };
  const zoom = async () => {
    await page.mouse.move(cx, cy);
    for (let k = 0; k < 60; k++) await page.mouse.wheel(0, k % 20 < 10 ? -60 : 60);
  };
  await measure("pan, whole image", pan);
  await measure("zoom, whole image", zoom);
  await root.getByRole("button", { name: "Reset view" }).click();
  await page.mouse.move(cx, cy);
  for (let k = 0; k < 5; k++) await page.mouse.wheel(0, -277); // ×8
  await page.waitForTimeout(200);
  await measure("pan, zoomed ×8", pan);
  await measure("zoom, zoomed ×8", zoom);
  await root.screenshot({ path: join(results, "widgets-bench.png") });
} finally {
  await browser.close();
  await lab.stop();
}
writeFileSync(join(results, "widgets.json"), JSON.stringify(out, null, 2));
console.log(`wrote bench/results/widgets.json (payload and first render: ${out.renderSeconds.toFixed(1)} s)`);
