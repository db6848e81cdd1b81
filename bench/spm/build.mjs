// The compiled src/spm (and src/core/random) the SPM benchmarks load: tsc into
// bench/results/spm-dist, redone when a source of src/spm or an SPM reader is newer than the build.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** `{ spm, rng, built }`: the compiled src/spm module, src/core/random's `rng` and the path of the module; `rebuild` forces tsc. */
export function loadSpm(rebuild = false) {
  const out = path.join(root, "bench", "results", "spm-dist");
  const built = path.join(out, "src", "spm", "index.js");
  const random = path.join(out, "src", "core", "random.js");
  const sources = [...fs.readdirSync(path.join(root, "src", "spm")).map((f) => path.join(root, "src", "spm", f)),
    ...fs.readdirSync(path.join(root, "src", "io", "formats")).filter((f) => f.startsWith("spm-")).map((f) => path.join(root, "src", "io", "formats", f))];
  if (rebuild || !fs.existsSync(built) || !fs.existsSync(random) || sources.some((f) => fs.statSync(f).mtimeMs > fs.statSync(built).mtimeMs)) {
    console.log("compiling src/spm -> " + out);
    const r = spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "--outDir", out, "--rootDir", root,
      "--module", "node16", "--moduleResolution", "node16", "--target", "es2022", "--esModuleInterop", "--skipLibCheck",
      "--declaration", "false", "--sourceMap", "false", path.join(root, "src/spm/index.ts"), path.join(root, "src/core/random.ts")], { stdio: "inherit" });
    if (r.status !== 0) process.exit(1);
  }
  const req = createRequire(import.meta.url);
  return { spm: req(built), rng: req(random).rng, built };
}
