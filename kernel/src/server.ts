/**
 * The kernel's Jupyter protocol layer (messaging spec 5.3). Every ZeroMQ
 * socket lives in an I/O worker thread (io-thread.ts): output, liveness and
 * interrupts keep working while a cell computes; signatures and replays are
 * checked there. This thread handles the requests the I/O thread posts and
 * posts back signed frames to send.
 *
 * Shell requests are handled strictly one after another, every one of them
 * (an error never drops or aborts the requests queued behind it); control
 * requests (shutdown, kernel_info) are handled as they arrive;
 * interrupt_request is answered by the I/O thread itself.
 * Every request is bracketed by `status: busy` / `status: idle` on iopub
 * with the request as parent header.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";

import { completePath, isComplete, qualifyMatches } from "./complete";
import { Engine, errorOf, KERNEL_ROOT, runInterruptible, type CellError } from "./engine";
import { History, type HistoryRequest } from "./history";
import { interruptState } from "./interrupt";
import { requestProblem } from "./requests";
import type { Channel, IoWorkerData } from "./io-thread";
import { bundleOf, KERNEL_BRIDGE, normalizeBundle, plainText, type MimeBundle } from "./mime";
import { codePointsToUtf16, encode, makeHeader, PROTOCOL_VERSION, Signer, utf16ToCodePoints, type Message } from "./wire";

/** A Jupyter connection file. */
export interface ConnectionInfo {
  transport: string;
  ip: string;
  shell_port: number;
  control_port: number;
  stdin_port: number;
  iopub_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
  kernel_name?: string;
}

/** Read and check a connection file; errors name the file and the field. */
export function readConnectionFile(file: string): ConnectionInfo {
  let info: ConnectionInfo;
  try {
    info = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`connection file ${file}: ${(e as Error).message}`);
  }
  for (const k of ["shell_port", "control_port", "stdin_port", "iopub_port", "hb_port"] as const) {
    if (typeof info[k] !== "number") throw new Error(`connection file ${file}: ${k} is missing or not a number`);
  }
  info.transport ??= "tcp";
  info.ip ??= "127.0.0.1";
  info.key ??= "";
  info.signature_scheme ??= "hmac-sha256";
  return info;
}

function url(info: ConnectionInfo, port: number): string {
  return info.transport === "ipc" ? `ipc://${info.ip}-${port}` : `tcp://${info.ip}:${port}`;
}

/**
 * Where input history persists: `$CAUSALSCOPE_HISTORY` ("off" or "" for
 * memory only), else `<Jupyter data dir>/causalscope/history.jsonl`.
 */
export function historyFile(): string | undefined {
  const env = process.env.CAUSALSCOPE_HISTORY;
  if (env !== undefined) return env === "" || env === "off" ? undefined : env;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { userDataDir } = require("./install") as typeof import("./install");
  return path.join(userDataDir(), "causalscope", "history.jsonl");
}

/** Characters of stream text per `stream` message (large prints are split). */
export const STREAM_CHUNK = 256 * 1024;
/** How long stream text may wait before it is sent, in ms. */
const STREAM_DELAY = 30;

/** A comm (ipywidgets-style channel) known to the kernel. */
interface Comm {
  target: string;
  onMessage?: (data: unknown, buffers?: Buffer[]) => unknown;
  onClose?: (data: unknown) => unknown;
}

type CommTargetHandler = (
  commId: string,
  data: unknown,
  send: (data: unknown) => void,
) => ((data: unknown) => void) | void | { onMessage?: (data: unknown) => void; onClose?: (data: unknown) => void };

/** JupyterLab's completion type for a TypeScript completion-entry kind. */
function completionType(kind: string): string {
  switch (kind) {
    case "function":
    case "local function":
    case "method":
      return "function";
    case "class":
    case "local class":
      return "class";
    case "interface":
    case "type":
    case "enum":
      return "class";
    case "module":
    case "external module name":
    case "alias":
      return "module";
    case "keyword":
      return "keyword";
    case "parameter":
      return "param";
    case "property":
    case "getter":
    case "setter":
      return "property";
    case "var":
    case "let":
    case "const":
    case "local var":
      return "instance";
    default:
      return kind || "<unknown>";
  }
}

/** Options of `display()` in cells and of the bridge. */
export interface KernelDisplayOptions {
  raw?: boolean;
  displayId?: string | true;
  display_id?: string | true;
  update?: boolean;
  metadata?: Record<string, unknown>;
}

