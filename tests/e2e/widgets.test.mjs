// Browser end-to-end test of the causalscope widgets (issue 3).
//
// Starts a real `jupyter lab` from .venv on 127.0.0.1 (random port and
// token), opens a copy of notebooks/05-widgets.ipynb (the tutorial, plus a
// few test cells appended) with the causalscope kernel in Debian's Chromium,
// runs all cells, and checks what a person sees: atoms drawn in their class
// colours at their positions (canvas pixels), the hover tooltip, a class
// toggle, zoom, a lasso selection arriving in the kernel (cs.selection() in
// the next cell), every graph node and edge, neighbour highlighting on
// click, node dragging, SVG export, a readable error for a bad payload, data
// strings shown as text; then converts the saved notebook with nbconvert
// and checks the HTML carries the PNG/SVG fallbacks.
// Screenshots: test-artifacts/e2e/*.png.
//
// Run: node --test tests/e2e/   (after the build, see checkPreconditions)
import { after, before, test as nodeTest } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  artifacts, checkPreconditions, decodePng, distanceToPolygon, hexRgb, launchBrowser, near, pixel, pointInPolygon, root, startLab, venvBin, openNotebook } from "./lab.mjs";
import { installLabextension } from "../../scripts/install-labextension.mjs";

const NB_DIR = "test-artifacts"; // one level below the repository root, like notebooks/, so ../../shared/data resolves
const NB_NAME = "05-widgets.e2e.ipynb";
const NB_PATH = join(root, NB_DIR, NB_NAME);
const ATOMS_MIME = "application/vnd.causalscope.atoms+json";
const INJECT = '<img src=x onerror="window.__csInjected=1">';

// Test cells appended to the tutorial copy (they use the tutorial's `atoms` and `graph`).
const TEST_CELLS = [
  'console.log("E2E-DATA " + JSON.stringify({ x: Array.from(atoms.numeric("x")), y: Array.from(atoms.numeric("y")), site: atoms.column("site"), graph: graph }))',
  'console.log("E2E-SELECTION " + JSON.stringify(cs.selection()))',
  `display({ "${ATOMS_MIME}": { version: 99, image: {} }, "text/plain": "a payload from a newer causalscope" }, { raw: true })`,
  `cs.show.graph({ nodes: [${JSON.stringify(INJECT)}, "b"], edges: [{ from: ${JSON.stringify(INJECT)}, to: "b" }] }, { title: "<b>not bold</b>" })`,
];

// The tutorial reads real data from ../shared/data beside the checkout; without it, skip loudly.
const SHARED_STEM = join(root, "..", "shared", "data", "stem", "sto_adf_atomap.hdf5");
const skipAll = !existsSync(SHARED_STEM);
if (skipAll) console.warn(`\n*** SKIPPING the widget e2e tests: real data ${SHARED_STEM} is absent (../shared/data is not beside this checkout) ***\n`);
const test = skipAll ? (name, opts, fn) => nodeTest(`${name} (SKIPPED: ../shared/data absent)`, { skip: true }, fn ?? opts) : nodeTest;

let lab, browser, page, data;
const pageErrors = [];

function prepareNotebook() {
  const nb = JSON.parse(readFileSync(join(root, "notebooks", "05-widgets.ipynb"), "utf8"));
  for (const c of nb.cells) if (c.cell_type === "code") { c.outputs = []; c.execution_count = null; }
  for (const src of TEST_CELLS) nb.cells.push({ cell_type: "code", metadata: { tags: ["e2e"] }, execution_count: null, outputs: [], source: src });
  mkdirSync(join(root, NB_DIR), { recursive: true });
  writeFileSync(NB_PATH, JSON.stringify(nb, null, 1));
  return nb.cells.length;
}

const shot = (name, target = page) => target.screenshot({ path: join(artifacts, name) });

/** Wait until the notebook's kernel is idle and no cell is queued or running. */
async function waitIdle(timeout = 240_000) {
  await page.waitForFunction(() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const k = panel?.sessionContext?.session?.kernel;
    if (!k || k.status !== "idle") return false;
    return !Array.from(document.querySelectorAll(".jp-InputArea-prompt")).some((p) => p.textContent.includes("*"));
  }, null, { timeout, polling: 250 });
}

/** Outputs (nbformat JSON) of code cell `index` of the open notebook. */
function outputsOf(index) {
  return page.evaluate((i) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.toJSON().outputs, index);
}

async function runCell(index) {
  const before = await page.evaluate((i) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.executionCount, index);
  await page.evaluate((i) => {
    const panel = window.jupyterapp.shell.currentWidget;
    panel.content.activeCellIndex = i;
    return window.jupyterapp.commands.execute("notebook:run-cell");
  }, index);
  await page.waitForFunction(([i, b]) => {
    const c = window.jupyterapp.shell.currentWidget.content.widgets[i].model;
    return c.executionCount !== null && c.executionCount !== b;
  }, [index, before], { timeout: 60_000 });
  await waitIdle();
  return outputsOf(index);
}

const streamText = (outputs) => outputs.filter((o) => o.output_type === "stream").map((o) => (Array.isArray(o.text) ? o.text.join("") : o.text)).join("");

let cellCount;
before(async () => {
  if (skipAll) return;
  checkPreconditions();
  installLabextension(); // no-op when up to date
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  cellCount = prepareNotebook();
  lab = await startLab(root);
  browser = await launchBrowser();
  page = await openNotebook(browser, lab, `${NB_DIR}/${NB_NAME}`, pageErrors);
});

after(async () => {
  await browser?.close();
  await lab?.stop();
});

