/**
 * Command line of the causalscope kernel:
 *
 *   causalscope-kernel install [--prefix DIR | --user | --sys-prefix] [--name N] [--display-name D] [--python PY] [--heap-mib N]
 *   causalscope-kernel kernel -f CONNECTION_FILE     (what Jupyter runs; see kernel.json): the
 *       supervisor (supervisor.ts), which runs `serve` in a child process with the heap limit
 *   causalscope-kernel serve -f CONNECTION_FILE      the kernel itself, in this process
 *   causalscope-kernel CONNECTION_FILE               same as `kernel -f`
 */
import { install, type InstallOptions } from "./install";
import { parseHeapMib } from "./supervisor";

const USAGE = `usage:
  causalscope-kernel install [--prefix DIR | --user | --sys-prefix] [--name NAME] [--display-name TEXT] [--python PY] [--heap-mib N]
  causalscope-kernel kernel -f CONNECTION_FILE
  causalscope-kernel serve -f CONNECTION_FILE`;

/** Parse `argv` (without node and the script) and run the command. */
export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === "install") {
    const opts: InstallOptions = {};
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i];
      const value = (): string => {
        const [flag, inline] = a.split("=", 2);
        if (inline !== undefined) return inline;
        const v = rest[++i];
        if (v === undefined) throw new Error(`install: ${flag} needs a value`);
        return v;
      };
      if (a === "--user") opts.user = true;
      else if (a === "--sys-prefix") opts.sysPrefix = true;
      else if (a.startsWith("--prefix")) opts.prefix = value();
      else if (a.startsWith("--name")) opts.name = value();
      else if (a.startsWith("--display-name")) opts.displayName = value();
      else if (a.startsWith("--python")) opts.python = value();
      else if (a.startsWith("--heap-mib")) opts.heapMib = parseHeapMib(value(), "install --heap-mib");
      else throw new Error(`install: unknown option ${a}\n${USAGE}`);
    }
    const dir = install(opts);
    console.log(`Installed kernelspec ${opts.name ?? "causalscope"} in ${dir}`);
    return;
  }
  let file: string | undefined;
  if (command === "kernel" || command === "run" || command === "serve") {
    const i = rest.findIndex((a) => a === "-f" || a === "--connection-file");
    file = i >= 0 ? rest[i + 1] : rest[0];
  } else if (command === "-f") file = rest[0];
  else if (command && !command.startsWith("-")) file = command;
  if (!file) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  if (command !== "serve") {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { supervise } = require("./supervisor") as typeof import("./supervisor");
    await supervise(file);
    return;
  }
  // Loaded here so that `install` and the supervisor do not pay for the TypeScript compiler.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { runKernel } = require("./server") as typeof import("./server");
  await runKernel(file);
}