/** The running kernel. */
export class Kernel {
  private readonly signer: Signer;
  private readonly session = randomUUID();
  /** The I/O worker: every socket (see io-thread.ts). */
  private io?: Worker;
  /** Interrupt state shared with the I/O thread and the engine. */
  private readonly interrupts = interruptState();
  /** Async iopub work (displays awaiting their bundle) and the sends queued behind it. */
  private iopubChain: Promise<void> = Promise.resolve();
  private iopubQueued = 0;
  private readonly engine: Engine;
  private readonly history = new History(Math.floor(Date.now() / 1000), historyFile());
  private executionCount = 0;
  /** The request whose outputs are being produced (parent header of iopub messages). */
  private parent?: Message;
  private readonly shellQueue: Message[] = [];
  private shellBusy = false;
  private readonly comms = new Map<string, Comm>();
  private readonly commTargets = new Map<string, CommTargetHandler>();
  private streamSegments: { name: "stdout" | "stderr"; text: string }[] = [];
  private streamTimer?: NodeJS.Timeout;
  private lastStreamFlush = 0;
  private readonly pendingInputs = new Map<string, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  private readonly originalWrite = {
    stdout: process.stdout.write.bind(process.stdout),
    stderr: process.stderr.write.bind(process.stderr),
  };
  private shuttingDown = false;
  /** Set by shutdown_request: exit once its reply and idle status are out. */
  private exitAfterRequest = false;

  constructor(private readonly info: ConnectionInfo) {
    this.signer = new Signer(info.key, info.signature_scheme);
    this.engine = new Engine({ rootDir: process.cwd(), interruptFlags: this.interrupts });
    this.engine.interruptListeners.push(() => this.rejectInputs());
  }

  /** Log a kernel-side problem to the real stderr (the Jupyter server's log). */
  private log(...parts: unknown[]): void {
    this.originalWrite.stderr(`[causalscope-kernel] ${parts.map((p) => (typeof p === "string" ? p : plainText(p))).join(" ")}\n`);
  }

  /** Start the I/O thread (binding every socket), install the globals and start serving. */
  async start(): Promise<void> {
    // Before the I/O thread exists: its SIGINTs (see io-thread.ts) must never hit Node's default handler.
    process.on("SIGINT", () => this.engine.signalled());
    process.on("SIGTERM", () => void this.shutdown(0));
    // Under the supervisor: exit with it.
    process.on("disconnect", () => void this.shutdown(0));
    const i = this.info;
    await this.startIoWorker({
      hb: url(i, i.hb_port),
      iopub: url(i, i.iopub_port),
      shell: url(i, i.shell_port),
      control: url(i, i.control_port),
      stdin: url(i, i.stdin_port),
    });
    this.captureStreams();
    this.installGlobals();
    process.on("uncaughtException", (e) => this.reportBackgroundError("uncaught exception", e));
    process.on("unhandledRejection", (e) => this.reportBackgroundError("unhandled promise rejection", e));
    // No "starting" status: with XPUB the first message a subscriber sees
    // must be its iopub_welcome (JEP 65).
  }

  private async startIoWorker(urls: IoWorkerData["urls"]): Promise<void> {
    const supervisor = process.send && process.connected ? process.ppid : undefined;
    const workerData: IoWorkerData = { urls, key: this.info.key, scheme: this.info.signature_scheme, session: this.session, interrupts: this.interrupts, supervisor };
    const worker = new Worker(path.join(__dirname, "io-thread.js"), { workerData });
    this.io = worker;
    await new Promise<void>((resolve, reject) => {
      worker.once("message", (m: { type: string; text?: string }) =>
        m.type === "ready" ? resolve() : reject(new Error(`I/O thread (sockets ${Object.values(urls).join(", ")}): ${m.text}`)),
      );
      worker.once("error", reject);
    });
    worker.on("message", (m: { type: string; channel?: Channel; msg?: Message; text?: string }) => this.fromIo(m));
    worker.on("error", (e) => this.log("I/O thread failed:", e.message));
    worker.on("exit", (code) => {
      if (this.shuttingDown) return;
      // Without its sockets the kernel is deaf: exit, so that the Jupyter server restarts it.
      this.log(`I/O thread exited (code ${code}); the kernel exits`);
      process.exit(1);
    });
  }

