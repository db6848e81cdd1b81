// `npm start`: set everything up, then open JupyterLab on the tutorials with
// the causalscope kernel and extension. Extra arguments go to `jupyter lab`
// (e.g. `npm start -- --no-browser --port 8890`).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { setup } from "./setup.mjs";
import { root, venvBin } from "./venv.mjs";

setup();
const args = ["lab", `--ServerApp.root_dir=${join(root, "notebooks")}`, "--MappingKernelManager.default_kernel_name=causalscope", ...process.argv.slice(2)];
// Jupyter refuses to run as root without this (containers, CI machines).
if (process.getuid?.() === 0 && !args.includes("--allow-root")) args.push("--allow-root");
console.log(`\n$ jupyter ${args.join(" ")}`);
const lab = spawn(join(venvBin, "jupyter"), args, { stdio: "inherit", cwd: root });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => lab.kill(sig));
lab.on("exit", (code) => process.exit(code ?? 0));