test("the notebook opens with the causalscope kernel and every cell runs without error", { timeout: 300_000 }, async () => {
  const kernelName = await page.evaluate(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.name);
  assert.equal(kernelName, "causalscope");
  await page.evaluate(() => window.jupyterapp.commands.execute("notebook:run-all-cells"));
  await page.waitForFunction((n) => {
    const cells = window.jupyterapp.shell.currentWidget.content.widgets;
    return cells.filter((c) => c.model.type === "code").every((c) => c.model.executionCount !== null) && cells.length === n;
  }, cellCount, { timeout: 300_000, polling: 500 });
  await waitIdle();
  const errors = await page.evaluate(() => window.jupyterapp.shell.currentWidget.content.widgets
    .map((c, i) => [i, c.model.type === "code" ? c.model.toJSON().outputs.filter((o) => o.output_type === "error") : []])
    .filter(([, e]) => e.length).map(([i, e]) => `cell ${i}: ${e[0].ename}: ${e[0].evalue}`));
  assert.deepEqual(errors, []);
  const n = await page.evaluate(() => window.jupyterapp.shell.currentWidget.content.widgets.length);
  const out = await outputsOf(n - TEST_CELLS.length);
  const line = streamText(out).split("\n").find((l) => l.startsWith("E2E-DATA "));
  assert.ok(line, "the data cell printed the atom positions");
  data = JSON.parse(line.slice("E2E-DATA ".length));
  assert.ok(data.x.length > 100, `the tutorial found ${data.x.length} atoms`);
  await page.locator(".cs-atoms").first().scrollIntoViewIfNeeded();
  await page.waitForTimeout(500);
  await shot("01-notebook-run-all.png");
});

/** An overlay (default the tutorial's first) with atom positions `pos`: its elements, view transform and a screenshot of its canvas. */
async function overlay(root = page.locator(".cs-atoms").first(), pos = data) {
  const canvas = root.locator("canvas.cs-atom-layer");
  await canvas.evaluate((c) => c.scrollIntoView({ block: "center" }));
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const box = await canvas.boundingBox();
  const view = JSON.parse(await root.getAttribute("data-view"));
  const png = decodePng(await canvas.screenshot());
  const screen = (i) => [pos.x[i] * view.scale + view.tx, pos.y[i] * view.scale + view.ty];
  const onCanvas = (i) => { const [sx, sy] = screen(i); return sx > 8 && sy > 8 && sx < box.width - 8 && sy < box.height - 8; };
  const markerRadius = Number(await root.getAttribute("data-marker-radius"));
  // the atom layer's own pixels (exact colours: on screen, anti-aliased arrow edges blend with the image)
  const layer = await canvas.evaluate((c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let s = "";
    for (let i = 0; i < d.length; i += 8192) s += String.fromCharCode(...d.subarray(i, i + 8192));
    return { width: c.width, b64: btoa(s) };
  }).then((r) => ({ width: r.width, data: Buffer.from(r.b64, "base64") }));
  return { root, canvas, box, view, png, screen, onCanvas, markerRadius, layer };
}

/** Colour of atom i's marker (an outline around the column) on the atom layer: the first opaque, not dark pixel right of its centre, within the drawn radius + 2 px; null if none. */
function markerColour(o, i) {
  const [sx, sy] = o.screen(i);
  const cx = Math.round(sx), cy = Math.round(sy);
  for (let d = 0; d <= o.markerRadius + 2; d++) {
    const j = 4 * (cy * o.layer.width + cx + d), p = [o.layer.data[j], o.layer.data[j + 1], o.layer.data[j + 2]];
    if (o.layer.data[j + 3] === 255 && p[0] + p[1] + p[2] > 150) return p;
  }
  return null;
}

async function classColors() {
  return page.locator(".cs-atoms").first().locator(".cs-legend-item").evaluateAll((rows) => Object.fromEntries(rows.map((r) => [r.querySelector(".cs-class-name").textContent, getComputedStyle(r.querySelector(".cs-swatch")).backgroundColor])));
}
const cssRgb = (s) => s.match(/\d+/g).slice(0, 3).map(Number);

test("the atom overlay draws every atom in its class colour at its position", { timeout: 60_000 }, async () => {
  const o = await overlay();
  const colors = Object.fromEntries(Object.entries(await classColors()).map(([k, v]) => [k, cssRgb(v)]));
  assert.deepEqual(Object.keys(colors).sort(), ["Sr (A site)", "Ti (B site)"]);
  assert.deepEqual(colors["Sr (A site)"], hexRgb("#e69f00"));
  let checked = 0;
  const wrong = [];
  for (let i = 0; i < data.x.length; i++) {
    if (!o.onCanvas(i)) continue;
    const [sx, sy] = o.screen(i);
    checked++;
    if (!near(markerColour(o, i) ?? [-99, -99, -99], colors[data.site[i]], 10)) wrong.push(`atom ${i} (${data.site[i]}) at ${sx.toFixed(1)},${sy.toFixed(1)}: ${markerColour(o, i)}`);
  }
  assert.ok(checked > 100, `checked ${checked} atoms on the canvas`);
  assert.deepEqual(wrong, []);
  // between two neighbouring atoms the image shows through (grey, R = G = B)
  const [ax, ay] = o.screen(0);
  const grey = pixel(o.png, ax, ay - 0.5 * 26 * o.view.scale * 0.5 - 6);
  assert.ok(Math.abs(grey[0] - grey[1]) < 3 && Math.abs(grey[1] - grey[2]) < 3, `image pixel between atoms is grey: ${grey}`);
  await o.root.screenshot({ path: join(artifacts, "02-atoms-overlay.png") });
});

