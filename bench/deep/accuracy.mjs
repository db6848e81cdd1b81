#!/usr/bin/env node
// Runs bench/deep/accuracy.ts (deep vs classical finder on synthetic hard families and the real images in
// ../shared/data/stem) with ts-node, transpile only; arguments are passed on, e.g.
// `node bench/deep/accuracy.mjs --thresholds 0.3,0.5 --models /tmp/ensemble`. Writes bench/results/deep/accuracy.md.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as path from "node:path";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(root, "bench", "deep", "accuracy.ts"), ...process.argv.slice(2)], {
  cwd: root, stdio: "inherit",
  env: { ...process.env, TS_NODE_COMPILER_OPTIONS: JSON.stringify({ module: "node16", moduleResolution: "node16" }) },
});
process.exit(r.status ?? 1);
