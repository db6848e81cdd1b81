// Helpers for the browser end-to-end tests: a real `jupyter lab` from the
// project's venv on 127.0.0.1 (random port and token, throw-away config,
// settings and workspace dirs) and Debian's Chromium driven by playwright-core.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PNG } from "pngjs";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const venvBin = join(root, ".venv", "bin");
export const artifacts = join(root, "test-artifacts", "e2e");
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** Fail early, saying what to run, when a precondition of the e2e tests is missing. */
export function checkPreconditions() {
  const missing = [];
  if (!existsSync(join(venvBin, "jupyter"))) missing.push(".venv with JupyterLab (run: node scripts/venv.mjs)");
  if (!existsSync(CHROMIUM)) missing.push(`Chromium at ${CHROMIUM} (run: sh scripts/ensure-chromium.sh)`);
  if (!existsSync(join(root, "src", "dist", "index.js"))) missing.push("the built library src/dist (run: npm run build -w src)");
  const ks = spawnSync(join(venvBin, "jupyter"), ["kernelspec", "list"], { encoding: "utf8" });
  if (!/\bcausalscope\b/.test(`${ks.stdout}`)) missing.push("the causalscope kernelspec in .venv (run: npm run build -w src -w kernel && node kernel/bin/causalscope-kernel.js install --prefix .venv)");
  if (missing.length) throw new Error(`browser e2e: missing ${missing.join("; ")}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Start `jupyter lab` serving `rootDir`; resolves when /api/status answers. */
export async function startLab(rootDir, { log = join(artifacts, "jupyter-lab.log") } = {}) {
  mkdirSync(dirname(log), { recursive: true });
  const port = await freePort();
  const token = randomBytes(24).toString("hex");
  const tmp = mkdtempSync(join(tmpdir(), "cs-e2e-lab-"));
  const settings = join(tmp, "settings");
  // No news or update pop-ups over the widgets in screenshots.
  mkdirSync(join(settings, "@jupyterlab", "apputils-extension"), { recursive: true });
  writeFileSync(join(settings, "@jupyterlab", "apputils-extension", "notification.jupyterlab-settings"), JSON.stringify({ fetchNews: "false", checkForUpdates: false }));
  // Render every cell (no virtual scrolling), so outputs exist in the DOM as soon as they are produced.
  mkdirSync(join(settings, "@jupyterlab", "notebook-extension"), { recursive: true });
  writeFileSync(join(settings, "@jupyterlab", "notebook-extension", "tracker.jupyterlab-settings"), JSON.stringify({ windowingMode: "none" }));
  const env = {
    ...process.env,
    PATH: `${venvBin}:${process.env.PATH}`,
    JUPYTER_CONFIG_DIR: join(tmp, "config"),
    JUPYTER_RUNTIME_DIR: join(tmp, "runtime"),
    JUPYTERLAB_SETTINGS_DIR: settings,
    JUPYTERLAB_WORKSPACES_DIR: join(tmp, "workspaces"),
  };
  const args = [
    "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", `--ServerApp.port=${port}`, "--ServerApp.port_retries=0",
    `--IdentityProvider.token=${token}`, `--ServerApp.root_dir=${rootDir}`, "--LabApp.expose_app_in_browser=True",
    ...(process.getuid?.() === 0 ? ["--allow-root"] : []),
  ];
  const out = createWriteStream(log);
  const proc = spawn(join(venvBin, "jupyter"), args, { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  proc.stdout.pipe(out);
  proc.stderr.pipe(out);
  let exited = null;
  proc.on("exit", (code) => { exited = code; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited !== null) throw new Error(`jupyter lab exited with code ${exited} before serving; see ${log}:\n${tail(log)}`);
    try {
      const r = await fetch(`${url}/api/status`, { headers: { Authorization: `token ${token}` } });
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`jupyter lab did not answer on ${url} within 120 s; see ${log}:\n${tail(log)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    url, token, port, log,
    async stop() {
      if (exited === null) {
        try { process.kill(-proc.pid, "SIGTERM"); } catch { /* gone */ }
        const t = Date.now();
        while (exited === null && Date.now() - t < 10_000) await new Promise((r) => setTimeout(r, 100));
        if (exited === null) try { process.kill(-proc.pid, "SIGKILL"); } catch { /* gone */ }
      }
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

function tail(file, n = 30) {
  try { return readFileSync(file, "utf8").split("\n").slice(-n).join("\n"); } catch { return "(no log)"; }
}

/** Debian's Chromium through playwright-core, with a fresh profile. */
export async function launchBrowser() {
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "cs-e2e-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1400, height: 1000 },
    deviceScaleFactor: 1,
    acceptDownloads: true,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** RGB at (x, y) of a PNG screenshot buffer. */
/**
 * Open `notebook` (a path under the lab's root) in the browser's first page and wait until its kernel is idle
 * and its cells are shown; page errors are appended to `pageErrors`. Returns the page.
 */
export async function openNotebook(browser, lab, notebook, pageErrors) {
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  await page.goto(`${lab.url}/lab/tree/${notebook}?token=${lab.token}`);
  await page.waitForFunction(() => {
    const panel = window.jupyterapp?.shell?.currentWidget;
    return panel?.sessionContext?.session?.kernel?.status === "idle" && panel.content?.widgets?.length > 0;
  }, null, { timeout: 120_000, polling: 250 });
  return page;
}

export function pixel(png, x, y) {
  const j = 4 * (Math.round(y) * png.width + Math.round(x));
  return [png.data[j], png.data[j + 1], png.data[j + 2]];
}

export function decodePng(buf) {
  return PNG.sync.read(buf);
}

export function hexRgb(hex) {
  return [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
}

export function near(a, b, tol = 12) {
  return a.every((v, i) => Math.abs(v - b[i]) <= tol);
}

export function pointInPolygon(x, y, poly) {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i], [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Distance from (x, y) to the polygon's boundary. */
export function distanceToPolygon(x, y, poly) {
  let best = Infinity;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [ax, ay] = poly[j], [bx, by] = poly[i];
    const dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
    const t = l2 ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / l2)) : 0;
    best = Math.min(best, Math.hypot(x - ax - t * dx, y - ay - t * dy));
  }
  return best;
}