test("hovering an atom shows its index, class and measurements as a tooltip", { timeout: 60_000 }, async () => {
  const o = await overlay();
  const i = data.x.findIndex((_, k) => o.onCanvas(k) && data.site[k] === "Ti (B site)");
  const [sx, sy] = o.screen(i);
  await page.mouse.move(o.box.x + sx + 1, o.box.y + sy + 1);
  const tip = page.getByRole("tooltip");
  await tip.waitFor({ state: "visible", timeout: 5000 });
  const text = await tip.textContent();
  assert.match(text, new RegExp(`^atom ${i}\\n`));
  assert.match(text, /class: Ti \(B site\)/);
  assert.match(text, new RegExp(`x: ${Number(data.x[i].toPrecision(4))} px \\(`));
  assert.match(text, /nm\)/);
  assert.match(text, /intensity: /);
  assert.match(text, /uncertainty: /);
  await o.root.screenshot({ path: join(artifacts, "03-hover-tooltip.png") });
  await page.mouse.move(5, 5);
  await tip.waitFor({ state: "hidden", timeout: 5000 });
});

test("unticking a class in the legend hides its atoms and keeps the others", { timeout: 60_000 }, async () => {
  const root = page.locator(".cs-atoms").first();
  const ti = root.locator(".cs-legend-item", { hasText: "Ti (B site)" }).locator("input");
  await ti.uncheck();
  await page.waitForTimeout(200);
  const o = await overlay();
  let hidden = 0, kept = 0;
  const bad = [];
  for (let i = 0; i < data.x.length; i++) {
    if (!o.onCanvas(i)) continue;
    const p = markerColour(o, i);
    if (data.site[i] === "Ti (B site)") {
      hidden++;
      if (p !== null && near(p, hexRgb("#56b4e9"), 40)) bad.push(`Ti atom ${i} still drawn: ${p}`);
    } else {
      kept++;
      if (!p || !near(p, hexRgb("#e69f00"), 10)) bad.push(`Sr atom ${i} not drawn: ${p}`);
    }
  }
  assert.ok(hidden > 50 && kept > 50);
  assert.deepEqual(bad, []);
  await o.root.screenshot({ path: join(artifacts, "04-class-hidden.png") });
  await ti.check();
});

test("the wheel zooms about the cursor and atoms stay on their columns", { timeout: 60_000 }, async () => {
  let o = await overlay();
  const before = o.view;
  await page.mouse.move(o.box.x + o.box.width / 2, o.box.y + o.box.height / 2);
  await page.mouse.wheel(0, -400);
  await page.waitForTimeout(300);
  o = await overlay();
  assert.ok(o.view.scale > before.scale * 1.5, `zoomed from ${before.scale} to ${o.view.scale}`);
  const colors = { "Sr (A site)": hexRgb("#e69f00"), "Ti (B site)": hexRgb("#56b4e9") };
  let checked = 0;
  for (let i = 0; i < data.x.length; i++) {
    if (!o.onCanvas(i)) continue;
    assert.ok(near(markerColour(o, i) ?? [-99, -99, -99], colors[data.site[i]], 10), `atom ${i} drawn at its zoomed position: ${markerColour(o, i)}`);
    checked++;
  }
  assert.ok(checked > 10 && checked < data.x.length);
  // the scale bar in the legend follows the zoom: its drawn length / its label = screen px per nm
  const bar = await o.root.locator(".cs-scalebar").evaluate((b) => ({ width: b.querySelector(".cs-scalebar-bar").getBoundingClientRect().width, label: b.querySelector(".cs-scalebar-label").textContent }));
  const [, value, unit] = bar.label.match(/^([\d.e+-]+) (\S+)$/);
  assert.equal(unit, "nm");
  assert.ok(Math.abs(bar.width / Number(value) - o.view.scale / 0.009326270238006416) < 1, `scale bar ${bar.width.toFixed(1)} px for ${bar.label} at ${o.view.scale.toFixed(3)} screen px per image px`);
  await o.root.screenshot({ path: join(artifacts, "05-zoomed.png") });
  await o.root.getByRole("button", { name: "Reset view" }).click();
});

test("a lasso selection arrives in the kernel: the next cell's cs.selection() returns the atoms inside", { timeout: 120_000 }, async () => {
  let o = await overlay();
  await o.root.getByRole("button", { name: "Lasso" }).click();
  o = await overlay(); // clicking the toolbar may scroll the notebook: take the canvas's box again
  const cx = o.box.width * 0.45, cy = o.box.height * 0.5, r = Math.min(o.box.width, o.box.height) * 0.22;
  const poly = Array.from({ length: 7 }, (_, k) => [cx + r * Math.cos((2 * Math.PI * k) / 7), cy + r * Math.sin((2 * Math.PI * k) / 7) * 0.8]);
  await page.mouse.move(o.box.x + poly[0][0], o.box.y + poly[0][1]);
  await page.mouse.down();
  for (const [x, y] of [...poly.slice(1), poly[0]]) await page.mouse.move(o.box.x + x, o.box.y + y, { steps: 6 });
  await page.mouse.up();
  const status = o.root.locator(".cs-status");
  await page.waitForFunction((el) => /sent to the kernel|not sent/.test(el.textContent), await status.elementHandle(), { timeout: 10_000 });
  const statusText = await status.textContent();
  assert.match(statusText, /^\d+ atoms selected \(lasso\) · sent to the kernel/);
  const widgetCount = Number(statusText.match(/^(\d+)/)[1]);
  o = await overlay();
  await o.root.screenshot({ path: join(artifacts, "06-lasso.png") });
  const surelyIn = [], surelyOut = [];
  for (let i = 0; i < data.x.length; i++) {
    const [sx, sy] = o.screen(i);
    if (distanceToPolygon(sx, sy, poly) < 2) continue;
    (pointInPolygon(sx, sy, poly) ? surelyIn : surelyOut).push(i);
  }
  assert.ok(surelyIn.length >= 10, `${surelyIn.length} atoms inside the lasso`);
  const n = await page.evaluate(() => window.jupyterapp.shell.currentWidget.content.widgets.length);
  const out = await runCell(n - TEST_CELLS.length + 1);
  const line = streamText(out).split("\n").find((l) => l.startsWith("E2E-SELECTION "));
  const received = JSON.parse(line.slice("E2E-SELECTION ".length));
  assert.equal(received.length, widgetCount);
  const set = new Set(received);
  assert.deepEqual(surelyIn.filter((i) => !set.has(i)), [], "every atom well inside the lasso was received");
  assert.deepEqual(surelyOut.filter((i) => set.has(i)), [], "no atom well outside the lasso was received");
  await o.root.getByRole("button", { name: "Pan" }).click();
});

