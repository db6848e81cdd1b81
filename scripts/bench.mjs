// `npm run bench [-- name ...]`: every benchmark in bench/<capability>/run.mjs
// (or only the named ones), after setup. The reference tools each compares
// against are pinned in bench/<capability>/requirements.txt and installed in
// bench/<capability>/.venv by the benchmark (bench/reference-venv.mjs).
// Each prints its own ratios against the reference tools measured in the same run.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { run, setup } from "./setup.mjs";
import { root } from "./venv.mjs";

setup();
const wanted = process.argv.slice(2);
const benches = readdirSync(join(root, "bench"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && (wanted.length === 0 || wanted.includes(d.name)))
  .map((d) => d.name)
  .sort();
let failed = 0;
for (const b of benches) {
  const script = join(root, "bench", b, "run.mjs");
  if (!existsSync(script)) continue;
  try {
    run(process.execPath, [script]);
  } catch {
    failed++;
    console.error(`bench ${b} failed`);
  }
}
process.exit(failed === 0 ? 0 : 1);