  /** A message from the I/O thread: a request, an interrupt, or a line for the log. */
  private fromIo(m: { type: string; channel?: Channel; msg?: Message; text?: string }): void {
    if (m.type === "interrupt") this.engine.handleInterrupt();
    else if (m.type === "log" || m.type === "error") this.log(m.text ?? "");
    else if (m.type === "recv" && m.msg) {
      // Buffers arrive as plain Uint8Arrays after the thread hop.
      const msg = m.msg;
      msg.identities = msg.identities.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
      msg.buffers = msg.buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
      if (m.channel === "shell") this.enqueueShell(msg);
      else if (m.channel === "control") void this.handleRequest("control", msg);
      else if (m.channel === "stdin") this.handleStdin(msg);
    }
  }

  /** Hand frames to the I/O thread for `channel` (sent in the order posted). */
  private sendOn(channel: Channel, frames: Buffer[]): void {
    if (this.shuttingDown && !this.io) return;
    this.io?.postMessage({ type: "send", channel, frames });
  }

  /** Frames of an iopub message (topic frame first). */
  private iopubFrames(msgType: string, content: Record<string, unknown>, parent: Message | undefined, buffers: Buffer[] = []): Buffer[] {
    const header = makeHeader(msgType, this.session);
    const frames = encode({ header, parent_header: parent?.header ?? {}, metadata: {}, content, buffers }, this.signer);
    return [Buffer.from(`kernel.${this.session}.${msgType}`), ...frames];
  }

  /** Publish on iopub with `parent` as parent header (stream text buffered before is sent first). */
  private publish(msgType: string, content: Record<string, unknown>, parent: Message | undefined, buffers: Buffer[] = []): Promise<void> {
    if (msgType !== "stream") this.flushStreams();
    return this.publishRaw(msgType, content, parent, buffers);
  }

  private publishRaw(msgType: string, content: Record<string, unknown>, parent: Message | undefined, buffers: Buffer[] = []): Promise<void> {
    this.sendIopub(this.iopubFrames(msgType, content, parent, buffers));
    return this.iopubChain;
  }

  /** Reply to `req` on `channel` (routing back through its identities). */
  private async reply(channel: Channel, req: Message, msgType: string, content: Record<string, unknown>, metadata: Record<string, unknown> = {}): Promise<void> {
    const header = makeHeader(msgType, this.session, req.header.username ?? "kernel");
    this.sendOn(channel, encode({ identities: req.identities, header, parent_header: req.header, metadata, content, buffers: [] }, this.signer));
  }

  /** Hand iopub frames to the I/O thread (synchronously, unless async displays are queued before them). */
  private postIopub(frames: Buffer[]): void {
    this.sendOn("iopub", frames);
  }

  /** Send iopub frames, after any queued async display. */
  private sendIopub(frames: Buffer[]): void {
    if (this.iopubQueued === 0) {
      this.postIopub(frames);
      return;
    }
    this.iopubQueued++;
    this.iopubChain = this.iopubChain.then(() => {
      this.iopubQueued--;
      this.postIopub(frames);
    });
  }

  /** Queue iopub messages that must wait for something (an async MIME bundle), keeping output order. */
  private enqueueIopub(produce: () => Promise<Buffer[][]>): void {
    this.iopubQueued++;
    this.iopubChain = this.iopubChain.then(async () => {
      let list: Buffer[][] = [];
      try {
        list = await produce();
      } catch (e) {
        this.log("display failed:", (e as Error).message);
      }
      this.iopubQueued--;
      for (const f of list) this.postIopub(f);
    });
  }

  /** Wait until everything for iopub has been handed to the I/O thread. */
  private async drainIopub(): Promise<void> {
    this.flushStreams();
    while (this.iopubQueued > 0) await this.iopubChain;
  }

  // --- stdout / stderr ------------------------------------------------------