// Linked views (issue 16): the tutorial's overlay linked to a scatter of the same atoms (link "sto").
const CHART_MIME = "application/vnd.causalscope.chart+json";
const GREY = "#c8c8c8"; // points not selected while there is a selection (the selected keep their class colour)
const linkedOverlay = () => page.locator(".cs-atoms", { has: page.locator(".cs-title", { hasText: "Linked to the chart below" }) });

/** The linked chart: its element, the atom index of each data row (from the cell's payload) and each drawn point's fill. */
async function linkedChart() {
  const chart = page.locator(".cs-chart").first();
  await chart.scrollIntoViewIfNeeded();
  const rows = await page.evaluate((mime) => {
    for (const c of window.jupyterapp.shell.currentWidget.content.widgets) {
      if (c.model.type !== "code") continue;
      for (const o of c.model.toJSON().outputs) if (o.data?.[mime]) return o.data[mime].spec.data.values.map((r) => r.atom);
    }
    return null;
  }, CHART_MIME);
  const fills = await chart.locator(".mark-symbol.role-mark path").evaluateAll((ps) => ps.map((p) => p.getAttribute("fill")));
  return { chart, rows, fills };
}

/** Atom indices (ascending) whose points the chart draws selected: in a class colour, not greyed. */
function highlightedAtoms(c) {
  assert.equal(c.fills.length, c.rows.length, "one point per data row");
  return c.rows.filter((_, k) => c.fills[k] !== GREY).sort((a, b) => a - b);
}

/** True when atom i of overlay `o` has the white selection ring (radius marker + 3 px) right of its centre. */
function hasRing(o, i) {
  const [sx, sy] = o.screen(i);
  const cx = Math.round(sx), cy = Math.round(sy);
  for (let d = Math.floor(o.markerRadius) + 1; d <= o.markerRadius + 5; d++) {
    const j = 4 * (cy * o.layer.width + cx + d);
    if (o.layer.data[j] === 255 && o.layer.data[j + 1] === 255 && o.layer.data[j + 2] === 255 && o.layer.data[j + 3] === 255) return true;
  }
  return false;
}

async function kernelSelection() {
  const n = await page.evaluate(() => window.jupyterapp.shell.currentWidget.content.widgets.length);
  const line = streamText(await runCell(n - TEST_CELLS.length + 1)).split("\n").find((l) => l.startsWith("E2E-SELECTION "));
  return JSON.parse(line.slice("E2E-SELECTION ".length));
}

test("linked views: a box in the overlay colours exactly those atoms' points in the scatter", { timeout: 120_000 }, async () => {
  const root = linkedOverlay();
  await root.getByRole("button", { name: "Box" }).click();
  const o = await overlay(root);
  await page.mouse.move(o.box.x + o.box.width * 0.3, o.box.y + o.box.height * 0.3);
  await page.mouse.down();
  await page.mouse.move(o.box.x + o.box.width * 0.6, o.box.y + o.box.height * 0.7, { steps: 6 });
  await page.mouse.up();
  const status = root.locator(".cs-status");
  await page.waitForFunction((el) => /sent to the kernel|not sent/.test(el.textContent), await status.elementHandle(), { timeout: 10_000 });
  const count = Number((await status.textContent()).match(/^(\d+) atoms selected \(box\) · sent to the kernel/)[1]);
  const received = await kernelSelection();
  assert.equal(received.length, count);
  assert.ok(count >= 5, `${count} atoms in the box`);
  const c = await linkedChart();
  await page.waitForFunction((el) => el.dataset.highlighted !== undefined, await c.chart.elementHandle(), { timeout: 10_000 });
  const sel = new Set(received);
  const expected = c.rows.filter((a) => sel.has(a)).sort((a, b) => a - b);
  assert.ok(expected.length >= 3, `${expected.length} of the boxed atoms have a point`);
  const after = await linkedChart();
  assert.deepEqual(highlightedAtoms(after), expected);
  // the scatter's color is the "site" column: each point keeps the overlay's colour of its atom's class (not Vega's category colours)
  const legend = await root.locator(".cs-legend-item").evaluateAll((rows) => Object.fromEntries(rows.map((r) => [r.querySelector(".cs-class-name").textContent, getComputedStyle(r.querySelector(".cs-swatch")).backgroundColor])));
  assert.deepEqual(Object.keys(legend).sort(), ["Sr (A site)", "Ti (B site)"]);
  const wrongColour = after.rows.flatMap((a, k) => after.fills[k] === GREY || near(hexRgb(after.fills[k]), cssRgb(legend[data.site[a]]), 0) ? [] : [`atom ${a} (${data.site[a]}): ${after.fills[k]} not ${legend[data.site[a]]}`]);
  assert.deepEqual(wrongColour, []);
  assert.deepEqual([...new Set(expected.map((a) => data.site[a]))].sort(), ["Sr (A site)", "Ti (B site)"], "both classes among the checked points");
  await c.chart.screenshot({ path: join(artifacts, "16-linked-chart-from-overlay.png") });
  await root.getByRole("button", { name: "Pan" }).click();
});

