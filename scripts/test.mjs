// `npm test`: every test of the project, in one run.
//   1. setup (dependencies, build, venv, kernelspec, extension)
//   2. unit tests (jest, tests/**/*.test.ts)
//   3. Python-side tests (pytest in .venv: kernel conformance, protocol,
//      notebook execution, reference-tool comparisons, Binder steps)
//   4. browser end-to-end tests of the extension (Debian's Chromium)
// Each stage runs even when an earlier one failed; the run fails when any did.
// The last line is the total: "total: N passed, N failed, N skipped".
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { availableParallelism } from "node:os";
import { setup } from "./setup.mjs";
import { root, python } from "./venv.mjs";

const artifacts = join(root, "test-artifacts");
mkdirSync(artifacts, { recursive: true });
const extra = process.argv.slice(2);

setup();
// On CI (a clean clone, minutes to spare) the slow Binder test runs too:
// binder/postBuild in a fresh venv, as mybinder.org would run it.
if (process.env.CI && process.env.CAUSALSCOPE_BINDER_TEST === undefined) process.env.CAUSALSCOPE_BINDER_TEST = "1";

function jestCounts(file) {
  const r = JSON.parse(readFileSync(file, "utf8"));
  return { passed: r.numPassedTests, failed: r.numFailedTests + r.numRuntimeErrorTestSuites, skipped: r.numPendingTests + r.numTodoTests };
}

/** Counts from a JUnit XML report (pytest's or node's): each <testcase> passed, failed (failure/error) or skipped. */
function junitCounts(file) {
  // Each chunk runs from one <testcase to the next: that test's children and closing tags only.
  const cases = readFileSync(file, "utf8").split("<testcase").slice(1);
  const failed = cases.filter((c) => /<(failure|error)\b/.test(c)).length;
  const skipped = cases.filter((c) => !/<(failure|error)\b/.test(c) && /<skipped\b/.test(c)).length;
  return { passed: cases.length - failed - skipped, failed, skipped };
}

const jestBin = join(root, "node_modules", "jest", "bin", "jest.js");
const stages = [
  {
    name: "unit (jest)",
    cmd: process.execPath,
    // jest's default leaves one core to its parent process, which only collects results: on the
    // 2-core CI box that ran the unit stage on one core. One worker per core instead.
    args: ["--experimental-vm-modules", jestBin, "--ci", `--maxWorkers=${availableParallelism()}`, "--json", `--outputFile=${join(artifacts, "jest.json")}`, ...extra],
    out: join(artifacts, "jest.json"),
    counts: jestCounts,
  },
  {
    name: "python (pytest)",
    cmd: python,
    // pytest-xdist, one worker per core: the Binder test (mostly pip and npm downloads) and the
    // notebooks (one kernel each) overlap instead of queueing.
    args: ["-m", "pytest", "tests", "-q", "-rs", "-n", String(availableParallelism()), `--junitxml=${join(artifacts, "pytest.xml")}`],
    out: join(artifacts, "pytest.xml"),
    counts: junitCounts,
  },
];
if (existsSync(join(root, "tests", "e2e"))) {
  stages.push({
    name: "browser end-to-end (node --test + Chromium)",
    before: () => spawnSync("bash", [join(root, "scripts", "ensure-chromium.sh")], { stdio: "inherit", cwd: root }).status === 0,
    cmd: process.execPath,
    args: ["--test", "--test-concurrency=1", "--test-reporter=spec", "--test-reporter-destination=stdout",
      "--test-reporter=junit", `--test-reporter-destination=${join(artifacts, "e2e.xml")}`, "tests/e2e/"],
    out: join(artifacts, "e2e.xml"),
    counts: junitCounts,
  });
}

const total = { passed: 0, failed: 0, skipped: 0 };
const summary = [];
for (const stage of stages) {
  console.log(`\n=== ${stage.name} ===`);
  const t0 = Date.now();
  rmSync(stage.out, { force: true });
  let ok = stage.before ? stage.before() : true;
  if (ok) ok = spawnSync(stage.cmd, stage.args, { stdio: "inherit", cwd: root }).status === 0;
  let c;
  try { c = stage.counts(stage.out); } catch { c = { passed: 0, failed: 1, skipped: 0 }; }
  if (!ok && c.failed === 0) c.failed = 1; // a runner that crashed or could not start counts as a failure
  for (const k of Object.keys(total)) total[k] += c[k];
  summary.push(`${stage.name}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
console.log("\n=== summary ===\n" + summary.join("\n"));
console.log(`total: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed === 0 && total.passed > 0 ? 0 : 1);
