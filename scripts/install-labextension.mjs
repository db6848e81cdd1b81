// Builds the JupyterLab extension (labextension/) and installs it into .venv.
// Idempotent and fast when nothing changed: a stamp in .venv holds the hash
// of the extension's sources; when it matches and the extension is installed,
// nothing runs.
//
// Usage: node scripts/install-labextension.mjs [--build-only] [--force]
//   --build-only  compile TypeScript and build the prebuilt bundle
//                 (labextension/causalscope_labextension/labextension), no pip
//   --force       rebuild and reinstall even when the stamp matches
// As a library: import { installLabextension } from "./install-labextension.mjs"
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ext = join(root, "labextension");
const venvBin = join(root, ".venv", "bin");
const python = join(venvBin, "python");
const stamp = join(root, ".venv", ".causalscope-labextension.sha256");
const bundle = join(ext, "causalscope_labextension", "labextension");
const installed = join(root, ".venv", "share", "jupyter", "labextensions", "causalscope-labextension", "package.json");

function run(cmd, args, opts = {}) {
  console.log(`$ ${relative(root, cmd) || cmd} ${args.join(" ")}`);
  execFileSync(cmd, args, { stdio: "inherit", cwd: root, env: { ...process.env, PATH: `${venvBin}:${process.env.PATH}` }, ...opts });
}

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** `jupyter labextension list` of the venv (it writes to stderr), without colour codes. */
export function labextensionList() {
  const r = spawnSync(join(venvBin, "jupyter"), ["labextension", "list"], { cwd: root, encoding: "utf8", env: { ...process.env, PATH: `${venvBin}:${process.env.PATH}` } });
  return `${r.stdout}${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
}

/** Hash of everything the built extension depends on. */
export function sourceHash() {
  const h = createHash("sha256");
  const inputs = [
    ...files(join(ext, "src")),
    ...files(join(ext, "style")),
    join(ext, "package.json"),
    join(ext, "tsconfig.json"),
    join(ext, "pyproject.toml"),
    join(ext, "install.json"),
    join(ext, "causalscope_labextension", "__init__.py"),
  ].sort();
  for (const f of inputs) h.update(relative(root, f)).update(readFileSync(f));
  return h.digest("hex");
}

export function buildLabextension() {
  run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(ext, "tsconfig.json")]);
  const builder = existsSync(join(venvBin, "jupyter-builder")) ? join(venvBin, "jupyter-builder") : "jupyter-builder";
  run(builder, ["build", ext]);
  if (!existsSync(join(bundle, "static", "style.js"))) throw new Error(`install-labextension: the build did not produce ${relative(root, bundle)}/static/style.js`);
}

export function installLabextension({ force = false } = {}) {
  if (!existsSync(python)) throw new Error("install-labextension: .venv is missing; run `node scripts/venv.mjs` first");
  const digest = sourceHash();
  if (!force && existsSync(stamp) && readFileSync(stamp, "utf8") === digest && existsSync(installed) && existsSync(join(bundle, "static", "style.js"))) {
    console.log("causalscope-labextension: up to date");
    return;
  }
  buildLabextension();
  // Build tools come from requirements/labextension.txt (in the venv), so no isolated build env is downloaded.
  const haveHatch = (() => {
    try {
      execFileSync(python, ["-c", "import hatchling, hatch_jupyter_builder, hatch_nodejs_version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  run(python, ["-m", "pip", "install", "--disable-pip-version-check", "-q", "--no-deps", "--force-reinstall", ...(haveHatch ? ["--no-build-isolation"] : []), ext]);
  const list = labextensionList();
  if (!/causalscope-labextension v\S+ enabled\s+OK/.test(list)) {
    throw new Error(`install-labextension: after pip install, \`jupyter labextension list\` does not show causalscope-labextension enabled and OK:\n${list}`);
  }
  writeFileSync(stamp, digest);
  console.log("causalscope-labextension: installed into .venv (enabled, OK)");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  try {
    if (args.includes("--build-only")) buildLabextension();
    else installLabextension({ force: args.includes("--force") });
  } catch (e) {
    console.error(e.message || e);
    process.exit(1);
  }
}
