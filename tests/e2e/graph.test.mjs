// Browser end-to-end test of the causal-graph widget (issue 16).
//
// Starts a real `jupyter lab` from .venv (tests/e2e/lab.mjs), opens a small
// notebook written here (synthetic data, no ../shared/data needed) with the
// causalscope kernel in Debian's Chromium, and checks in the DOM what a
// person sees: PAG endpoint marks drawn as SVG circles at the edge's end
// and written `A o-> B` in the text fallback, node labels as SVG <text>,
// `constructor` / `__proto__` ids, an error in place of the widget (role
// "alert") naming the field, `cs.show.graph(bootstrapResult)`, edge labels
// clear of every line, box and other label (bounding boxes), zoom and pan,
// the three layouts, confidence as opacity and label, the PAG and CPDAG
// legends, and prior knowledge drawn by hand (drag a required edge, forbid
// an edge, tiers) arriving in the kernel as `cs.show.prior()` and changing
// the next learned graph. Screenshots: test-artifacts/e2e-graph/*.png.
//
// Run: node --test tests/e2e/graph.test.mjs   (after the build, see checkPreconditions)
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkPreconditions, launchBrowser, root, startLab, openNotebook } from "./lab.mjs";
import { installLabextension } from "../../scripts/install-labextension.mjs";

const artifacts = join(root, "test-artifacts", "e2e-graph");
const NB_DIR = "test-artifacts";
const NB_NAME = "graph.e2e.ipynb";
const GRAPH_MIME = "application/vnd.causalscope.graph+json";

// A PAG with every kind of endpoint pair (weights and confidences on some edges).
const PAG = {
  nodes: ["A", "B", "C", "D", "E"],
  edges: [
    { from: "A", to: "B", weight: 0.5, confidence: 0.9 },
    { from: "B", to: "C", weight: -0.25 },
    { from: "C", to: "D", confidence: 0.4 },
    { from: "D", to: "E", weight: 1.5, confidence: 1 },
    { from: "E", to: "A" },
  ],
  marks: [{ fromMark: "o", toMark: ">" }, { fromMark: "o", toMark: "o" }, { fromMark: ">", toMark: ">" }, { fromMark: "-", toMark: ">" }, { fromMark: "-", toMark: "-" }],
};
const PAG_TEXT = ["A o-> B", "B o-o C", "C <-> D", "D -> E", "E -- A"];

const CELLS = [
  `cs.show.graph(${JSON.stringify(PAG)}, { title: "PAG" })`,
  'cs.show.graph({ nodes: ["constructor", "__proto__", "hasOwnProperty"], edges: [{ from: "constructor", to: "__proto__", weight: 0.3 }, { from: "__proto__", to: "hasOwnProperty", directed: false }] }, { title: "prototype names" })',
  `display({ "${GRAPH_MIME}": { version: 1, id: "bad", nodes: [{ id: "a" }], edges: [{ from: "a", to: "zz" }] }, "text/plain": "a bad graph" }, { raw: true })`,
  [
    "// a linear chain x -> y -> z, seeded",
    "let s = 12345; const rnd = () => { s = (s * 1103515245 + 12345) % 2147483648; return (s + 0.5) / 2147483648; };",
    "const gauss = () => Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd());",
    "const n = 400, x = new Float64Array(n), y = new Float64Array(n), z = new Float64Array(n);",
    "for (let i = 0; i < n; i++) { x[i] = gauss(); y[i] = 0.8 * x[i] + 0.6 * gauss(); z[i] = 0.8 * y[i] + 0.6 * gauss(); }",
    "const data = { x, y, z };",
    "cs.show.graph(cs.bootstrap(data, { seed: 1 }, 20), { title: \"bootstrap\" })",
  ].join("\n"),
  'const learned = cs.learnStructure(data);\nconsole.log("E2E-LEARNED " + JSON.stringify(learned.edges));\ncs.show.graph(learned, { title: "learned" })',
  'const drawn = cs.show.prior();\nconsole.log("E2E-PRIOR " + JSON.stringify(drawn));\nconst relearned = cs.learnStructure(data, { prior: drawn });\nconsole.log("E2E-RELEARNED " + JSON.stringify(relearned.edges));\ncs.show.graph(relearned, { prior: drawn, title: "relearned" })',
];
const CELL = { pag: 0, proto: 1, bad: 2, boot: 3, learned: 4, relearned: 5 };

let lab, browser, page;
const pageErrors = [];

function writeNotebook() {
  const nb = {
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: "causalscope", display_name: "causalscope (TypeScript)", language: "typescript" } },
    cells: CELLS.map((source) => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source })),
  };
  mkdirSync(join(root, NB_DIR), { recursive: true });
  writeFileSync(join(root, NB_DIR, NB_NAME), JSON.stringify(nb, null, 1));
}

