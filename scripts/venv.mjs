// Creates .venv (Python 3, pip) with every pinned requirement in
// requirements/*.txt. Idempotent: a stamp holding the hash of the
// requirement files skips pip when nothing changed.
// Usage: node scripts/venv.mjs            (as a library: ensureVenv())
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const venv = join(root, ".venv");
export const venvBin = join(venv, "bin");
export const python = join(venvBin, "python");

function run(cmd, args, opts = {}) {
  console.log(`$ ${cmd} ${args.join(" ")}`);
  execFileSync(cmd, args, { stdio: "inherit", cwd: root, ...opts });
}

export function ensureVenv() {
  const reqDir = join(root, "requirements");
  const files = readdirSync(reqDir).filter((f) => f.endsWith(".txt")).sort();
  const hash = createHash("sha256");
  for (const f of files) hash.update(f).update(readFileSync(join(reqDir, f)));
  const digest = hash.digest("hex");
  const stamp = join(venv, ".causalscope-requirements.sha256");
  if (!existsSync(python)) {
    const py = process.env.PYTHON || "python3";
    run(py, ["-m", "venv", venv]);
  }
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === digest) return;
  run(python, ["-m", "pip", "install", "--disable-pip-version-check", "-q", "--upgrade", "pip"]);
  run(python, ["-m", "pip", "install", "--disable-pip-version-check", "-q", ...files.flatMap((f) => ["-r", join(reqDir, f)])]);
  writeFileSync(stamp, digest);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureVenv();
