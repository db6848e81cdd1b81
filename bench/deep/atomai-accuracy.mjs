#!/usr/bin/env node
// Accuracy and time against AtomAI (bench/deep/atomai-accuracy.ts, run with ts-node, transpile only): makes
// bench/deep/.venv (bench/reference-venv.mjs) and passes its python on. The library measured is the committed src/
// at HEAD (git archive into bench/results/deep/atomai/src-<commit>/, its node_modules linked to the checkout's),
// so the pretrained ensemble, the training-data generator and the finder are the shipped ones even while others
// have uncommitted changes in this shared checkout; `--working-tree` measures ./src instead. Other arguments are
// passed on, e.g. `node bench/deep/atomai-accuracy.mjs --full`. Writes bench/results/deep/atomai-accuracy.md.
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as fs from "node:fs";
import * as path from "node:path";
import { referencePython } from "../reference-venv.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, "..", "..");
const args = process.argv.slice(2);
let src = path.join(root, "src");
if (!args.includes("--working-tree")) {
  const commit = execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
  const snap = path.join(root, "bench", "results", "deep", "atomai", `src-${commit}`);
  if (!fs.existsSync(path.join(snap, "src", "wasm", "binaries.generated.ts"))) {
    fs.mkdirSync(snap, { recursive: true });
    execFileSync("sh", ["-c", `git archive HEAD src | tar -x -C '${snap}'`], { cwd: root, stdio: "inherit" });
    fs.symlinkSync(path.join(root, "src", "node_modules"), path.join(snap, "src", "node_modules"));
    // Generated sources git does not hold (src/wasm/binaries.generated.ts: the compiled SIMD kernels).
    const generated = path.join("src", "wasm", "binaries.generated.ts");
    fs.copyFileSync(path.join(root, generated), path.join(snap, generated));
  }
  src = path.join(snap, "src");
  console.log(`library: committed src at ${commit} (${src})`);
}
const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(here, "atomai-accuracy.ts"), ...args.filter((a) => a !== "--working-tree")], {
  cwd: root, stdio: "inherit",
  env: { ...process.env, CAUSALSCOPE_SRC: src, CAUSALSCOPE_REF_PYTHON: referencePython(here), TS_NODE_COMPILER_OPTIONS: JSON.stringify({ module: "node16", moduleResolution: "node16" }) },
});
process.exit(r.status ?? 1);