async function waitIdle(timeout = 120_000) {
  await page.waitForFunction(() => {
    const k = window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel;
    if (!k || k.status !== "idle") return false;
    return !Array.from(document.querySelectorAll(".jp-InputArea-prompt")).some((p) => p.textContent.includes("*"));
  }, null, { timeout, polling: 200 });
}

const outputsOf = (i) => page.evaluate((k) => window.jupyterapp.shell.currentWidget.content.widgets[k].model.toJSON().outputs, i);
const streamText = (outputs) => outputs.filter((o) => o.output_type === "stream").map((o) => (Array.isArray(o.text) ? o.text.join("") : o.text)).join("");
const printed = (outputs, tag) => {
  const line = streamText(outputs).split("\n").find((l) => l.startsWith(`${tag} `));
  assert.ok(line, `the cell printed ${tag}`);
  return JSON.parse(line.slice(tag.length + 1));
};
/** The graph widget in the output of cell i. */
const widget = (i) => page.locator(".jp-Notebook .jp-Cell").nth(i).locator(".cs-graph");

async function runCell(index) {
  const before = await page.evaluate((i) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.executionCount, index);
  await page.evaluate((i) => {
    window.jupyterapp.shell.currentWidget.content.activeCellIndex = i;
    return window.jupyterapp.commands.execute("notebook:run-cell");
  }, index);
  await page.waitForFunction(([i, b]) => {
    const c = window.jupyterapp.shell.currentWidget.content.widgets[i].model;
    return c.executionCount !== null && c.executionCount !== b;
  }, [index, before], { timeout: 60_000 });
  await waitIdle();
  return outputsOf(index);
}

before(async () => {
  checkPreconditions();
  installLabextension(); // no-op when up to date
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  writeNotebook();
  lab = await startLab(root, { log: join(artifacts, "jupyter-lab.log") });
  browser = await launchBrowser();
  page = await openNotebook(browser, lab, `${NB_DIR}/${NB_NAME}`, pageErrors);
  await page.evaluate(() => window.jupyterapp.commands.execute("notebook:run-all-cells"));
  await page.waitForFunction((n) => window.jupyterapp.shell.currentWidget.content.widgets.every((c) => c.model.executionCount !== null) && window.jupyterapp.shell.currentWidget.content.widgets.length === n, CELLS.length, { timeout: 180_000, polling: 250 });
  await waitIdle();
});

after(async () => {
  await browser?.close();
  await lab?.stop();
});

test("every cell runs without error; cs.show.graph(bootstrapResult) shows its consensus graph", async () => {
  const errors = await page.evaluate(() => window.jupyterapp.shell.currentWidget.content.widgets
    .map((c, i) => [i, c.model.toJSON().outputs.filter((o) => o.output_type === "error")])
    .filter(([, e]) => e.length).map(([i, e]) => `cell ${i}: ${e[0].ename}: ${e[0].evalue}`));
  assert.deepEqual(errors, []);
  const boot = widget(CELL.boot);
  await boot.locator(".cs-node").first().waitFor();
  assert.deepEqual((await boot.locator(".cs-node text").allTextContents()).sort(), ["x", "y", "z"]);
  assert.equal(await boot.locator(".cs-edge").count(), 2, "the chain's two adjacencies");
  // confidence (bootstrap frequency) is the edge's opacity and written in its label
  const conf = await boot.locator(".cs-edge").evaluateAll((els) => els.map((e) => [Number(e.getAttribute("opacity")), e.querySelector("title").textContent]));
  for (const [opacity, title] of conf) {
    const c = Number(title.match(/confidence ([\d.]+)/)[1]);
    assert.ok(Math.abs(opacity - (0.15 + 0.85 * c)) < 1e-3, `opacity ${opacity} from confidence ${c}`);
  }
  const labels = await boot.locator(".cs-edge-label").allTextContents();
  assert.equal(labels.length, 2);
  for (const l of labels) assert.match(l, /^\d+%$/);
});

