/**
 * One pool of worker threads for the whole library. A task names a module
 * and one of its exports, `{ module, export, args }`; a worker `require`s the
 * module (once: Node's module cache), calls the export with `args` (it may
 * return a promise) and posts the result back. No source text is shipped, so
 * a task function is ordinary code: it imports its helpers, keeps per-thread
 * caches in module variables, and is type-checked like everything else.
 *
 * - Module: an absolute path (library code passes `__filename`) or a package
 *   specifier, resolved in the calling thread from the current directory
 *   (then from this library), so an unknown module fails at once, by name.
 * - Data: `args` and the result are structured-cloned; `transfer` lists
 *   buffers of the args to move instead of copy, and every typed-array buffer
 *   in a result is moved back (a task must not keep what it returns).
 * - Errors: a task that throws rejects with an error of the same class,
 *   message and stack (the worker's stack, then the task named).
 * - Determinism: `map` returns results in task order and `each` hands them
 *   to its callback in task order, whichever worker finished first.
 * - Lifetime: threads start on demand, are unref'd while idle (they never
 *   keep the process alive) and exit after `idleMs` without work;
 *   `terminate()` stops running tasks at once (an interrupt) and rejects
 *   the waiting ones.
 * - Sources: when the library runs from its TypeScript sources (ts-jest),
 *   workers load TypeScript modules through ts-node's transpile-only hook.
 *
 * Like Node's `worker_threads` pools (piscina, workerpool) reduced to what
 * the analyses need; LiberTEM ships UDFs to its workers the same way, by
 * import path rather than by source.
 *
 * @example
 *   const pool = new WorkerPool({ size: 2 });
 *   const sums = await pool.map(parts.map((p) => ({ module: __filename, export: "sumPart", args: [p] })));
 *   await pool.terminate();
 */
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";

/** Where a task's function lives: a module (absolute path or package specifier) and the name of a function it exports. */
export interface TaskRef {
  module: string;
  export: string;
}

/** One call on a worker thread: `require(module)[export](...args)`. */
export interface Task extends TaskRef {
  args: readonly unknown[];
  /** Buffers among the args to move to the worker instead of copying (they become unusable here). */
  transfer?: readonly ArrayBuffer[];
}

export interface PoolOptions {
  /** Maximum number of threads (default: `defaultWorkers()`). */
  size?: number;
  /** Milliseconds an idle thread waits for work before it exits (default 5000). */
  idleMs?: number;
}

/** Available parallelism (logical CPUs the process may use), at most 8: the default pool size. */
export function defaultWorkers(): number {
  const n = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(8, n));
}

interface Job {
  id: number;
  task: Task;
  module: string;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { name: string; message: string; stack?: string };
}

const FROM_SOURCES = __filename.endsWith(".ts");
const WORKER_FILE = path.join(__dirname, FROM_SOURCES ? "pool-worker.ts" : "pool-worker.js");

/** Worker options: under TypeScript sources, ts-node (transpile only) compiles what the worker requires. */
function workerOptions(): ConstructorParameters<typeof Worker>[1] {
  if (!FROM_SOURCES) return {};
  return {
    execArgv: ["--require", require.resolve("ts-node/register/transpile-only")],
    env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, "..", "tsconfig.json") },
  };
}

/** Absolute path of a task's module, resolved from the current directory and then from this library. */
function resolveModule(spec: string): string {
  if (typeof spec !== "string" || spec === "") throw new TypeError(`WorkerPool: task.module must be a module path or package name, got ${JSON.stringify(spec)}`);
  if (path.isAbsolute(spec)) return spec;
  for (const from of [process.cwd(), __dirname]) {
    try { return require.resolve(spec, { paths: [from] }); } catch { /* try the next base */ }
  }
  throw new Error(`WorkerPool: cannot resolve module ${JSON.stringify(spec)} from ${process.cwd()} (give an absolute path or an installed package)`);
}

/** The error a failed task rejects with: same class (for built-in errors), message and stack. */
function remoteError(e: Reply["error"], job: Job): Error {
  const E = ({ TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError } as Record<string, ErrorConstructor>)[e?.name ?? ""] ?? Error;
  const err = new E(e?.message ?? "unknown error");
  if (E === Error && e?.name) err.name = e.name;
  err.stack = `${e?.stack ?? `${err.name}: ${err.message}`}\n    at worker thread (task ${job.task.export} of ${job.module})`;
  return err;
}

