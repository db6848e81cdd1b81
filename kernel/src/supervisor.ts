/**
 * The kernel process Jupyter starts is a small supervisor: it runs the real
 * kernel (`causalscope-kernel serve -f FILE`) as a child Node.js process with
 * a V8 heap limit (`--max-old-space-size`), and reports the child's death by
 * memory, which V8 otherwise signals only with an abort and a trace on the
 * server log:
 *
 * - the child tells the supervisor (IPC) the header of each shell request it
 *   starts;
 * - when the child dies with "JavaScript heap out of memory" on its stderr,
 *   the supervisor binds the iopub port the child had, waits (up to 3 s) for
 *   the front end's subscription to reconnect, and publishes on stderr, as
 *   output of the request that was running, `causalscope kernel ran out of
 *   memory (heap limit N MiB); restarting`, then exits with status 1. The
 *   Jupyter server's restarter (jupyter_client KernelRestarter, autorestart)
 *   then restarts the kernel, and the front end shows "restarting";
 * - any other exit status of the child is passed on as the supervisor's;
 *   SIGTERM is forwarded (SIGINT is ignored here: Jupyter and terminals
 *   signal the process group, so the child gets it directly); if the
 *   supervisor dies, the child sees its IPC channel close and exits.
 *
 * The heap limit is `$CAUSALSCOPE_HEAP_MIB` (what `causalscope-kernel install
 * --heap-mib N` writes into the kernelspec) or defaultHeapMib().
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { KERNEL_ROOT } from "./paths";
import type { Header } from "./wire";

/** Smallest heap limit accepted, in MiB (below this the kernel cannot even type-check a cell). */
export const MIN_HEAP_MIB = 128;

/**
 * Default V8 heap limit in MiB: half the memory available to the process
 * (the cgroup limit when there is one, else physical memory), at least
 * 1024. Half, because images and arrays live outside the V8 heap (typed
 * arrays, WebAssembly memory) and need the rest. Node's own default is
 * about 2-4 GiB whatever the machine.
 */
export function defaultHeapMib(totalBytes = os.totalmem(), constrainedBytes = process.constrainedMemory?.() ?? 0): number {
  const bytes = constrainedBytes > 0 && constrainedBytes < totalBytes ? constrainedBytes : totalBytes;
  return Math.max(1024, Math.floor(bytes / 2 / 2 ** 20));
}

/** Parse a heap size in MiB; errors name `what` (the flag or variable) and the reason. */
export function parseHeapMib(value: string, what: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) throw new Error(`${what}: heap size must be a whole number of MiB, got ${JSON.stringify(value)}`);
  if (n < MIN_HEAP_MIB) throw new Error(`${what}: heap size must be at least ${MIN_HEAP_MIB} MiB, got ${n}`);
  return n;
}

/** The heap limit the kernel runs with, in MiB: `--max-old-space-size` among `execArgv`, else `$CAUSALSCOPE_HEAP_MIB`, else the default. */
export function heapMib(execArgv: string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): number {
  for (const a of execArgv) {
    const m = /^--max[-_]old[-_]space[-_]size=(\d+)$/.exec(a);
    if (m) return Number(m[1]);
  }
  const v = env.CAUSALSCOPE_HEAP_MIB;
  return v !== undefined && v !== "" ? parseHeapMib(v, "$CAUSALSCOPE_HEAP_MIB") : defaultHeapMib();
}

/** Whether stderr text of the child says V8 ran out of heap. */
export function diedOfHeap(stderrTail: string): boolean {
  return /JavaScript heap out of memory|Reached heap limit|Fatal JavaScript out of memory/.test(stderrTail);
}

/** The message the front end gets when the kernel died of heap exhaustion. */
export function outOfMemoryMessage(mib: number): string {
  return (
    `causalscope kernel ran out of memory (heap limit ${mib} MiB); restarting.\n` +
    `Variables are lost. To allow more, reinstall the kernel with \`causalscope-kernel install --heap-mib N\` ` +
    `or set $CAUSALSCOPE_HEAP_MIB.\n`
  );
}