test("a PAG: node labels are SVG <text>, circle marks are SVG circles at the edge's end, the text fallback writes the marks", async () => {
  const g = widget(CELL.pag);
  await g.scrollIntoViewIfNeeded();
  const nodes = await g.locator(".cs-node").evaluateAll((els) => els.map((n) => {
    const t = n.querySelector("text");
    return { id: n.dataset.id, tag: t.tagName, ns: t.namespaceURI, text: t.textContent };
  }));
  assert.deepEqual(nodes.map((n) => n.text).sort(), PAG.nodes);
  for (const n of nodes) assert.deepEqual([n.tag, n.ns], ["text", "http://www.w3.org/2000/svg"]);
  // each edge: circles and heads, and where each circle sits relative to the two boxes
  const edges = await g.locator(".cs-edge").evaluateAll((els) => els.map((e) => {
    const svg = e.ownerSVGElement;
    const box = (id) => svg.querySelector(`.cs-node[data-id="${id}"] rect`).getBoundingClientRect();
    const dist = (x, y, r) => Math.hypot(Math.max(r.left - x, 0, x - r.right), Math.max(r.top - y, 0, y - r.bottom));
    const a = box(e.dataset.from), b = box(e.dataset.to);
    return {
      from: e.dataset.from, to: e.dataset.to, heads: e.querySelectorAll(".cs-edge-head").length,
      circles: Array.from(e.querySelectorAll("circle, ellipse")).map((c) => {
        const r = c.getBoundingClientRect();
        const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
        return { tag: c.tagName, r: r.width / 2, dFrom: dist(cx, cy, a), dTo: dist(cx, cy, b) };
      }),
    };
  }));
  const byPair = Object.fromEntries(edges.map((e) => [`${e.from}${e.to}`, e]));
  const expectCircles = { AB: ["from"], BC: ["from", "to"], CD: [], DE: [], EA: [] };
  const expectHeads = { AB: 1, BC: 0, CD: 2, DE: 1, EA: 0 };
  for (const [pair, ends] of Object.entries(expectCircles)) {
    const e = byPair[pair];
    assert.ok(e, `edge ${pair} drawn`);
    assert.equal(e.heads, expectHeads[pair], `arrowheads of ${pair}`);
    assert.equal(e.circles.length, ends.length, `circle marks of ${pair}`);
    const found = e.circles.map((c) => {
      // a circle touches the box at its end (centre one radius from the border) and is far from the other box
      const near = Math.min(c.dFrom, c.dTo), far = Math.max(c.dFrom, c.dTo);
      assert.ok(near <= c.r + 1, `${pair}: circle centre ${near.toFixed(1)} px from its box (radius ${c.r.toFixed(1)})`);
      assert.ok(far > 4 * c.r, `${pair}: circle ${far.toFixed(1)} px from the other box`);
      return c.dFrom < c.dTo ? "from" : "to";
    });
    assert.deepEqual(found.sort(), [...ends].sort(), `${pair}: circles at ${ends.join(" and ")}`);
  }
  const out = await outputsOf(CELL.pag);
  const bundle = out.find((o) => o.data?.[GRAPH_MIME]).data;
  const text = [].concat(bundle["text/plain"]).join("");
  for (const line of PAG_TEXT) assert.ok(text.split("\n").some((l) => l.trim().startsWith(line + " ") || l.trim() === line), `text fallback has "${line}":\n${text}`);
  const svg = [].concat(bundle["image/svg+xml"]).join("");
  assert.equal((svg.match(/<circle class="cs-edge-circle"/g) ?? []).length, 3, "the static SVG draws the 3 circle marks");
  // legend: PAG marks with their drawn samples
  const legend = g.locator('[aria-label="PAG legend"]');
  assert.equal(await legend.count(), 1);
  assert.ok((await legend.locator("circle").count()) >= 3, "the legend shows circle marks");
  assert.match(await legend.textContent(), /o->.*o-o.*<->/s);
  await g.screenshot({ path: join(artifacts, "01-pag.png") });
});

/** Label boxes, node boxes and sampled points of every edge line of widget g, in screen pixels. */
function geometry(g) {
  return g.locator("svg.cs-graph-svg").evaluate((svg) => {
    const rect = (r) => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom });
    const lines = Array.from(svg.querySelectorAll(".cs-edge-line")).map((p) => {
      const m = p.getScreenCTM(), len = p.getTotalLength(), pts = [];
      for (let k = 0; k <= 60; k++) {
        const q = p.getPointAtLength((len * k) / 60);
        pts.push([m.a * q.x + m.c * q.y + m.e, m.b * q.x + m.d * q.y + m.f]);
      }
      return pts;
    });
    return {
      svg: rect(svg.getBoundingClientRect()),
      labels: Array.from(svg.querySelectorAll(".cs-edge-label")).map((t) => ({ text: t.textContent, ...rect(t.getBoundingClientRect()) })),
      nodes: Array.from(svg.querySelectorAll(".cs-node rect")).map((r) => rect(r.getBoundingClientRect())),
      lines,
    };
  });
}

