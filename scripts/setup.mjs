// Everything `npm start`, `npm test` and `npm run bench` need, idempotent and
// fast when nothing changed: JavaScript dependencies, the build of every
// workspace, the Python venv with pinned JupyterLab, our kernelspec and our
// JupyterLab extension installed into it.
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { ensureVenv, root, venv } from "./venv.mjs";

export function run(cmd, args, opts = {}) {
  console.log(`\n$ ${cmd} ${args.join(" ")}`);
  execFileSync(cmd, args, { stdio: "inherit", cwd: root, ...opts });
}

function npmDependenciesCurrent() {
  const installed = join(root, "node_modules", ".package-lock.json");
  if (!existsSync(installed)) return false;
  return statSync(installed).mtimeMs >= statSync(join(root, "package-lock.json")).mtimeMs;
}

export function setup() {
  // `npm install`, not `npm ci`: the registry mirror lacks other platforms'
  // optional binaries (@unrs/resolver-binding-*), so the lock cannot list them
  // and `npm ci` rejects it as out of sync; `npm install` keeps the locked versions.
  if (!npmDependenciesCurrent()) run("npm", ["install", "--no-audit", "--no-fund"]);
  run("npm", ["run", "build"]);
  ensureVenv();
  run(process.execPath, ["kernel/bin/causalscope-kernel.js", "install", "--prefix", venv]);
  if (existsSync(join(root, "scripts", "install-labextension.mjs"))) run(process.execPath, ["scripts/install-labextension.mjs"]);
}