test("linked views: a brush in the scatter selects those atoms in the overlay and in the kernel", { timeout: 120_000 }, async () => {
  let c = await linkedChart();
  const pts = await c.chart.locator(".mark-symbol.role-mark path").evaluateAll((ps) => ps.map((p) => { const r = p.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }));
  const xs = pts.map((p) => p[0]).sort((a, b) => a - b), ys = pts.map((p) => p[1]).sort((a, b) => a - b);
  const q = (v, f) => v[Math.floor(f * (v.length - 1))];
  await page.mouse.move(q(xs, 0.25), q(ys, 0.2));
  await page.mouse.down();
  await page.mouse.move(q(xs, 0.75), q(ys, 0.8), { steps: 8 });
  await page.mouse.up();
  const root = linkedOverlay();
  const status = root.locator(".cs-status");
  await page.waitForFunction((el) => /\(linked: brush in the chart\) · (sent to the kernel|not sent)/.test(el.textContent), await status.elementHandle(), { timeout: 10_000 });
  assert.match(await status.textContent(), /\(linked: brush in the chart\) · sent to the kernel/);
  // the atoms whose (intensity, off-centring) lie in the brush, from the chart's data
  const brush = JSON.parse(await c.chart.getAttribute("data-brush"));
  assert.deepEqual(Object.keys(brush).sort(), ["intensity", "off-centring"]);
  const values = await page.evaluate((mime) => {
    for (const cell of window.jupyterapp.shell.currentWidget.content.widgets) for (const o of cell.model.type === "code" ? cell.model.toJSON().outputs : []) if (o.data?.[mime]) return o.data[mime].spec.data.values;
  }, CHART_MIME);
  const inside = (v, [a, b]) => v >= Math.min(a, b) && v <= Math.max(a, b);
  const expected = values.filter((r) => inside(r.intensity, brush.intensity) && inside(r["off-centring"], brush["off-centring"])).map((r) => r.atom).sort((a, b) => a - b);
  assert.ok(expected.length >= 5, `${expected.length} points in the brush`);
  assert.deepEqual(await kernelSelection(), expected);
  c = await linkedChart();
  assert.deepEqual(highlightedAtoms(c), expected);
  await c.chart.screenshot({ path: join(artifacts, "17-linked-chart-brush.png") });
  // the overlay rings exactly those atoms (checked where no ringed atom is near)
  await page.mouse.move(5, 5);
  const o = await overlay(root);
  const set = new Set(expected);
  const near = (i) => expected.some((j) => j !== i && Math.hypot(data.x[i] - data.x[j], data.y[i] - data.y[j]) * o.view.scale < 2 * o.markerRadius + 12);
  const wrong = [];
  let ringed = 0;
  for (let i = 0; i < data.x.length; i++) {
    if (!o.onCanvas(i)) continue;
    if (set.has(i)) { ringed++; if (!hasRing(o, i)) wrong.push(`atom ${i} selected but not ringed`); }
    else if (!near(i) && hasRing(o, i)) wrong.push(`atom ${i} ringed but not selected`);
  }
  assert.ok(ringed >= 5);
  assert.deepEqual(wrong, []);
  await o.root.screenshot({ path: join(artifacts, "18-linked-overlay-from-brush.png") });
});

// The tutorial's synthetic movie: a 4 × 4 lattice 24 px apart from (12, 12); atom 5 (row 1, column 1) hops (+4, +3) px per frame.
const movieAt = (f) => ({ x: Array.from({ length: 16 }, (_, k) => 12 + 24 * (k % 4) + (k === 5 ? 4 * f : 0)), y: Array.from({ length: 16 }, (_, k) => 12 + 24 * Math.floor(k / 4) + (k === 5 ? 3 * f : 0)) });