function assertLabelsClear(geo, what) {
  const inside = (p, r) => p[0] > r.left + 0.5 && p[0] < r.right - 0.5 && p[1] > r.top + 0.5 && p[1] < r.bottom - 0.5;
  const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  geo.labels.forEach((l, i) => {
    assert.ok(l.left >= geo.svg.left - 0.5 && l.right <= geo.svg.right + 0.5 && l.top >= geo.svg.top - 0.5 && l.bottom <= geo.svg.bottom + 0.5, `${what}: label "${l.text}" inside the drawing`);
    geo.lines.forEach((pts, k) => assert.ok(!pts.some((p) => inside(p, l)), `${what}: label "${l.text}" lies on edge line ${k}`));
    geo.nodes.forEach((n, k) => assert.ok(!overlap(l, n), `${what}: label "${l.text}" overlaps node ${k}`));
    geo.labels.forEach((m, j) => assert.ok(j === i || !overlap(l, m), `${what}: labels "${l.text}" and "${m.text}" overlap`));
  });
}

test("edge labels (weight and confidence) sit beside their edges, clear of every line, box and label, in all three layouts", async () => {
  const g = widget(CELL.pag);
  const geo = await geometry(g);
  assert.deepEqual(geo.labels.map((l) => l.text).sort(), ["-0.25", "0.5 (90%)", "1.5 (100%)", "40%"]);
  assertLabelsClear(geo, "layered");
  const sel = g.locator("select.cs-graph-layout");
  for (const layout of ["circular", "force"]) {
    await sel.selectOption(layout);
    await page.waitForFunction(([el, l]) => el.dataset.layout === l, [await g.elementHandle(), layout]);
    const geoL = await geometry(g);
    assertLabelsClear(geoL, layout);
    const c = geoL.nodes.map((r) => [(r.left + r.right) / 2, (r.top + r.bottom) / 2]);
    const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    geoL.nodes.forEach((a, i) => geoL.nodes.forEach((b, j) => assert.ok(i >= j || !overlap(a, b), `${layout}: nodes ${i} and ${j} overlap`)));
    if (layout === "circular") {
      const mx = c.reduce((s, p) => s + p[0], 0) / c.length, my = c.reduce((s, p) => s + p[1], 0) / c.length;
      const r = c.map((p) => Math.hypot(p[0] - mx, p[1] - my));
      const mean = r.reduce((s, v) => s + v, 0) / r.length;
      assert.ok(r.every((v) => Math.abs(v - mean) < 0.02 * mean), `circular: node centres at radii ${r.map((v) => v.toFixed(1)).join(", ")}`);
    }
    await g.screenshot({ path: join(artifacts, `02-pag-${layout}.png`) });
  }
  await sel.selectOption("layered");
  await page.waitForFunction((el) => el.dataset.layout === "layered", await g.elementHandle());
});

test("the wheel zooms about the cursor and dragging the background pans", async () => {
  const g = widget(CELL.pag);
  const svg = g.locator("svg.cs-graph-svg");
  const nodeBox = () => g.locator('.cs-node[data-id="A"] rect').boundingBox();
  const b0 = await nodeBox();
  const sb = await svg.boundingBox();
  await page.mouse.move(b0.x + b0.width / 2, b0.y + b0.height / 2);
  await page.mouse.wheel(0, -300);
  await page.waitForFunction((el) => JSON.parse(el.dataset.view).scale > 1.2, await g.elementHandle());
  const view = JSON.parse(await g.getAttribute("data-view"));
  const b1 = await nodeBox();
  assert.ok(Math.abs(b1.width / b0.width - view.scale) < 0.02, `node box ${b0.width} -> ${b1.width} px at scale ${view.scale}`);
  assert.ok(Math.abs(b1.x + b1.width / 2 - (b0.x + b0.width / 2)) < 1.5 && Math.abs(b1.y + b1.height / 2 - (b0.y + b0.height / 2)) < 1.5, "the node under the cursor stays put");
  // pan: drag an empty spot (bottom-left corner of the drawing) by (+40, +25)
  const sx = sb.x + 4, sy = sb.y + sb.height - 4;
  assert.equal(await page.evaluate(([x, y]) => document.elementFromPoint(x, y).tagName, [sx, sy]), "svg", "the drag starts on the background");
  await page.mouse.move(sx, sy);
  await page.mouse.down();
  await page.mouse.move(sx + 40, sy - 25, { steps: 5 });
  await page.mouse.up();
  const b2 = await nodeBox();
  assert.ok(Math.abs(b2.x - b1.x - 40) < 1.5 && Math.abs(b2.y - b1.y + 25) < 1.5, `node moved by (${(b2.x - b1.x).toFixed(1)}, ${(b2.y - b1.y).toFixed(1)})`);
  await g.screenshot({ path: join(artifacts, "03-pag-zoomed.png") });
  await g.locator("button.cs-graph-reset").click();
  assert.deepEqual(JSON.parse(await g.getAttribute("data-view")), { scale: 1, tx: 0, ty: 0 });
});

