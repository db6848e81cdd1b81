#!/usr/bin/env node
// Regenerates the per-atom class model (src/atoms/deep/models/classes.ts): runs
// scripts/train-atom-classes.ts with ts-node (CommonJS, transpile only). Arguments are passed on,
// e.g. `node scripts/train-atom-classes.mjs --seed 2026 --images 400 --test 100 --epochs 80`.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as path from "node:path";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(root, "scripts", "train-atom-classes.ts"), ...process.argv.slice(2)], {
  cwd: root, stdio: "inherit",
  env: { ...process.env, CAUSALSCOPE_BACKEND: process.env.CAUSALSCOPE_BACKEND ?? "wasm", TS_NODE_COMPILER_OPTIONS: JSON.stringify({ module: "commonjs", moduleResolution: "node" }) },
});
process.exit(r.status ?? 1);
