// `npm run bench [-- name ...]`: every benchmark in bench/<capability>/run.mjs
// (or only the named ones), after setup. Each benchmark installs nothing
// itself: the reference tools it compares against are pinned in
// bench/<capability>/requirements.txt and installed here into .venv.
// Each prints its own ratios against the reference tools measured in the same run.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { run, setup } from "./setup.mjs";
import { python, root } from "./venv.mjs";

setup();
const wanted = process.argv.slice(2);
const benches = readdirSync(join(root, "bench"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && (wanted.length === 0 || wanted.includes(d.name)))
  .map((d) => d.name)
  .sort();
const requirements = benches.map((b) => join(root, "bench", b, "requirements.txt")).filter(existsSync);
if (requirements.length > 0) {
  run(python, ["-m", "pip", "install", "--disable-pip-version-check", "-q", ...requirements.flatMap((r) => ["-r", r])]);
}
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
