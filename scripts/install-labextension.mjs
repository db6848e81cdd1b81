// Builds the JupyterLab extension (labextension/) and pip-installs it into a
// Python environment: the project's .venv by default. Idempotent and fast
// when nothing changed: a stamp in the environment holds the hash of the
// extension's sources; when it matches and the extension is installed,
// nothing runs.
//
// Usage: node scripts/install-labextension.mjs [--build-only] [--force] [--python PATH]
//   --build-only  compile TypeScript and build the prebuilt bundle
//                 (labextension/causalscope_labextension/labextension), no pip
//   --force       rebuild and reinstall even when the stamp matches
//   --python PATH install into the environment of this Python (default
//                 .venv/bin/python; Binder's postBuild passes its own)
// As a library: import { installLabextension } from "./install-labextension.mjs"
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ext = join(root, "labextension");
const bundle = join(ext, "causalscope_labextension", "labextension");

/** Paths of the Python environment that `python` belongs to. */
function envOf(python = join(root, ".venv", "bin", "python")) {
  const bin = dirname(python);
  const prefix = execFileSync(python, ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" }).trim();
  return {
    python, bin, prefix,
    stamp: join(prefix, ".causalscope-labextension.sha256"),
    installed: join(prefix, "share", "jupyter", "labextensions", "causalscope-labextension", "package.json"),
  };
}

function run(cmd, args, bin, opts = {}) {
  console.log(`$ ${relative(root, cmd) || cmd} ${args.join(" ")}`);
  execFileSync(cmd, args, { stdio: "inherit", cwd: root, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, ...opts });
}

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** `jupyter labextension list` of the venv (it writes to stderr), without colour codes. */
export function labextensionList(python) {
  const { bin } = envOf(python);
  const r = spawnSync(join(bin, "jupyter"), ["labextension", "list"], { cwd: root, encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  return `${r.stdout}${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
}

/** Hash of everything the built extension depends on. */
export function sourceHash() {
  const h = createHash("sha256");
  const inputs = [
    ...files(join(ext, "src")),
    ...files(join(root, "src", "show", "shared")), // the payload schema and graph drawing, shared with the library
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

export function buildLabextension(python) {
  const bin = python ? dirname(python) : join(root, ".venv", "bin");
  run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(ext, "tsconfig.json")], bin);
  const builder = existsSync(join(bin, "jupyter-builder")) ? join(bin, "jupyter-builder") : "jupyter-builder";
  run(builder, ["build", ext], bin);
  if (!existsSync(join(bundle, "static", "style.js"))) throw new Error(`install-labextension: the build did not produce ${relative(root, bundle)}/static/style.js`);
}

export function installLabextension({ force = false, python } = {}) {
  const py = python ?? join(root, ".venv", "bin", "python");
  if (!existsSync(py)) throw new Error(`install-labextension: no Python at ${py}${python ? "" : "; run `node scripts/venv.mjs` first"}`);
  const env = envOf(py);
  const digest = sourceHash();
  if (!force && existsSync(env.stamp) && readFileSync(env.stamp, "utf8") === digest && existsSync(env.installed) && existsSync(join(bundle, "static", "style.js"))) {
    console.log("causalscope-labextension: up to date");
    return;
  }
  buildLabextension(py);
  // With the build tools of requirements/labextension.txt in the environment, pip needs no isolated build env (no download).
  const haveHatch = spawnSync(py, ["-c", "import hatchling, hatch_jupyter_builder, hatch_nodejs_version"], { stdio: "ignore" }).status === 0;
  run(py, ["-m", "pip", "install", "--disable-pip-version-check", "-q", "--no-deps", "--force-reinstall", ...(haveHatch ? ["--no-build-isolation"] : []), ext], env.bin);
  const list = labextensionList(py);
  if (!/causalscope-labextension v\S+ enabled\s+OK/.test(list)) {
    throw new Error(`install-labextension: after pip install, \`jupyter labextension list\` does not show causalscope-labextension enabled and OK:\n${list}`);
  }
  writeFileSync(env.stamp, digest);
  console.log(`causalscope-labextension: installed into ${env.prefix} (enabled, OK)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const pi = args.indexOf("--python");
  const python = pi >= 0 ? args[pi + 1] : undefined;
  try {
    if (args.includes("--build-only")) buildLabextension(python);
    else installLabextension({ force: args.includes("--force"), python });
  } catch (e) {
    console.error(e.message || e);
    process.exit(1);
  }
}