test("the frame slider steps through an image series by keyboard: each frame's image, atoms and trails", { timeout: 120_000 }, async () => {
  const root = page.locator(".cs-atoms", { has: page.locator(".cs-frames") });
  await root.scrollIntoViewIfNeeded();
  assert.equal(await root.getAttribute("data-frame"), "0");
  const colour = hexRgb("#e69f00");
  /** Opaque marker colour straight above atom i's centre, at the marker's radius (trails run down-right). */
  const ringAbove = (o, i) => {
    const [sx, sy] = o.screen(i);
    for (let d = Math.floor(o.markerRadius) - 2; d <= o.markerRadius + 1; d++) {
      const j = 4 * (Math.round(sy - d) * o.layer.width + Math.round(sx));
      if (o.layer.data[j + 3] === 255 && near([o.layer.data[j], o.layer.data[j + 1], o.layer.data[j + 2]], colour, 10)) return true;
    }
    return false;
  };
  const slider = root.locator("input.cs-frame");
  assert.equal(await slider.getAttribute("aria-label"), "frame");
  await slider.focus();
  for (let k = 0; k < 3; k++) await page.keyboard.press("ArrowRight");
  await page.waitForFunction((el) => el.dataset.frame === "3", await root.elementHandle(), { timeout: 10_000 });
  assert.equal(await slider.getAttribute("aria-valuetext"), "frame 3 (4 of 6)");
  const o = await overlay(root, movieAt(3));
  for (let i = 0; i < 16; i++) assert.ok(ringAbove(o, i), `frame 3: atom ${i} drawn at (${movieAt(3).x[i]}, ${movieAt(3).y[i]})`);
  // the legend counts the atoms of the frame shown (16), not of all 6 frames (96)
  assert.deepEqual(await root.locator(".cs-legend-item .cs-count").allTextContents(), ["(16)"]);
  // Export SVG draws the trails as Export PNG does: the hopping atom's trail joins its frame 0..3 positions, in its colour
  const [svgDl] = await Promise.all([page.waitForEvent("download"), root.getByRole("button", { name: "Export SVG" }).click()]);
  const svgFile = join(artifacts, "19-frame-slider-export.svg");
  await svgDl.saveAs(svgFile);
  const trails = [...readFileSync(svgFile, "utf8").matchAll(/<path class="cs-trails" d="([^"]*)" fill="none" stroke="(#[0-9a-f]{6})"/g)];
  assert.deepEqual(trails.map((t) => t[2]), ["#e69f00"]);
  const polylines = trails[0][1].split("M").slice(1).map((sp) => sp.split("L").map((pt) => pt.trim().split(" ").map(Number)));
  assert.equal(polylines.length, 16, "one trail per track alive in frame 3");
  const hop = [0, 1, 2, 3].map((f) => [movieAt(f).x[5] * o.view.scale + o.view.tx, movieAt(f).y[5] * o.view.scale + o.view.ty]);
  const found = polylines.filter((pl) => pl.length === 4 && pl.every(([x, y], j) => Math.abs(x - hop[j][0]) < 0.01 && Math.abs(y - hop[j][1]) < 0.01));
  assert.equal(found.length, 1, `the hopping atom's trail through ${JSON.stringify(hop)}`);
  const then = await overlay(root, movieAt(0));
  assert.ok(!ringAbove(then, 5), "frame 3: no marker where the hopping atom was in frame 0");
  // its trail runs through its positions in frames 0..3: the midpoint of frames 1 and 2 is on it
  const [mx, my] = [42 * o.view.scale + o.view.tx, 40.5 * o.view.scale + o.view.ty];
  // (an anti-aliased 1.5 px line: partly transparent, its colour un-premultiplied by getImageData)
  const onTrail = [-1, 0, 1].some((dx) => [-1, 0, 1].some((dy) => { const j = 4 * (Math.round(my + dy) * o.layer.width + Math.round(mx + dx)); return o.layer.data[j + 3] >= 128 && near([o.layer.data[j], o.layer.data[j + 1], o.layer.data[j + 2]], colour, 16); }));
  assert.ok(onTrail, "the trail of the hopping atom is drawn");
  // the image is frame 3's: bright at the atom's frame-3 position, background where it was in frame 0
  const grey = await root.locator("canvas.cs-image-layer").evaluate((c, pts) => pts.map(([x, y]) => c.getContext("2d").getImageData(Math.round(x), Math.round(y), 1, 1).data[0]), [o.screen(5), then.screen(5)]);
  assert.ok(grey[0] > 150 && grey[1] < 60, `image pixel at the frame-3 / frame-0 position: ${grey}`);
  await o.root.screenshot({ path: join(artifacts, "19-frame-slider.png") });
  // on the image: End and Home jump to the last and first frame
  await root.locator("canvas.cs-atom-layer").focus();
  await page.keyboard.press("End");
  await page.waitForFunction((el) => el.dataset.frame === "5", await root.elementHandle(), { timeout: 10_000 });
  const last = await overlay(root, movieAt(5));
  assert.ok(ringAbove(last, 5), "frame 5: the hopping atom at (56, 51)");
  await page.keyboard.press("Home");
  await page.waitForFunction((el) => el.dataset.frame === "0", await root.elementHandle(), { timeout: 10_000 });
  assert.equal(await slider.inputValue(), "0");
});

test("the graph widget shows every node and edge, weights as widths, confidence as opacity", { timeout: 60_000 }, async () => {
  const g = page.locator(".cs-graph").first();
  await g.scrollIntoViewIfNeeded();
  const labels = await g.locator(".cs-node text").allTextContents();
  assert.deepEqual([...labels].sort(), [...data.graph.nodes].sort());
  const edges = await g.locator(".cs-edge").evaluateAll((els) => els.map((e) => ({
    from: e.dataset.from, to: e.dataset.to, heads: e.querySelectorAll(".cs-edge-head").length,
    width: Number(e.querySelector(".cs-edge-line").getAttribute("stroke-width")), opacity: Number(e.getAttribute("opacity")),
    visible: e.querySelector(".cs-edge-line").getBoundingClientRect().height + e.querySelector(".cs-edge-line").getBoundingClientRect().width > 0,
  })));
  assert.equal(edges.length, data.graph.edges.length);
  data.graph.edges.forEach((e, k) => {
    assert.equal(edges[k].from, e.from);
    assert.equal(edges[k].to, e.to);
    assert.equal(edges[k].heads, e.type === "bidirected" ? 2 : e.directed === false ? 0 : 1, `arrowheads of ${e.from} → ${e.to}`);
    assert.ok(edges[k].visible);
    if (e.confidence !== undefined) assert.ok(Math.abs(edges[k].opacity - (0.15 + 0.85 * e.confidence)) < 1e-3);
  });
  const w = (a, b) => edges.find((e) => e.from === a && e.to === b).width;
  assert.ok(w("probe defocus", "column width σ") > w("column width σ", "fit uncertainty"));
  assert.ok(w("column width σ", "fit uncertainty") > w("B-site off-centring", "fit uncertainty"));
  await g.screenshot({ path: join(artifacts, "07-graph.png") });
  // the tutorial's learned graph (cs.bootstrap consensus) renders too, with every descriptor as a node
  const learned = page.locator(".cs-graph").nth(1);
  await learned.scrollIntoViewIfNeeded();
  assert.deepEqual((await learned.locator(".cs-node text").allTextContents()).sort(), ["ellipticity", "intensity", "off-centring", "uncertainty", "width σ"]);
  assert.ok((await learned.locator(".cs-edge").count()) >= 1);
  await learned.screenshot({ path: join(artifacts, "07b-learned-graph.png") });
});

test("clicking a node highlights its parents, children and Markov blanket", { timeout: 60_000 }, async () => {
  const g = page.locator(".cs-graph").first();
  await g.locator(".cs-node", { hasText: "B-site off-centring" }).click();
  const cls = await g.locator(".cs-node").evaluateAll((els) => Object.fromEntries(els.map((e) => [e.querySelector("text").textContent, [...e.classList].filter((c) => c !== "cs-node").join(" ")])));
  assert.deepEqual(cls, {
    "local strain": "cs-node--parent",
    "B-site off-centring": "cs-node--selected",
    "A-site intensity": "cs-node--parent",
    "column width σ": "cs-node--blanket",
    "probe defocus": "cs-node--dim",
    "fit uncertainty": "cs-node--child",
  });
  const info = await g.locator(".cs-status").textContent();
  assert.equal(info, "B-site off-centring: parents local strain, A-site intensity · children fit uncertainty · Markov blanket local strain, A-site intensity, fit uncertainty, column width σ");
  // what a person sees: the parent's box is filled differently from a dimmed one
  const fills = await g.locator(".cs-node rect").evaluateAll((els) => els.map((r) => getComputedStyle(r).fill));
  assert.ok(new Set(fills).size >= 4, `distinct fills for selected/parent/child/blanket: ${fills}`);
  await g.screenshot({ path: join(artifacts, "08-graph-highlight.png") });
  await g.locator(".cs-node", { hasText: "B-site off-centring" }).click();
  assert.equal(await g.locator("g.cs-node--dim").count(), 0);
});

test("nodes can be dragged, their edges follow, and Export SVG downloads the drawing", { timeout: 60_000 }, async () => {
  const g = page.locator(".cs-graph").first();
  const node = g.locator(".cs-node", { hasText: "probe defocus" });
  const edge = g.locator('.cs-edge[data-from="probe defocus"][data-to="column width σ"] .cs-edge-line');
  const d0 = await edge.getAttribute("d");
  const t0 = await node.getAttribute("transform");
  const b = await node.boundingBox();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2 + 60, b.y + b.height / 2 + 30, { steps: 8 });
  await page.mouse.up();
  const [x0, y0] = t0.match(/-?[\d.]+/g).map(Number);
  const [x1, y1] = (await node.getAttribute("transform")).match(/-?[\d.]+/g).map(Number);
  assert.ok(Math.abs(x1 - x0 - 60) < 2 && Math.abs(y1 - y0 - 30) < 2, `moved by ${x1 - x0}, ${y1 - y0}`);
  assert.notEqual(await edge.getAttribute("d"), d0);
  assert.equal(await g.locator("g.cs-node--selected").count(), 0, "a drag is not a click");
  await g.screenshot({ path: join(artifacts, "09-graph-dragged.png") });
  const [download] = await Promise.all([page.waitForEvent("download"), g.getByRole("button", { name: "Export SVG" }).click()]);
  const file = join(artifacts, "graph-export.svg");
  await download.saveAs(file);
  const svg = readFileSync(file, "utf8");
  assert.match(svg, /^<\?xml[^>]*>\n<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  for (const n of data.graph.nodes) assert.ok(svg.includes(`>${n}<`), `exported SVG has node ${n}`);
  assert.ok(!/var\(--/.test(svg), "theme variables are resolved to colours");
});

test("the widgets follow JupyterLab's theme (dark theme: light text on dark boxes)", { timeout: 60_000 }, async () => {
  const g = page.locator(".cs-graph").first();
  const colours = () => g.locator(".cs-node").first().evaluate((n) => ({ text: getComputedStyle(n.querySelector("text")).fill, box: getComputedStyle(n.querySelector("rect")).fill }));
  const lum = (c) => { const [r, gg, b] = c.match(/\d+/g).map(Number); return 0.2126 * r + 0.7152 * gg + 0.0722 * b; };
  const light = await colours();
  await page.evaluate(() => window.jupyterapp.commands.execute("apputils:change-theme", { theme: "JupyterLab Dark" }));
  await page.waitForFunction(() => document.body.dataset.jpThemeLight === "false", null, { timeout: 30_000 });
  await page.waitForTimeout(500);
  const dark = await colours();
  assert.ok(lum(light.text) < lum(light.box), `light theme: dark text on a light box (${JSON.stringify(light)})`);
  assert.ok(lum(dark.text) > lum(dark.box), `dark theme: light text on a dark box (${JSON.stringify(dark)})`);
  await g.scrollIntoViewIfNeeded();
  await g.screenshot({ path: join(artifacts, "13-graph-dark-theme.png") });
  await page.locator(".cs-atoms").first().screenshot({ path: join(artifacts, "14-atoms-dark-theme.png") });
  await page.evaluate(() => window.jupyterapp.commands.execute("apputils:change-theme", { theme: "JupyterLab Light" }));
  await page.waitForFunction(() => document.body.dataset.jpThemeLight === "true", null, { timeout: 30_000 });
});

test("a malformed or unknown-version payload shows a readable error; data strings are text, never HTML", { timeout: 60_000 }, async () => {
  const err = page.locator(".cs-error").first();
  await err.scrollIntoViewIfNeeded();
  assert.equal(await err.locator(".cs-error-title").textContent(), "causalscope: cannot show this atom overlay");
  assert.match(await err.locator(".cs-error-message").textContent(), /atoms payload version 99 is newer than this extension understands \(version 1\); upgrade/);
  assert.ok(await err.isVisible());
  await err.screenshot({ path: join(artifacts, "10-bad-payload.png") });
  const g = page.locator(".cs-graph").last(); // the test cell's graph
  assert.equal(await g.locator(".cs-title").textContent(), "<b>not bold</b>");
  assert.equal(await g.locator("b, img").count(), 0);
  // a long label is shortened in the box and given in full as the node's tooltip, as text
  assert.ok((await g.locator(".cs-node title").allTextContents()).includes(INJECT));
  assert.ok((await g.locator(".cs-node text").allTextContents()).includes(INJECT.slice(0, 29) + "…"));
  assert.equal(await page.evaluate(() => window.__csInjected), undefined);
  await g.screenshot({ path: join(artifacts, "11-strings-as-text.png") });
  assert.deepEqual(pageErrors.filter((e) => /causalscope|cs-/.test(e)), []);
});

test("a .graph.json file opens in the graph widget", { timeout: 60_000 }, async () => {
  const file = join(root, NB_DIR, "e2e-file.graph.json");
  writeFileSync(file, JSON.stringify({ version: 1, title: "from a file", nodes: [{ id: "a" }, { id: "b" }, { id: "c" }], edges: [{ from: "a", to: "b" }, { from: "c", to: "b", type: "bidirected" }] }));
  await page.evaluate((path) => window.jupyterapp.commands.execute("docmanager:open", { path }).then(() => true), `${NB_DIR}/e2e-file.graph.json`);
  const g = page.locator(".jp-MainAreaWidget:not(.lm-mod-hidden) .cs-graph");
  await g.waitFor({ timeout: 30_000 });
  assert.deepEqual(await g.locator(".cs-node text").allTextContents(), ["a", "b", "c"]);
  assert.equal(await g.locator(".cs-edge").count(), 2);
  await page.screenshot({ path: join(artifacts, "15-graph-file.png") });
  await page.evaluate(() => window.jupyterapp.commands.execute("application:close").then(() => true));
  await page.waitForFunction(() => window.jupyterapp.shell.currentWidget?.content?.widgets !== undefined, null, { timeout: 10_000 });
});

test("nbconvert HTML of the saved notebook carries the PNG and SVG fallbacks", { timeout: 120_000 }, async () => {
  await page.evaluate(() => window.jupyterapp.commands.execute("docmanager:save"));
  await page.waitForFunction(() => !window.jupyterapp.shell.currentWidget.context.model.dirty, null, { timeout: 30_000 });
  const saved = JSON.parse(readFileSync(NB_PATH, "utf8"));
  const bundles = saved.cells.flatMap((c) => c.outputs ?? []).map((o) => o.data ?? {});
  assert.ok(bundles.some((d) => d[ATOMS_MIME] && d["image/png"]), "the saved notebook keeps the atoms payload with its PNG");
  assert.ok(bundles.some((d) => d["application/vnd.causalscope.graph+json"] && d["image/svg+xml"]), "and the graph payload with its SVG");
  const html = join(artifacts, "05-widgets.html");
  execFileSync(join(venvBin, "jupyter"), ["nbconvert", "--to", "html", NB_PATH, "--output", html], { stdio: "pipe" });
  const text = readFileSync(html, "utf8");
  assert.ok(/<img[^>]*src="data:image\/png;base64,/.test(text), "the HTML shows the atoms PNG");
  // nbconvert embeds SVG outputs as <img src="data:image/svg+xml;base64,...">
  const svgs = [...text.matchAll(/src="data:image\/svg\+xml;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1], "base64").toString("utf8"));
  const graphSvg = svgs.find((s) => s.includes("B-site off-centring"));
  assert.ok(graphSvg && /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/.test(graphSvg), "the HTML shows the graph SVG");
  for (const n of data.graph.nodes) assert.ok(graphSvg.includes(`>${n}</text>`), `the SVG fallback labels node ${n}`);
  const injected = svgs.find((s) => s.includes("not bold"));
  assert.ok(injected && !injected.includes("<img") && injected.includes("&lt;img src=x"), "data strings are escaped in the SVG fallback");
  // look at the HTML as a reader would
  const reader = await browser.context.newPage();
  await reader.goto(`file://${html}`);
  await reader.locator("img[src^='data:image/png']").first().scrollIntoViewIfNeeded();
  await reader.screenshot({ path: join(artifacts, "12-nbconvert-html.png"), fullPage: false });
  const imgOk = await reader.locator("img[src^='data:image/png']").first().evaluate((img) => img.complete && img.naturalWidth > 300);
  assert.ok(imgOk, "the PNG fallback decodes in the browser");
  await reader.close();
});
