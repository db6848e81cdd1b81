// The compiled src/io and src/spm (readImage, readImageStack, readSPM) the reader benchmarks load:
// tsc into bench/results/io-dist, redone when a source under src/io, src/spm or src/image is newer.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

function newest(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : e.name.endsWith(".ts") ? fs.statSync(p).mtimeMs : 0);
  }
  return t;
}

/** `{ io, spm }`: the compiled src/io and src/spm modules; `rebuild` forces tsc. */
export function loadReaders(rebuild = false) {
  const out = path.join(root, "bench", "results", "io-dist");
  const built = [path.join(out, "src", "io", "index.js"), path.join(out, "src", "spm", "index.js")];
  const stale = () => ["io", "spm", "image"].some((d) => newest(path.join(root, "src", d)) > fs.statSync(built[0]).mtimeMs);
  if (rebuild || !built.every((f) => fs.existsSync(f)) || stale()) {
    console.log("compiling src/io + src/spm -> " + out);
    const r = spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "--outDir", out, "--rootDir", root,
      "--module", "node16", "--moduleResolution", "node16", "--target", "es2022", "--esModuleInterop", "--skipLibCheck",
      "--declaration", "false", "--sourceMap", "false", path.join(root, "src/io/index.ts"), path.join(root, "src/spm/index.ts")], { stdio: "inherit" });
    if (r.status !== 0) process.exit(1);
    for (const f of built) fs.utimesSync(f, new Date(), new Date());
  }
  const req = createRequire(import.meta.url);
  return { io: req(built[0]), spm: req(built[1]) };
}

/** The file's first `n` bytes as a new file in `dir` (for truncation checks). */
export function truncatedCopy(file, dir, n, tag) {
  const out = path.join(dir, `${tag}-${path.basename(file)}`);
  const fd = fs.openSync(file, "r");
  const b = Buffer.alloc(n);
  fs.readSync(fd, b, 0, n, 0);
  fs.closeSync(fd);
  fs.writeFileSync(out, b);
  return out;
}

/**
 * How `ours` (row-major h x w float32) relates to `ref` (row-major float64, shape [h, w]): the
 * transform among identity, flip rows, flip columns, rotate 180, transpose that gives the smallest
 * max |difference|, with that difference relative to the reference's max |value| (`fit`
 * "scale": after the least-squares b × ours under each transform, "affine": a + b × ours; returned as a, b).
 */
export function orientation(ours, ref, h, w, fit = "none") {
  const at = {
    identity: (y, x) => ref[y * w + x], "flip rows": (y, x) => ref[(h - 1 - y) * w + x], "flip columns": (y, x) => ref[y * w + w - 1 - x],
    "rotate 180": (y, x) => ref[(h - 1 - y) * w + w - 1 - x], transpose: (y, x) => (h === w ? ref[x * w + y] : NaN),
  };
  let scale = 0;
  for (const v of ref) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  let best;
  for (const [name, f] of Object.entries(at)) {
    // ref ≈ a0 + b0 × ours by least squares under this transform ("scale": a0 = 0; "none": b0 = 1).
    let a0 = 0, b0 = 1;
    if (fit !== "none") {
      let n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { const u = ours[y * w + x], v = f(y, x); n++; sx += u; sy += v; sxx += u * u; sxy += u * v; }
      b0 = fit === "affine" ? (n * sxy - sx * sy) / (n * sxx - sx * sx) : sxy / sxx;
      a0 = fit === "affine" ? (sy - b0 * sx) / n : 0;
    }
    let d = 0;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const a = a0 + b0 * ours[y * w + x], b = f(y, x);
      const e = Number.isNaN(a) && Number.isNaN(b) ? 0 : Math.abs(a - b);
      if (!(e <= d)) d = Number.isNaN(e) ? Infinity : e;
    }
    if (!best || d < best.maxAbs) best = { transform: name, maxAbs: d, rel: scale > 0 ? d / scale : d, a: a0, b: b0 };
  }
  return best;
}

/** Replace (or append) the section of markdown `file` that starts with the line `# title`, up to the next `# ` heading. */
export function writeSection(file, title, lines) {
  const old = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const head = `# ${title}`;
  const body = [head, "", ...lines, ""].join("\n");
  const at = old.split("\n").findIndex((l) => l === head);
  if (at < 0) return fs.writeFileSync(file, (old && !old.endsWith("\n\n") ? old.replace(/\n*$/, "\n\n") : old) + body);
  const all = old.split("\n");
  let end = all.findIndex((l, k) => k > at && l.startsWith("# "));
  if (end < 0) end = all.length;
  fs.writeFileSync(file, [...all.slice(0, at), ...body.split("\n"), ...all.slice(end)].join("\n").replace(/\n+$/, "\n"));
}