  /** Route process.stdout/stderr writes (console.log included) to `stream` messages. */
  private captureStreams(): void {
    for (const name of ["stdout", "stderr"] as const) {
      const stream = process[name];
      stream.write = ((chunk: unknown, encoding?: unknown, cb?: unknown): boolean => {
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString(typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
        this.writeStream(name, text);
        const done = typeof encoding === "function" ? encoding : cb;
        if (typeof done === "function") process.nextTick(done as () => void);
        return true;
      }) as typeof stream.write;
    }
  }

  /** Buffer stream text; full chunks go out at once, the rest after a short delay. */
  writeStream(name: "stdout" | "stderr", text: string): void {
    if (!text) return;
    const last = this.streamSegments[this.streamSegments.length - 1];
    if (last && last.name === name) last.text += text;
    else this.streamSegments.push({ name, text });
    let pending = 0;
    for (const s of this.streamSegments) pending += s.text.length;
    // Flush at once when a chunk is full, or when the text has waited long
    // enough (a synchronous loop never lets the timer below fire).
    if (pending >= STREAM_CHUNK || Date.now() - this.lastStreamFlush >= STREAM_DELAY) this.flushStreams();
    else if (!this.streamTimer) this.streamTimer = setTimeout(() => this.flushStreams(), STREAM_DELAY);
  }

  /** Send buffered stream text, in chunks of at most STREAM_CHUNK characters. */
  private flushStreams(): void {
    this.lastStreamFlush = Date.now();
    if (this.streamTimer) {
      clearTimeout(this.streamTimer);
      this.streamTimer = undefined;
    }
    const segments = this.streamSegments;
    this.streamSegments = [];
    for (const { name, text } of segments) {
      for (let i = 0; i < text.length; ) {
        let end = Math.min(text.length, i + STREAM_CHUNK);
        // Never split a surrogate pair.
        if (end < text.length && /[\udc00-\udfff]/.test(text[end])) end--;
        void this.publishRaw("stream", { name, text: text.slice(i, end) }, this.parent);
        i = end;
      }
    }
  }

  private reportBackgroundError(what: string, e: unknown): void {
    if ((e as { code?: string })?.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") {
      this.writeStream("stderr", `KeyboardInterrupt: stopped a running ${what === "uncaught exception" ? "callback" : what}\n`);
      return;
    }
    const err = this.engine.describeError(e);
    this.writeStream("stderr", `${what}: ${err.traceback.join("\n") || `${err.ename}: ${err.evalue}`}\n`);
  }

  // --- display, comms, input: what cells and the library see -----------------

  /** The display_data / update_display_data message (type and content) for `bundle`. */
  private displayMessage(bundle: MimeBundle, options: KernelDisplayOptions): [string, Record<string, unknown>] {
    const id = options.displayId ?? options.display_id;
    if (options.update && typeof id !== "string") throw new Error("display: update needs a displayId (the output to replace)");
    const content: Record<string, unknown> = { data: bundle, metadata: options.metadata ?? {}, transient: typeof id === "string" ? { display_id: id } : {} };
    return [options.update ? "update_display_data" : "display_data", content];
  }

  /** Send a display_data / update_display_data for `bundle`. */
  displayBundle(bundle: MimeBundle, options: KernelDisplayOptions = {}): void {
    const [type, content] = this.displayMessage(bundle, options);
    void this.publish(type, content, this.parent);
  }

  /**
   * IPython-like `display(value, options?)`: a displayable value goes out as
   * its MIME bundle, anything else as text/plain; with `raw: true` the value
   * is sent as the bundle it is. With a display id (a string, or `true` for
   * a fresh one) it returns a handle whose `update()` replaces that output.
   * Outputs keep their order even when a bundle is made asynchronously.
   */
  display(value: unknown, options: KernelDisplayOptions = {}): DisplayHandle | undefined {
    let id = options.displayId ?? options.display_id;
    if (id === true) id = randomUUID();
    const opts = { ...options, displayId: id, display_id: undefined };
    const parent = this.parent;
    if (options.raw) {
      this.displayBundle(normalizeBundle(value as MimeBundle), opts);
    } else {
      if (opts.update && typeof id !== "string") throw new Error("display: update needs a displayId (the output to replace)");
      this.flushStreams();
      const ready = bundleOf(value);
      ready.catch(() => {});
      this.enqueueIopub(async () => {
        try {
          const [type, content] = this.displayMessage(await this.engine.race(ready), opts);
          return [this.iopubFrames(type, content, parent)];
        } catch (e) {
          const err = this.engine.describeError(e);
          return [this.iopubFrames("stream", { name: "stderr", text: `display: could not make the MIME bundle: ${err.ename}: ${err.evalue}\n` }, parent)];
        }
      });
    }
    if (typeof id !== "string") return undefined;
    const displayId = id;
    return {
      displayId,
      update: (v: unknown, o: KernelDisplayOptions = {}) => void this.display(v, { ...o, displayId, update: true }),
      display: (v: unknown, o: KernelDisplayOptions = {}) => void this.display(v, { ...o, displayId }),
    };
  }

  /** `clear_output` for the current cell. */
  clearOutput(wait = false): void {
    void this.publish("clear_output", { wait }, this.parent);
  }

  /** Open a comm to the front end; returns its id. */
  openComm(target: string, data: unknown = {}, onMessage?: (data: unknown) => void, metadata: Record<string, unknown> = {}): string {
    const commId = randomUUID();
    this.comms.set(commId, { target, onMessage });
    void this.publish("comm_open", { comm_id: commId, target_name: target, data: data ?? {}, metadata }, this.parent);
    return commId;
  }

  /** Send `data` (and binary `buffers`, as ipywidgets does) on an open comm. */
  sendComm(commId: string, data: unknown = {}, buffers: Uint8Array[] = []): void {
    if (!this.comms.has(commId)) throw new Error(`sendComm: no open comm with id ${commId}`);
    const bufs = buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    void this.publish("comm_msg", { comm_id: commId, data: data ?? {} }, this.parent, bufs);
  }

  /** Close an open comm (telling the front end). */
  closeComm(commId: string, data: unknown = {}): void {
    if (!this.comms.delete(commId)) throw new Error(`closeComm: no open comm with id ${commId}`);
    void this.publish("comm_close", { comm_id: commId, data: data ?? {} }, this.parent);
  }

  /** Handle comms the front end opens on `target`. */
  registerCommTarget(target: string, onOpen: CommTargetHandler): void {
    if (typeof onOpen !== "function") throw new TypeError(`registerCommTarget(${JSON.stringify(target)}): onOpen must be a function`);
    this.commTargets.set(target, onOpen);
  }

  /** Ask the front end for a line of input (stdin channel). */
  input(prompt = "", options: { password?: boolean } = {}): Promise<string> {
    const req = this.parent;
    if (!req || req.header.msg_type !== "execute_request") return Promise.reject(new Error("input: only available while a cell runs"));
    if (!(req.content as { allow_stdin?: boolean }).allow_stdin) return Promise.reject(new Error("input: this front end does not accept input requests (allow_stdin is false)"));
    this.flushStreams();
    const header = makeHeader("input_request", this.session);
    const frames = encode({ identities: req.identities, header, parent_header: req.header, metadata: {}, content: { prompt: String(prompt), password: !!options.password }, buffers: [] }, this.signer);
    return new Promise<string>((resolve, reject) => {
      this.pendingInputs.set(header.msg_id, { resolve, reject });
      this.sendOn("stdin", frames);
    });
  }

  /** Reject pending input requests (an interrupt listener of the engine). */
  private rejectInputs(): void {
    for (const [id, p] of this.pendingInputs) {
      this.pendingInputs.delete(id);
      p.reject(Object.assign(new Error("input interrupted"), { name: "KeyboardInterrupt" }));
    }
  }

  private handleStdin(msg: Message): void {
    if (msg.header.msg_type !== "input_reply") return;
    const id = msg.parent_header.msg_id;
    const pending = id ? this.pendingInputs.get(id) : undefined;
    const first = this.pendingInputs.entries().next().value;
    const entry = pending ? [id!, pending] as const : first;
    if (!entry) return;
    this.pendingInputs.delete(entry[0]);
    entry[1].resolve(String((msg.content as { value?: unknown }).value ?? ""));
  }

  /** Globals of every cell: display, clearOutput, input, cs, and the library's kernel bridge. */
  private installGlobals(): void {
    const g = globalThis as Record<string | symbol, unknown>;
    g.display = (value: unknown, options?: KernelDisplayOptions) => this.display(value, options);
    g.clearOutput = (wait?: boolean) => this.clearOutput(wait);
    g.input = (prompt?: string, options?: { password?: boolean }) => this.input(prompt, options);
    g[KERNEL_BRIDGE] = {
      display: (bundle: MimeBundle, options?: KernelDisplayOptions) => this.displayBundle(normalizeBundle(bundle), options),
      openComm: (target: string, data: unknown, onMessage?: (data: unknown) => void) => this.openComm(target, data, onMessage),
      registerCommTarget: (target: string, onOpen: CommTargetHandler) => this.registerCommTarget(target, onOpen),
      sendComm: (commId: string, data: unknown, buffers?: Uint8Array[]) => this.sendComm(commId, data, buffers),
      closeComm: (commId: string, data?: unknown) => this.closeComm(commId, data),
      clearOutput: (wait?: boolean) => this.clearOutput(wait),
    };
    let lib: unknown;
    Object.defineProperty(g, "cs", {
      configurable: true,
      enumerable: false,
      get: () => {
        if (lib === undefined) {
          try {
            lib = require(require.resolve("causalscope", { paths: [process.cwd(), KERNEL_ROOT] }));
          } catch (e) {
            throw new Error(`cs: the causalscope library could not be loaded (run \`npm run build -w src\`): ${(e as Error).message}`);
          }
        }
        return lib;
      },
      set: (v) => {
        lib = v;
      },
    });
  }

  // --- request handling ----------------------------------------------------

  private enqueueShell(msg: Message): void {
    this.shellQueue.push(msg);
    if (!this.shellBusy) void this.drainShell();
  }

  private async drainShell(): Promise<void> {
    this.shellBusy = true;
    try {
      while (this.shellQueue.length > 0) {
        const msg = this.shellQueue.shift()!;
        await this.handleRequest("shell", msg);
      }
    } finally {
      this.shellBusy = false;
    }
  }

  /** One request: busy, the handler, its outputs, idle. */
  private async handleRequest(sock: Channel, msg: Message): Promise<void> {
    const savedParent = this.parent;
    if (sock === "shell") {
      this.parent = msg;
      // The supervisor names this request if the process dies of memory while it runs (supervisor.ts).
      if (process.send && process.connected) process.send({ type: "request", header: msg.header }, undefined, {}, () => undefined);
    }
    void this.publish("status", { execution_state: "busy" }, msg);
    try {
      await this.dispatch(sock, msg);
    } catch (e) {
      this.log(`handling ${msg.header.msg_type} failed:`, e);
    }
    await this.drainIopub();
    await this.publish("status", { execution_state: "idle" }, msg);
    if (sock !== "shell") this.parent = savedParent;
    if (this.exitAfterRequest) await this.shutdown(0);
  }

  private async dispatch(sock: Channel, msg: Message): Promise<void> {
    const c = msg.content as Record<string, unknown>;
    const problem = requestProblem(msg.header.msg_type, msg.content);
    if (problem) return this.refuse(sock, msg, problem);
    switch (msg.header.msg_type) {
      case "kernel_info_request":
        return this.reply(sock, msg, "kernel_info_reply", this.kernelInfo());
      case "execute_request":
        return this.execute(sock, msg);
      case "complete_request":
        return this.reply(sock, msg, "complete_reply", this.complete(String(c.code ?? ""), c.cursor_pos as number | undefined));
      case "inspect_request":
        return this.reply(sock, msg, "inspect_reply", this.inspect(String(c.code ?? ""), c.cursor_pos as number | undefined));
      case "is_complete_request":
        return this.reply(sock, msg, "is_complete_reply", { ...isComplete(String(c.code ?? "")) });
      case "history_request":
        return this.reply(sock, msg, "history_reply", { status: "ok", history: this.history.query(c as HistoryRequest) });
      case "comm_info_request": {
        const comms: Record<string, { target_name: string }> = {};
        for (const [id, comm] of this.comms) {
          if (!c.target_name || c.target_name === comm.target) comms[id] = { target_name: comm.target };
        }
        return this.reply(sock, msg, "comm_info_reply", { status: "ok", comms });
      }
      case "comm_open":
        return this.commOpen(c);
      case "comm_msg":
        return this.commMsg(c, msg.buffers);
      case "comm_close":
        return this.commClose(c);
      case "shutdown_request": {
        const restart = !!c.restart;
        this.exitAfterRequest = true;
        return this.reply(sock, msg, "shutdown_reply", { status: "ok", restart });
      }
      case "connect_request":
        return this.reply(sock, msg, "connect_reply", {
          shell_port: this.info.shell_port,
          iopub_port: this.info.iopub_port,
          stdin_port: this.info.stdin_port,
          hb_port: this.info.hb_port,
          control_port: this.info.control_port,
        });
      case "usage_request":
        return this.reply(sock, msg, "usage_reply", {
          hostname: require("node:os").hostname(),
          pid: process.pid,
          kernel_cpu: 0,
          kernel_memory: process.memoryUsage().rss,
        });
      default: {
        const type = msg.header.msg_type;
        if (type.endsWith("_request")) {
          await this.reply(sock, msg, type.replace(/_request$/, "_reply"), {
            status: "error",
            ename: "NotImplementedError",
            evalue: `${type} is not supported by the causalscope kernel`,
            traceback: [],
          });
        } else this.log("ignored message of type", type);
      }
    }
  }

  /** Answer a malformed request with an error reply naming the problem (a malformed comm message is only logged). */
  private async refuse(sock: Channel, msg: Message, problem: string): Promise<void> {
    const type = msg.header.msg_type;
    if (!type.endsWith("_request")) {
      this.log("ignored a malformed message:", problem);
      return;
    }
    const error = { status: "error", ename: "InvalidRequest", evalue: problem, traceback: [`InvalidRequest: ${problem}`] };
    const extra = type === "execute_request" ? { execution_count: this.executionCount, user_expressions: {}, payload: [] } : {};
    await this.reply(sock, msg, type.replace(/_request$/, "_reply"), { ...error, ...extra }, { status: "error" });
  }

  /** kernel_info_reply content. */
  kernelInfo(): Record<string, unknown> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const tsVersion: string = require("@tslab/typescript-for-tslab").version;
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const version: string = require(path.join(KERNEL_ROOT, "package.json")).version;
    return {
      status: "ok",
      protocol_version: PROTOCOL_VERSION,
      implementation: "causalscope",
      implementation_version: version,
      language_info: {
        name: "typescript",
        version: tsVersion,
        mimetype: "text/typescript",
        file_extension: ".ts",
        pygments_lexer: "typescript",
        codemirror_mode: "typescript",
        nbconvert_exporter: "script",
      },
      banner: `causalscope ${version}: TypeScript ${tsVersion} on Node.js ${process.version}; the library is loaded as \`cs\``,
      help_links: [
        { text: "TypeScript handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" },
        { text: "Node.js API", url: "https://nodejs.org/docs/latest-v20.x/api/" },
        { text: "Vega-Lite", url: "https://vega.github.io/vega-lite/docs/" },
      ],
      debugger: false,
    };
  }

