/**
 * `causalscope-worker`: a cluster worker process (./worker.ts).
 *
 *   npx causalscope-worker --redis redis://host:6379 [--queue causalscope] [--concurrency 1] [--lock-ms 30000]
 *
 * Prints one line when it is connected ("... ready ..."), logs failed jobs
 * to stderr, and on SIGINT/SIGTERM finishes the jobs in hand and exits.
 */
import { startWorker, type WorkerOptions } from "./worker";

const USAGE = "usage: causalscope-worker --redis redis://host:port [--queue NAME] [--concurrency N] [--lock-ms MS]";

/** Worker options from command-line arguments; throws naming the argument on a bad or missing one. */
export function parseArgs(argv: readonly string[]): WorkerOptions {
  const o: WorkerOptions = { redis: "" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], v = argv[i + 1];
    const int = () => { const n = Number(v); if (!Number.isInteger(n)) throw new RangeError(`causalscope-worker: ${a} needs an integer, got ${JSON.stringify(v)}\n${USAGE}`); i++; return n; };
    if (a === "--redis") { o.redis = v ?? ""; i++; }
    else if (a === "--queue") { o.queue = v; i++; }
    else if (a === "--concurrency") o.concurrency = int();
    else if (a === "--lock-ms") o.lockMs = int();
    else throw new TypeError(`causalscope-worker: unknown argument ${JSON.stringify(a)}\n${USAGE}`);
  }
  if (!/^rediss?:\/\/[^/]/.test(o.redis)) throw new TypeError(`causalscope-worker: --redis must be a Redis URL like redis://host:6379, got ${JSON.stringify(o.redis)}\n${USAGE}`);
  return o;
}

/** Run the worker command with `argv` (the arguments after the command name). */
export async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) { console.log(USAGE); return; }
  const options = parseArgs(argv);
  const worker = startWorker({ ...options, log: (line) => console.error(`causalscope-worker ${process.pid}: ${line}`) });
  const stop = () => { void worker.close().then(() => process.exit(0)); };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await worker.ready();
  console.log(`causalscope-worker ${worker.id}: ready on queue "${options.queue ?? "causalscope"}" at ${options.redis}`);
}
