// The Python reference tools a benchmark compares against live in a venv of
// their own, bench/<capability>/.venv, made from bench/<capability>/requirements.txt
// (their pins, e.g. py4DSTEM's numpy < 2, must not touch the project's .venv).
// Idempotent: a stamp with the requirements' hash skips pip when unchanged.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Path of the python of `benchDir`/.venv, created and brought up to date from its requirements.txt. */
export function referencePython(benchDir) {
  const venv = join(benchDir, ".venv");
  const py = join(venv, "bin", "python");
  const requirements = join(benchDir, "requirements.txt");
  const digest = createHash("sha256").update(readFileSync(requirements)).digest("hex");
  const stamp = join(venv, ".requirements.sha256");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === digest) return py;
  if (!existsSync(py)) execFileSync("python3", ["-m", "venv", venv], { stdio: "inherit" });
  console.log(`installing the reference tools of ${benchDir} (${requirements}) ...`);
  execFileSync(py, ["-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", requirements], { stdio: "inherit" });
  writeFileSync(stamp, digest);
  return py;
}
