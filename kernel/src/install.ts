/**
 * Kernelspec installation: writes `<prefix>/share/jupyter/kernels/causalscope/`
 * with kernel.json and the logos, as `jupyter kernelspec install` would.
 *
 * Locations (jupyter_client's conventions):
 * - `--prefix P`: `P/share/jupyter/kernels/`
 * - `--sys-prefix`: the same under Python's `sys.prefix` (the active venv)
 * - `--user` (default): the per-user Jupyter data directory
 *   (`$JUPYTER_DATA_DIR`, else `~/.local/share/jupyter` on Linux,
 *   `~/Library/Jupyter` on macOS, `%APPDATA%\jupyter` on Windows).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { KERNEL_ROOT } from "./paths";

/** The kernelspec's name (directory) and the name clients ask for. */
export const KERNEL_NAME = "causalscope";
export const DISPLAY_NAME = "TypeScript (causalscope)";

/** Options of `install`. */
export interface InstallOptions {
  prefix?: string;
  user?: boolean;
  sysPrefix?: boolean;
  /** Python used to find sys.prefix for `sysPrefix` (default $PYTHON or python3). */
  python?: string;
  /** Kernelspec name (default "causalscope"). */
  name?: string;
  displayName?: string;
  /** V8 heap limit of the kernel in MiB, written to the kernelspec as $CAUSALSCOPE_HEAP_MIB (default: decided at each start, see supervisor.ts defaultHeapMib). */
  heapMib?: number;
}

/** The per-user Jupyter data directory. */
export function userDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  const home = os.homedir();
  if (process.platform === "darwin") return path.join(home, "Library", "Jupyter");
  if (process.platform === "win32") return path.join(process.env.APPDATA ?? path.join(home, "AppData", "Roaming"), "jupyter");
  return path.join(process.env.XDG_DATA_HOME ?? path.join(home, ".local", "share"), "jupyter");
}

/** The kernel.json this installation writes. */
export function kernelJson(displayName = DISPLAY_NAME, heapMib?: number): Record<string, unknown> {
  return {
    // --enable-source-maps: errors from the library point at its TypeScript sources.
    argv: [process.execPath, "--enable-source-maps", path.join(KERNEL_ROOT, "bin", "causalscope-kernel.js"), "kernel", "-f", "{connection_file}"],
    display_name: displayName,
    language: "typescript",
    // interrupt_request on control, answered by the I/O thread even while a cell
    // blocks the main thread (see io-thread.ts); SIGINT still works too.
    interrupt_mode: "message",
    env: heapMib === undefined ? {} : { CAUSALSCOPE_HEAP_MIB: String(heapMib) },
    metadata: { debugger: false },
  };
}

/** Where kernelspecs go for `options`. */
export function kernelsDir(options: InstallOptions): string {
  const modes = [options.prefix !== undefined, !!options.user, !!options.sysPrefix].filter(Boolean).length;
  if (modes > 1) throw new Error("install: give at most one of --prefix, --user, --sys-prefix");
  if (options.prefix !== undefined) {
    if (!options.prefix) throw new Error("install: --prefix needs a directory");
    return path.join(path.resolve(options.prefix), "share", "jupyter", "kernels");
  }
  if (options.sysPrefix) {
    const python = options.python ?? process.env.PYTHON ?? "python3";
    let prefix: string;
    try {
      prefix = execFileSync(python, ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" }).trim();
    } catch (e) {
      throw new Error(`install --sys-prefix: could not run ${python} to find sys.prefix: ${(e as Error).message}`);
    }
    return path.join(prefix, "share", "jupyter", "kernels");
  }
  return path.join(userDataDir(), "kernels");
}

/** Install the kernelspec; returns its directory. */
export function install(options: InstallOptions = {}): string {
  const name = options.name ?? KERNEL_NAME;
  if (!/^[a-z0-9._-]+$/i.test(name)) throw new Error(`install: kernel name ${JSON.stringify(name)} must be letters, digits, '.', '_' or '-'`);
  const entry = path.join(KERNEL_ROOT, "dist", "main.js");
  if (!fs.existsSync(entry)) throw new Error(`install: ${entry} is missing; build the kernel first (npm run build -w kernel)`);
  const dir = path.join(kernelsDir(options), name);
  fs.mkdirSync(dir, { recursive: true });
  replaceFile(path.join(dir, "kernel.json"), JSON.stringify(kernelJson(options.displayName, options.heapMib), null, 2) + "\n");
  for (const logo of ["logo-32x32.png", "logo-64x64.png", "logo-svg.svg"]) {
    const src = path.join(KERNEL_ROOT, "logos", logo);
    if (fs.existsSync(src)) replaceFile(path.join(dir, logo), fs.readFileSync(src));
  }
  return dir;
}

/**
 * Write `file` through a temporary sibling and a rename, so that a Jupyter
 * starting a kernel while another installation runs never reads a half-written
 * kernel.json (a rename within one directory is atomic on POSIX).
 */
function replaceFile(file: string, data: string | Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}