/** A pool of worker threads running `{ module, export, args }` tasks; see the module comment. */
export class WorkerPool {
  /** Maximum number of threads. */
  readonly size: number;
  private readonly idleMs: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(options: PoolOptions = {}) {
    const size = options.size ?? defaultWorkers();
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`WorkerPool: options.size must be a positive integer, got ${size}`);
    const idleMs = options.idleMs ?? 5000;
    if (!(idleMs >= 0)) throw new RangeError(`WorkerPool: options.idleMs must be >= 0, got ${idleMs}`);
    this.size = size;
    this.idleMs = idleMs;
  }

  /** Number of live threads (for tests and diagnostics). */
  get threads(): number {
    return this.slots.length;
  }

  /**
   * Run one task on a free thread (queued while all are busy). Resolves with
   * the export's (awaited) return value; rejects with its error.
   */
  run<T>(task: Task): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const module = resolveModule(task?.module);
      if (typeof task.export !== "string" || task.export === "") throw new TypeError(`WorkerPool: task.export must name an export of ${module}, got ${JSON.stringify(task.export)}`);
      this.queue.push({ id: this.nextId++, task, module, resolve: resolve as (v: unknown) => void, reject });
      this.dispatch();
    });
  }

  /**
   * Run tasks pulled lazily from `tasks` with at most `concurrency` (default
   * `size`) running at once, and give each result to `onResult` in task
   * order. At most 2 × concurrency results are held or in flight, so a
   * generator that reads data as it is pulled runs in bounded memory. The
   * first failure (a task, `tasks` itself, or `onResult`) stops pulling and
   * rejects once the tasks already started have settled.
   */
  async each<T>(tasks: Iterable<Task>, onResult: (result: T, index: number) => void, options: { concurrency?: number } = {}): Promise<void> {
    const concurrency = Math.min(options.concurrency ?? this.size, this.size);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`WorkerPool.each: options.concurrency must be a positive integer, got ${options.concurrency}`);
    const it = tasks[Symbol.iterator]();
    const done = new Map<number, T>();
    let pulled = 0, delivered = 0, running = 0, exhausted = false;
    let failure: Error | undefined;
    await new Promise<void>((resolve, reject) => {
      const settle = () => {
        if (running > 0) return;
        if (failure) reject(failure);
        else if (exhausted && delivered === pulled) resolve();
      };
      const pump = () => {
        while (!failure && !exhausted && running < concurrency && pulled - delivered < 2 * concurrency) {
          let next: IteratorResult<Task>;
          try { next = it.next(); } catch (e) { failure = e as Error; break; }
          if (next.done) { exhausted = true; break; }
          const index = pulled++;
          running++;
          this.run<T>(next.value).then(
            (r) => {
              running--;
              if (!failure) {
                done.set(index, r);
                try {
                  while (done.has(delivered)) { const v = done.get(delivered)!; done.delete(delivered); onResult(v, delivered); delivered++; }
                } catch (e) { failure = e as Error; }
              }
              pump();
              settle();
            },
            (e: Error) => { running--; failure ??= e; settle(); },
          );
        }
        settle();
      };
      pump();
    });
  }

  /** Run all tasks (see `each`) and return their results in task order. */
  async map<T>(tasks: Iterable<Task>, options: { concurrency?: number } = {}): Promise<T[]> {
    const out: T[] = [];
    await this.each<T>(tasks, (r, i) => { out[i] = r; }, options);
    return out;
  }

  /**
   * Stop every thread now (running tasks are abandoned: an interrupt) and
   * reject running and queued tasks. The pool stays usable: later tasks
   * start fresh threads.
   */
  async terminate(reason = "WorkerPool: terminated"): Promise<void> {
    this.clearIdle();
    const jobs = [...this.queue.splice(0), ...this.slots.map((s) => s.job).filter((j): j is Job => j !== null)];
    const slots = this.slots.splice(0);
    for (const j of jobs) j.reject(new Error(reason));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === null);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
      }
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      this.clearIdle();
      try {
        slot.worker.postMessage({ id: job.id, module: job.module, export: job.task.export, args: job.task.args }, [...(job.task.transfer ?? [])]);
      } catch (e) {
        slot.job = null;
        job.reject(new Error(`WorkerPool: cannot send task ${job.task.export} of ${job.module} to a worker: ${(e as Error).message}`));
      }
    }
    this.scheduleIdle();
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_FILE, workerOptions());
    const slot: Slot = { worker, job: null };
    this.slots.push(slot);
    worker.on("message", (m: Reply) => {
      const job = slot.job;
      if (!job || job.id !== m.id) return;
      slot.job = null;
      if (m.ok) job.resolve(m.result);
      else job.reject(remoteError(m.error, job));
      if (this.queue.length === 0) worker.unref();
      this.dispatch();
    });
    const lost = (why: string) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      const job = slot.job;
      slot.job = null;
      if (job) job.reject(new Error(`WorkerPool: the worker thread running task ${job.task.export} of ${job.module} ${why}`));
      void worker.terminate();
      this.dispatch();
    };
    worker.on("error", (e) => lost(`failed: ${e.stack ?? e.message}`));
    worker.on("exit", (code) => lost(`exited with code ${code}`));
    return slot;
  }

  /** When nothing runs or waits, end the threads after idleMs (the timer never keeps the process alive). */
  private scheduleIdle(): void {
    if (this.idleTimer || this.queue.length > 0 || this.slots.length === 0 || this.slots.some((s) => s.job !== null)) return;
    for (const s of this.slots) s.worker.unref();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.queue.length === 0 && this.slots.every((s) => s.job === null)) void this.terminate();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private clearIdle(): void {
    if (this.idleTimer) { clearTimeout(this.idleTimer); this.idleTimer = undefined; }
  }
}

let shared: WorkerPool | undefined;

/**
 * The library's shared pool (`defaultWorkers()` threads at most, idle
 * threads exit after 5 s). Analyses bound their own concurrency with
 * `each(..., { concurrency })`.
 */
export function sharedPool(): WorkerPool {
  shared ??= new WorkerPool();
  return shared;
}