test("node ids constructor and __proto__ render; a malformed payload shows an alert naming the field", async () => {
  const g = widget(CELL.proto);
  assert.deepEqual((await g.locator(".cs-node text").allTextContents()).sort(), ["__proto__", "constructor", "hasOwnProperty"]);
  assert.equal(await g.locator(".cs-edge").count(), 2);
  const text = [].concat((await outputsOf(CELL.proto)).find((o) => o.data?.[GRAPH_MIME]).data["text/plain"]).join("");
  assert.match(text, /constructor -> __proto__/);
  assert.match(text, /__proto__ -- hasOwnProperty/);
  const alert = page.locator(".jp-Notebook .jp-Cell").nth(CELL.bad).locator('[role="alert"]');
  assert.equal(await alert.count(), 1);
  assert.match(await alert.textContent(), /edges\[0\]\.to.*"zz" is not a node id/);
  assert.deepEqual(pageErrors.filter((e) => /causalscope|cs-/.test(e)), []);
});

test("prior knowledge drawn by hand reaches the kernel as cs.show.prior() and changes the next learned graph", { timeout: 120_000 }, async () => {
  const before = printed(await outputsOf(CELL.learned), "E2E-LEARNED");
  assert.deepEqual(before.map((e) => [e.from, e.to, e.directed].join(" ")).sort(), ["x y false", "y z false"], "PC leaves the chain unoriented");
  const g = widget(CELL.learned);
  await g.scrollIntoViewIfNeeded();
  assert.equal(await g.locator('[aria-label="CPDAG legend"]').count(), 1, "a CPDAG legend explains the undirected edges");
  const centre = async (id) => {
    const b = await g.locator(`.cs-node[data-id="${id}"] rect`).boundingBox();
    return [b.x + b.width / 2, b.y + b.height / 2];
  };
  // require x -> y: drag from x to y
  await g.locator("select.cs-graph-mode").selectOption("require");
  const [x0, y0] = await centre("x"), [x1, y1] = await centre("y");
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move(x1, y1, { steps: 8 });
  await page.mouse.up();
  await g.locator('.cs-prior-required[data-from="x"][data-to="y"]').waitFor();
  // forbid the y -- z edge: click it
  await g.locator("select.cs-graph-mode").selectOption("forbid");
  const mid = await g.locator('.cs-edge[data-from="y"][data-to="z"], .cs-edge[data-from="z"][data-to="y"]').locator(".cs-edge-line").evaluate((p) => {
    const q = p.getPointAtLength(p.getTotalLength() / 2), m = p.getScreenCTM();
    return [m.a * q.x + m.c * q.y + m.e, m.b * q.x + m.d * q.y + m.f];
  });
  await page.mouse.click(mid[0], mid[1]);
  await g.locator(".cs-prior-forbidden").waitFor();
  // tiers: x before y
  await g.locator('select[aria-label="tier of x"]').selectOption("1");
  await g.locator('select[aria-label="tier of y"]').selectOption("2");
  await page.waitForFunction((el) => /sent to the kernel|not sent/.test(el.textContent), await g.locator(".cs-prior-status").elementHandle());
  assert.match(await g.locator(".cs-prior-status").textContent(), /sent to the kernel/);
  assert.deepEqual(await g.locator(".cs-node-tier").allTextContents(), ["tier 1", "tier 2"]);
  await g.screenshot({ path: join(artifacts, "04-prior-drawn.png") });
  const out = await runCell(CELL.relearned);
  const prior = printed(out, "E2E-PRIOR");
  const fz = prior.forbidden.map((e) => e.join("->")).sort();
  assert.deepEqual({ ...prior, forbidden: fz }, { required: [["x", "y"]], forbidden: ["y->z", "z->y"], tiers: [["x"], ["y"]] });
  const after = printed(out, "E2E-RELEARNED");
  assert.deepEqual(after.map((e) => [e.from, e.to, e.directed].join(" ")), ["x y true"], "with the prior: x -> y, and no y -- z");
  const g2 = widget(CELL.relearned);
  await g2.locator(".cs-node").first().waitFor();
  assert.equal(await g2.locator(".cs-prior-required").count(), 1, "the re-learned graph shows the prior it was learned with");
  await g2.screenshot({ path: join(artifacts, "05-relearned.png") });
});