  /** `?name` / `name?` cells page the name's quick info, as IPython does. */
  private pageRequest(code: string): string | undefined {
    const t = code.trim();
    const m = /^\?{1,2}\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)$/.exec(t) ?? /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\?{1,2}$/.exec(t);
    return m?.[1];
  }

  private async execute(sock: Channel, msg: Message): Promise<void> {
    const c = msg.content as { code?: string; silent?: boolean; store_history?: boolean; user_expressions?: Record<string, string> };
    const code = String(c.code ?? "");
    const silent = !!c.silent;
    const storeHistory = silent ? false : c.store_history !== false;
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    if (!silent) void this.publish("execute_input", { code, execution_count: count }, msg);
    if (storeHistory) this.history.add(count, code);

    const payload: Record<string, unknown>[] = [];
    let error: CellError | undefined;
    const page = this.pageRequest(code);
    if (page) {
      const text = this.engine.inspect(page, page.length);
      if (text) payload.push({ source: "page", data: { "text/plain": text }, start: 0 });
      else this.writeStream("stdout", `Object \`${page}\` not found.\n`);
    } else if (code.trim() !== "") {
      const outcome = await this.engine.execute(code, `In[${count}]`);
      if (outcome.status === "error") {
        error = { ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback };
      } else if (outcome.hasValue) {
        try {
          const data = await this.engine.race(bundleOf(outcome.value));
          if (!silent) await this.publish("execute_result", { execution_count: count, data, metadata: {} }, msg);
          if (storeHistory) this.history.setOutput(count, String(data["text/plain"] ?? ""));
        } catch (e) {
          error = this.engine.describeError(e);
        }
      }
    }
    await this.drainIopub();
    if (error && !silent) await this.publish("error", { ...error }, msg);
    const userExpressions: Record<string, unknown> = {};
    for (const [name, expr] of Object.entries(c.user_expressions ?? {})) {
      try {
        userExpressions[name] = { status: "ok", data: await bundleOf(this.engine.evaluate(String(expr))), metadata: {} };
      } catch (e) {
        userExpressions[name] = { status: "error", ...errorOf(e) };
      }
    }
    if (error) {
      await this.reply(sock, msg, "execute_reply", { status: "error", execution_count: count, ...error, user_expressions: userExpressions, payload: [] }, { status: "error" });
    } else {
      await this.reply(sock, msg, "execute_reply", { status: "ok", execution_count: count, payload, user_expressions: userExpressions }, { status: "ok" });
    }
  }

  private complete(code: string, cursorPos?: number): Record<string, unknown> {
    const pos = codePointsToUtf16(code, cursorPos ?? Number.MAX_SAFE_INTEGER);
    let start = pos;
    let end = pos;
    let matches: string[] = [];
    let types: { start: number; end: number; text: string; type: string }[] = [];
    try {
      const r = this.engine.complete(code, pos);
      ({ start, end, matches } = qualifyMatches(code, r.start, r.end, r.candidates));
      let kinds = matches.map((_m, k) => completionType(r.kinds.get(r.candidates[k]) ?? ""));
      if (matches.length === 0) {
        const files = completePath(code, pos, process.cwd());
        if (files) {
          ({ start, end, matches } = files);
          kinds = matches.map((m) => (m.endsWith("/") ? "path" : "file"));
        }
      }
      const cs = utf16ToCodePoints(code, start);
      const ce = utf16ToCodePoints(code, end);
      // JupyterLab shows these kinds next to the matches (an IPython extension of the protocol).
      types = matches.map((text, k) => ({ start: cs, end: ce, text, type: kinds[k] }));
    } catch (e) {
      this.log("completion failed:", (e as Error).message);
    }
    return {
      status: "ok",
      matches,
      cursor_start: utf16ToCodePoints(code, start),
      cursor_end: utf16ToCodePoints(code, end),
      metadata: { _jupyter_types_experimental: types },
    };
  }

  private inspect(code: string, cursorPos?: number): Record<string, unknown> {
    const pos = codePointsToUtf16(code, cursorPos ?? Number.MAX_SAFE_INTEGER);
    let text: string | undefined;
    try {
      text = this.engine.inspect(code, pos);
    } catch (e) {
      this.log("inspection failed:", (e as Error).message);
    }
    return text ? { status: "ok", found: true, data: { "text/plain": text }, metadata: {} } : { status: "ok", found: false, data: {}, metadata: {} };
  }

  private async commOpen(c: Record<string, unknown>): Promise<void> {
    const commId = String(c.comm_id);
    const target = String(c.target_name);
    const onOpen = this.commTargets.get(target);
    if (!onOpen) {
      this.log(`comm_open for unknown target ${JSON.stringify(target)}; closing comm ${commId}`);
      void this.publish("comm_close", { comm_id: commId, data: {} }, this.parent);
      return;
    }
    const comm: Comm = { target };
    this.comms.set(commId, comm);
    try {
      const r = runInterruptible(() => onOpen(commId, c.data ?? {}, (data) => this.sendComm(commId, data)));
      if (typeof r === "function") comm.onMessage = r;
      else if (r && typeof r === "object") {
        comm.onMessage = r.onMessage;
        comm.onClose = r.onClose;
      }
    } catch (e) {
      this.reportBackgroundError(`comm target ${target}`, e);
    }
  }

  private async commMsg(c: Record<string, unknown>, buffers: Buffer[]): Promise<void> {
    const comm = this.comms.get(String(c.comm_id));
    if (!comm) {
      this.log("comm_msg for unknown comm", c.comm_id);
      return;
    }
    try {
      // Under breakOnSigint: an interrupt stops a runaway handler.
      const handler = comm.onMessage;
      if (handler) await runInterruptible(() => handler(c.data ?? {}, buffers));
    } catch (e) {
      this.reportBackgroundError(`comm ${comm.target}`, e);
    }
  }

  private async commClose(c: Record<string, unknown>): Promise<void> {
    const id = String(c.comm_id);
    const comm = this.comms.get(id);
    this.comms.delete(id);
    try {
      const onClose = comm?.onClose;
      if (onClose) await runInterruptible(() => onClose(c.data ?? {}));
    } catch (e) {
      this.reportBackgroundError(`comm ${comm?.target}`, e);
    }
  }

  /** Close every socket, stop the heartbeat and exit. */
  async shutdown(code: number): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    try {
      await Promise.race([this.drainIopub(), new Promise((r) => setTimeout(r, 1000))]);
      this.engine.close();
    } catch {
      /* exiting anyway */
    }
    const io = this.io;
    if (io) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        io.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
        io.postMessage({ type: "close" });
      });
      this.io = undefined;
    }
    setTimeout(() => process.exit(code), 50);
  }
}

/** What `display(value, { displayId })` returns. */
export interface DisplayHandle {
  displayId: string;
  update(value: unknown, options?: KernelDisplayOptions): void;
  display(value: unknown, options?: KernelDisplayOptions): void;
}

/** Start a kernel on `connectionFile`. */
export async function runKernel(connectionFile: string): Promise<Kernel> {
  const kernel = new Kernel(readConnectionFile(connectionFile));
  await kernel.start();
  return kernel;
}