/** Run the kernel on `connectionFile` under supervision; resolves never (the process exits). */
export async function supervise(connectionFile: string): Promise<void> {
  const mib = heapMib();
  const hasFlag = process.execArgv.some((a) => /^--max[-_]old[-_]space[-_]size=/.test(a));
  const args = [...process.execArgv, ...(hasFlag ? [] : [`--max-old-space-size=${mib}`]), path.join(KERNEL_ROOT, "bin", "causalscope-kernel.js"), "serve", "-f", connectionFile];
  const child = spawn(process.execPath, args, { stdio: ["inherit", "inherit", "pipe", "ipc"] });
  let parent: Header | undefined;
  child.on("message", (m: { type?: string; header?: Header }) => {
    if (m?.type === "request") parent = m.header;
  });
  // V8's fatal message is followed by a long native stack trace: look at every
  // chunk (with the end of the previous one, for a message split in two).
  let tail = "";
  let outOfHeap = false;
  child.stderr!.on("data", (chunk: Buffer) => {
    process.stderr.write(chunk);
    tail = tail.slice(-200) + chunk.toString("utf8");
    outOfHeap ||= diedOfHeap(tail);
  });
  // SIGINT is not forwarded: Jupyter signals the whole process group, the child included.
  process.on("SIGINT", () => undefined);
  process.on("SIGTERM", () => child.kill("SIGTERM"));
  // "close": the child exited and its stderr is read to the end.
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on("close", (c, s) => resolve([c, s])));
  if (outOfHeap) {
    const text = outOfMemoryMessage(mib);
    process.stderr.write(`[causalscope-kernel] ${text}`);
    try {
      await announce(connectionFile, text, parent);
    } catch (e) {
      process.stderr.write(`[causalscope-kernel] could not tell the front end: ${(e as Error).message}\n`);
    }
    process.exit(1);
  }
  if (signal) process.kill(process.pid, signal);
  process.exit(code ?? 1);
}

/** Publish `text` on the kernel's iopub port as a stderr stream of `parent`, once a subscriber is back (at most 3 s). */
async function announce(connectionFile: string, text: string, parent: Header | undefined): Promise<void> {
  // Loaded only here: the supervisor stays small.
  /* eslint-disable @typescript-eslint/no-var-requires */
  const zmq = require("zeromq") as typeof import("zeromq");
  const { encode, makeHeader, Signer } = require("./wire") as typeof import("./wire");
  /* eslint-enable @typescript-eslint/no-var-requires */
  const info = JSON.parse(fs.readFileSync(connectionFile, "utf8"));
  const signer = new Signer(info.key ?? "", info.signature_scheme ?? "hmac-sha256");
  const session = parent?.session ?? "causalscope-supervisor";
  const url = info.transport === "ipc" ? `ipc://${info.ip}-${info.iopub_port}` : `tcp://${info.ip ?? "127.0.0.1"}:${info.iopub_port}`;
  const pub = new zmq.XPublisher({ linger: 2000 });
  await pub.bind(url);
  try {
    const subscribed = (async () => {
      for await (const [frame] of pub) if (frame.length > 0 && frame[0] === 1) return;
    })();
    subscribed.catch(() => undefined);
    await Promise.race([subscribed, new Promise((r) => setTimeout(r, 3000))]);
    // Let the subscriber's other subscriptions (topics) arrive too.
    await new Promise((r) => setTimeout(r, 200));
    const header = makeHeader("stream", session);
    const frames = encode({ header, parent_header: parent ?? {}, metadata: {}, content: { name: "stderr", text }, buffers: [] }, signer);
    await pub.send([Buffer.from(`kernel.${session}.stream`), ...frames]);
    // send() only queues; give ZeroMQ's I/O thread time to write it out before the process exits.
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    pub.close();
  }
}
