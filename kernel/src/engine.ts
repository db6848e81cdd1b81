/**
 * The TypeScript execution engine: tslab's converter (type check and
 * transpile one cell against the declarations of the previous cells) with
 * our own executor around it.
 *
 * Differences from tslab's own executor (tslab/dist/executor.js):
 * - the last expression's value is returned to the caller (for an
 *   `execute_result` with a rich MIME bundle) instead of printed;
 * - diagnostics and exceptions come back as structured errors (line and
 *   column of each TypeScript diagnostic) instead of text on stderr;
 * - modules are type-checked with `moduleResolution: bundler` (package.json
 *   `exports` honoured, so `h5wasm/node` and vega-lite resolve), and ES
 *   modules (vega-lite 6, h5wasm's node build, anything with top-level
 *   await) are loaded with `import()` before the cell runs, then handed to
 *   the cell's `require` calls, avoiding ERR_REQUIRE_ESM /
 *   ERR_REQUIRE_ASYNC_MODULE;
 * - kernel globals (`cs`, `display`, ...) are typed through an extra type
 *   root (kernel/typings);
 * - bare imports that do not resolve from the working directory fall back
 *   to the kernel's own node_modules (so `causalscope` works anywhere).
 */
import Module from "node:module";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as vm from "node:vm";

import type { Converter, Diagnostic } from "tslab/dist/converter";

import {
  annotateDynamicImports,
  CellSourceMap,
  type ColumnShifts,
  declaredNames,
  decodeMappings,
  expandShorthandOfPrevious,
  inlineSourceMap,
  instrumentCell,
  isDeclarationEmitDiagnostic,
  isEsmFile,
  mapStack,
  resolveEsm,
} from "./transform";

export { annotateDynamicImports, isDeclarationEmitDiagnostic, resolveEsm };

import { HANDLED, INTERRUPTS, interruptState, KeyboardInterrupt, SIGNALLED } from "./interrupt";
import { KERNEL_ROOT } from "./paths";

export { KERNEL_ROOT };
/** Directory holding the kernel-globals type package (a type root). */
const TYPINGS_DIR = path.join(KERNEL_ROOT, "typings");

interface TimerHost {
  setTimeout?(cb: (...a: unknown[]) => void, ms?: number, ...args: unknown[]): unknown;
  clearTimeout?(handle: unknown): void;
}

/**
 * tslab's converter has a single timer slot that it fires by hand after each
 * cell update, and throws "Unexpected pending rebuildTimer" when TypeScript
 * schedules a second kind of timer (invalidating failed module lookups after
 * a watched file changes, e.g. when the library is rebuilt while the kernel
 * runs) — after which every cell fails. Give every timer except the program
 * update a real Node.js timer instead.
 */
function routeForeignTimers(sys: TimerHost): void {
  const convSet = sys.setTimeout?.bind(sys);
  const convClear = sys.clearTimeout?.bind(sys);
  if (!convSet || !convClear) return;
  const foreign = new Set<unknown>();
  sys.setTimeout = (cb, ms, ...args) => {
    if (cb.name === "updateProgramWithWatchStatus") return convSet(cb, ms, ...args);
    const handle = setTimeout(() => {
      foreign.delete(handle);
      try {
        cb(...args);
      } catch {
        /* a failed lookup refresh only affects later type checks */
      }
    }, ms ?? 250);
    handle.unref();
    foreign.add(handle);
    return handle;
  };
  sys.clearTimeout = (handle) => {
    if (foreign.delete(handle)) clearTimeout(handle as NodeJS.Timeout);
    else convClear(handle);
  };
}

// --- Patch tslab's compiler options before its converter is loaded. -------
// tslab hard-codes Node10 module resolution, which ignores package.json
// "exports" (h5wasm/node fails to type-check). We wrap the TypeScript
// module it loads so createWatchCompilerHost sees our options.
const tslabDir = path.dirname(require.resolve("tslab/package.json"));
const tsPath = require.resolve("@tslab/typescript-for-tslab", { paths: [tslabDir] });
// eslint-disable-next-line @typescript-eslint/no-var-requires
const tsModule = require(tsPath);
let extraCompilerOptions: Record<string, unknown> = {};
/** Source maps of recent CommonJS outputs (see transpileWithMap). */
const TRANSPILE_MAPS = new Map<string, { toEsm: ReturnType<typeof decodeMappings>; toTs: ReturnType<typeof decodeMappings> }>();
if (!(tsModule as { __causalscopePatched?: boolean }).__causalscopePatched) {
  const original = tsModule.createWatchCompilerHost;
  const patched = function (this: unknown, rootFiles: string[], options: Record<string, unknown>, sys: unknown, ...rest: unknown[]) {
    routeForeignTimers(sys as TimerHost);
    const typeRoots = Array.isArray(options.typeRoots) ? [...(options.typeRoots as string[])] : [];
    typeRoots.push(TYPINGS_DIR);
    const merged = {
      ...options,
      moduleResolution: tsModule.ModuleResolutionKind.Bundler,
      resolvePackageJsonExports: true,
      resolvePackageJsonImports: true,
      customConditions: ["node"],
      // For tracebacks in the cell's own lines (see transpileWithMap).
      inlineSourceMap: true,
      sourceMap: false,
      allowImportingTsExtensions: false,
      typeRoots,
      ...extraCompilerOptions,
    };
    return original.call(this, rootFiles, merged, sys, ...rest);
  };
  // Declaration-emit diagnostics (TS2742 "inferred type cannot be named",
  // TS4xxx "has or is using private name") only concern the .d.ts tslab
  // emits to carry types to later cells, not the user's code: drop them.
  const originalDiagnostics = tsModule.getPreEmitDiagnosticsOfFiles;
  const filteredDiagnostics = function (this: unknown, ...args: unknown[]) {
    const diags = originalDiagnostics.apply(this, args) as { code: number }[];
    return diags.filter((d) => !isDeclarationEmitDiagnostic(d.code));
  };
  // tslab turns the emitted ES module into CommonJS with transpileModule;
  // ask it for that step's source map too and keep both maps per output.
  const originalTranspile = tsModule.transpileModule;
  const transpileWithMap = function (this: unknown, input: string, opts: { compilerOptions?: Record<string, unknown> }) {
    const r = originalTranspile.call(this, input, { ...opts, compilerOptions: { ...opts.compilerOptions, sourceMap: true, inlineSourceMap: false } });
    try {
      const toTs = inlineSourceMap(input);
      if (toTs && r.sourceMapText) {
        TRANSPILE_MAPS.set(r.outputText, { toEsm: decodeMappings(JSON.parse(r.sourceMapText).mappings), toTs });
        while (TRANSPILE_MAPS.size > 16) TRANSPILE_MAPS.delete(TRANSPILE_MAPS.keys().next().value!);
      }
    } catch {
      /* no map: tracebacks keep JavaScript positions */
    }
    return r;
  };
  const proxy = new Proxy(tsModule, {
    get(target, key, receiver) {
      if (key === "transpileModule" && typeof originalTranspile === "function") return transpileWithMap;
      if (key === "createWatchCompilerHost") return patched;
      if (key === "getPreEmitDiagnosticsOfFiles" && typeof originalDiagnostics === "function") return filteredDiagnostics;
      if (key === "__causalscopePatched") return true;
      return Reflect.get(target, key, receiver);
    },
  });
  require.cache[tsPath]!.exports = proxy;
}
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { createConverter } = require("tslab/dist/converter") as typeof import("tslab/dist/converter");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { getCodeMetadata } = require("tslab/dist/metadata") as typeof import("tslab/dist/metadata");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { printQuickInfo } = require("tslab/dist/inspect") as typeof import("tslab/dist/inspect");

/** A structured cell error, shaped like the protocol's error content. */
export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** What executing one cell gave. */
export type Outcome =
  | { status: "ok"; hasValue: boolean; value?: unknown }
  | ({ status: "error"; interrupted?: boolean } & CellError);

/** Error class of type-check failures; `diagnostics` keeps line and column (1-based). */
export class TypeScriptDiagnostics extends Error {
  constructor(
    readonly diagnostics: { line: number; column: number; code: number; message: string; file?: string }[],
    message: string,
  ) {
    super(message);
    this.name = "TypeScriptError";
  }
}

const ESM_CACHE = new Map<string, unknown>();

/** Wrap an ES module namespace so transpiled CommonJS interop helpers see it right. */
function interopNamespace(ns: Record<string, unknown>): unknown {
  const out: Record<string, unknown> = Object.create(null);
  for (const k of Object.keys(ns)) {
    Object.defineProperty(out, k, { enumerable: true, get: () => ns[k] });
  }
  Object.defineProperty(out, "__esModule", { value: true });
  return out;
}

/** Name of the one-line script through which `__csRun` enters guarded code. */
const GUARD_FILE = "causalscope-interrupt-guard";
const guardScript = new vm.Script("globalThis.__csGuarded()", { filename: GUARD_FILE });

/**
 * Run `fn` under vm breakOnSigint, so SIGINT stops it even when it was
 * reached from the microtask queue (code after a top-level await).
 */
export function runInterruptible<T>(fn: () => T): T {
  const g = globalThis as Record<string, unknown>;
  const saved = g.__csGuarded;
  g.__csGuarded = fn;
  try {
    return guardScript.runInThisContext({ breakOnSigint: true, displayErrors: false }) as T;
  } catch (e) {
    // While guarded code runs, SIGINT goes to the guard, not to the process
    // listener: pass the interrupt on, or an awaiting cell would never hear it.
    if ((e as { code?: string })?.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") interruptHook();
    throw e;
  } finally {
    g.__csGuarded = saved;
  }
}

/** Called when a guarded region swallowed a SIGINT (set by the engine). */
let interruptHook: () => void = () => {};

/** One cell's run: whether it was interrupted (its top-level awaits then throw). */
interface Execution {
  interrupted: boolean;
}

type TimerFn = (callback: unknown, ...rest: unknown[]) => unknown;

/** Cell-visible timer functions (see Engine.cellTimers). */
interface CellTimers {
  setTimeout: TimerFn;
  setInterval: TimerFn;
  setImmediate: TimerFn;
  clearTimeout: (handle: unknown) => void;
  clearInterval: (handle: unknown) => void;
  clearImmediate: (handle: unknown) => void;
}

/** The interrupted-cell error, in the protocol's shape. */
function interruptError(): CellError {
  return { ename: "KeyboardInterrupt", evalue: "execution interrupted", traceback: ["KeyboardInterrupt: execution interrupted"] };
}

/**
 * The stack of an error thrown by a cell, without the kernel's own frames:
 * everything from the frame that entered the cell (vm.runInThisContext)
 * down is dropped, as are Node internals.
 */
function userStack(e: Error): string[] {
  const lines = (e.stack ?? `${e.name}: ${e.message}`).split("\n");
  const kept: string[] = [];
  for (const l of lines) {
    if (/^\s+at /.test(l)) {
      if (/\bnode:vm\b|runInThisContext/.test(l) || l.includes(path.join(KERNEL_ROOT, "dist"))) break;
      if (l.includes("node:internal") || l.includes(GUARD_FILE)) continue;
      // Cell functions are called through tslab's exports proxy.
      kept.push(l.replace(/^(\s+at )Proxy\./, "$1"));
      continue;
    }
    kept.push(l);
  }
  return kept;
}

/** Convert an exception thrown by a cell to the protocol's error shape. */
export function errorOf(e: unknown): CellError {
  if (e instanceof Error) {
    const name = e.name && e.name !== "Error" ? e.name : e.constructor?.name && e.constructor.name !== "Object" ? e.constructor.name : "Error";
    return { ename: name, evalue: e.message, traceback: userStack(e) };
  }
  const { inspect } = require("node:util") as typeof import("node:util");
  const text = inspect(e);
  return { ename: "Thrown", evalue: text, traceback: [`Uncaught ${text}`] };
}

/** Options of the engine. */
export interface EngineOptions {
  /** Directory modules resolve from (the kernel's working directory). */
  rootDir?: string;
  /** Interrupt state shared with the I/O thread (default: a fresh one). */
  interruptFlags?: Int32Array;
}

/**
 * One kernel's TypeScript session: cells share declarations (`prevDecl`)
 * and values (`locals`).
 */
export class Engine {
  private converter: Converter;
  private prevDecl = "";
  private readonly rootDir: string;
  private readonly req: NodeJS.Require;
  private readonly kernelReq: NodeJS.Require;
  private readonly sideOutputs = new Map<string, string>();
  private readonly sideModules = new Map<string, Module>();
  /** Values of cell-level declarations (tslab's `exports`). */
  readonly locals: Record<string, unknown>;
  /** Source maps of the cells run so far, by their stack-frame label. */
  private readonly cellMaps = new Map<string, CellSourceMap>();
  /** The object cells reach as `__tslab__` (exports, require). */
  private readonly cellGlobals: Record<string, unknown>;
  /** The last cell run (interrupt marks it; its top-level awaits check it). */
  private currentCell: Execution = { interrupted: false };
  /** The cell running now, if any (timers created meanwhile belong to it). */
  private running?: Execution;
  /** Shared interrupt state (see interruptState). */
  readonly interruptFlags: Int32Array;
  /** Interrupts handled so far; fewer than requested means one is pending. */
  private handledInterrupts = 0;
  /** Timers created by cell code, with the cell they belong to (undefined: none running). */
  private readonly timers = new Map<unknown, { owner?: Execution; immediate: boolean }>();
  /** Owner of the timer whose callback runs now (timers it creates belong to the same cell). */
  private timerOwner?: Execution;
  /** Timer functions handed to cells. */
  private readonly cellTimers: CellTimers;
  private rejectInterrupt: (e: Error) => void = () => {};
  private interruptPromise!: Promise<never>;
  private cellCounter = 0;

  constructor(options: EngineOptions = {}) {
    this.rootDir = options.rootDir ?? process.cwd();
    this.interruptFlags = options.interruptFlags ?? interruptState();
    this.cellTimers = this.makeCellTimers();
    this.configureFallbackTypes();
    this.converter = createConverter({ isJS: false, isBrowser: false });
    const locals: Record<string, unknown> = {};
    this.locals = locals;
    const exportsProxy = new Proxy(locals, {
      // TypeScript emits named imports as defineProperty getters; store
      // values so later cells may reassign them (as tslab does).
      defineProperty: (_t, prop, attrs) => {
        if (prop === "__esModule") return true;
        locals[prop as string] = attrs.get ? attrs.get() : attrs.value;
        return true;
      },
    });
    this.req = Module.createRequire(path.join(this.rootDir, "__cell__.js"));
    this.kernelReq = Module.createRequire(path.join(KERNEL_ROOT, "dist", "__kernel__.js"));
    this.cellGlobals = { exports: exportsProxy, require: this.wrapRequire(this.req, this.rootDir) };
    vm.runInThisContext("(x) => { globalThis.__tslab__ = x; }")(this.cellGlobals);
    this.resetInterrupt();
    interruptHook = () => this.signalled();
  }

  /**
   * When `causalscope` does not resolve from the working directory (a
   * notebook outside the checkout), map it to the kernel's copy for the
   * type checker too.
   */
  private configureFallbackTypes(): void {
    try {
      Module.createRequire(path.join(this.rootDir, "x.js")).resolve("causalscope");
    } catch {
      try {
        const main = require.resolve("causalscope");
        const dts = main.replace(/\.js$/, ".d.ts");
        extraCompilerOptions = { paths: { causalscope: [dts] } };
      } catch {
        /* library not built: `cs` will say so when used */
      }
    }
  }

  private resetInterrupt(): void {
    this.interruptPromise = new Promise<never>((_, reject) => {
      this.rejectInterrupt = reject;
    });
    this.interruptPromise.catch(() => {});
  }

  /**
   * `promise`, or a KeyboardInterrupt rejection if the kernel is interrupted
   * first (for work the kernel awaits outside a cell, e.g. an async
   * `toMimeBundle()` that never settles).
   */
  race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.interruptPromise]);
  }

  /** Called on every interrupt, after the engine's own handling (the kernel rejects pending input requests). */
  readonly interruptListeners: (() => void)[] = [];

  /** Whether an interrupt was requested and not yet handled. */
  interruptPending(): boolean {
    return Atomics.load(this.interruptFlags, INTERRUPTS) !== this.handledInterrupts;
  }

  /** Request an interrupt from the main thread (e.g. a SIGINT from outside) and handle it. */
  interrupt(): void {
    Atomics.add(this.interruptFlags, INTERRUPTS, 1);
    this.handleInterrupt();
  }

  /**
   * A SIGINT arrived (at the process listener, or stopped guarded code):
   * handle the pending request the I/O thread sent it for, or, when it
   * came from outside (interrupt_mode "signal", Ctrl-C), request one.
   */
  signalled(): void {
    if (Atomics.exchange(this.interruptFlags, SIGNALLED, 0) === 0 && !this.interruptPending()) Atomics.add(this.interruptFlags, INTERRUPTS, 1);
    this.handleInterrupt();
  }

  /**
   * Handle a pending interrupt (no-op when none is): the running cell is
   * marked interrupted and abandoned if it awaits, the timers it created are
   * cleared (with no cell running: every timer cells created), and the
   * interrupt listeners run. Until this runs, every instrumented await and
   * loop of cell code throws KeyboardInterrupt (see instrumentCell).
   */
  handleInterrupt(): void {
    const requested = Atomics.load(this.interruptFlags, INTERRUPTS);
    if (requested === this.handledInterrupts) return;
    this.handledInterrupts = requested;
    Atomics.store(this.interruptFlags, HANDLED, requested);
    queueMicrotask(() => {
      for (const l of this.interruptListeners) l();
    });
    this.currentCell.interrupted = true;
    this.clearTimers(this.running);
    this.rejectInterrupt(new KeyboardInterrupt());
    this.resetInterrupt();
  }

  /**
   * Wait (at most 1 s) until a SIGINT the I/O thread sent has landed: one
   * sent for the previous cell's synchronous part that ended just before it
   * arrived would otherwise stop this cell's synchronous part.
   */
  private async strayInterruptSignalLanded(): Promise<void> {
    for (let waited = 0; Atomics.load(this.interruptFlags, SIGNALLED) === 1 && waited < 1000; waited += 5) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Throw KeyboardInterrupt if an interrupt is pending (cells call it as `__csTick`). */
  private checkInterrupt(): void {
    if (Atomics.load(this.interruptFlags, INTERRUPTS) !== this.handledInterrupts) throw new KeyboardInterrupt();
  }

  /** Clear the cell timers of `owner`, or every cell timer when `owner` is undefined. */
  private clearTimers(owner: Execution | undefined): void {
    for (const [handle, t] of this.timers) {
      if (owner && t.owner !== owner) continue;
      if (t.immediate) clearImmediate(handle as NodeJS.Immediate);
      else clearTimeout(handle as NodeJS.Timeout);
      this.timers.delete(handle);
    }
  }

  /**
   * setTimeout/setInterval/setImmediate (and their clear functions) handed
   * to cells in place of the globals; library code keeps the originals.
   * Each timer is recorded with the cell it belongs to (the running cell, or
   * for a timer created in another timer's callback, that timer's cell), so
   * an interrupt clears the timers of the interrupted cell. Callbacks run
   * under breakOnSigint: an interrupt stops a runaway callback (reported as
   * an uncaught exception on stderr). `util.promisify` keeps working (the
   * custom promisified forms are copied; their timers are not tracked).
   */
  private makeCellTimers(): CellTimers {
    const track = (original: TimerFn, repeats: boolean, immediate: boolean): TimerFn => {
      const wrapped = (callback: unknown, ...rest: unknown[]): unknown => {
        if (typeof callback !== "function") return original(callback, ...rest);
        const owner = this.timerOwner ?? this.running;
        const handle = original((...args: unknown[]) => {
          if (!repeats) this.timers.delete(handle);
          const saved = this.timerOwner;
          this.timerOwner = owner;
          try {
            return runInterruptible(() => (callback as (...a: unknown[]) => unknown)(...args));
          } finally {
            this.timerOwner = saved;
          }
        }, ...rest);
        this.timers.set(handle, { owner, immediate });
        return handle;
      };
      for (const key of Reflect.ownKeys(original)) {
        if (key === "length" || key === "name" || key === "prototype") continue;
        const d = Object.getOwnPropertyDescriptor(original, key);
        if (d) Object.defineProperty(wrapped, key, d);
      }
      return wrapped;
    };
    const untrack =
      (original: (h: never) => void) =>
      (handle: unknown): void => {
        this.timers.delete(handle);
        original(handle as never);
      };
    return {
      setTimeout: track(setTimeout as unknown as TimerFn, false, false),
      setInterval: track(setInterval as unknown as TimerFn, true, false),
      setImmediate: track(setImmediate as unknown as TimerFn, false, true),
      clearTimeout: untrack(clearTimeout),
      clearInterval: untrack(clearInterval),
      clearImmediate: untrack(clearImmediate),
    };
  }

  /** `require` for cell code: side outputs (local .ts), preloaded ES modules, cwd, then the kernel's node_modules. */
  private wrapRequire(base: NodeJS.Require, dirname: string): NodeJS.Require {
    const self = this;
    const fn = function (id: string): unknown {
      const esm = ESM_CACHE.get(self.esmKey(id, dirname));
      if (esm !== undefined) return esm;
      const side = self.requireSideOutput(id, dirname);
      if (side !== undefined) return side;
      try {
        return base(id);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === "MODULE_NOT_FOUND" && !id.startsWith(".") && !path.isAbsolute(id)) {
          try {
            return self.kernelReq(id);
          } catch {
            /* report the original error */
          }
        }
        if (code === "ERR_REQUIRE_ESM" || code === "ERR_REQUIRE_ASYNC_MODULE" || code === "ERR_PACKAGE_PATH_NOT_EXPORTED") {
          // A computed import() of an ES module: hand back a thenable the
          // caller's Promise chain unwraps into the namespace.
          const file = self.resolveFile(id, dirname);
          if (file) {
            return {
              __esModule: true,
              then: (ok: (v: unknown) => void, fail: (e: unknown) => void) =>
                import(pathToFileURL(file).href).then((ns) => ok(interopNamespace(ns)), fail),
            };
          }
        }
        throw e;
      }
    } as NodeJS.Require;
    Object.assign(fn, { resolve: base.resolve, cache: base.cache, main: base.main, extensions: base.extensions });
    return fn;
  }

  private esmKey(id: string, dirname: string): string {
    return id.startsWith(".") ? path.resolve(dirname, id) : `${dirname}\0${id}`;
  }

  private requireSideOutput(id: string, dirname: string): unknown {
    if (!id.startsWith(".") && !path.isAbsolute(id)) return undefined;
    let filename = path.resolve(dirname, id);
    if (path.extname(filename) === "") filename += ".js";
    const cached = this.sideModules.get(filename);
    if (cached) return cached.exports;
    const src = this.sideOutputs.get(filename);
    if (src === undefined) return undefined;
    const mod = new Module(filename, module);
    mod.filename = filename;
    mod.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(path.dirname(filename));
    mod.require = this.wrapRequire(mod.require as NodeJS.Require, path.dirname(filename)) as typeof mod.require;
    (mod as unknown as { _compile(s: string, f: string): void })._compile(src, filename);
    this.sideModules.set(filename, mod);
    return mod.exports;
  }

  /** Resolve `id` from `dirname` to a file, with ESM conditions as fallback. */
  private resolveFile(id: string, dirname: string): string | undefined {
    const r = Module.createRequire(path.join(dirname, "__cell__.js"));
    try {
      return r.resolve(id);
    } catch {
      /* try ESM resolution below */
    }
    if (id.startsWith(".") || path.isAbsolute(id) || id.startsWith("node:")) return undefined;
    return resolveEsm(id, dirname) ?? resolveEsm(id, KERNEL_ROOT);
  }

  /** Import every ES module the transpiled cell requires, so `require` can hand it over. */
  private async preloadEsm(js: string, dirname: string): Promise<void> {
    const specs = new Set<string>();
    for (const m of js.matchAll(/\brequire\((["'])([^"'\n]+)\1\)/g)) specs.add(m[2]);
    for (const id of specs) {
      if (id.startsWith("node:") || Module.isBuiltin(id)) continue;
      const key = this.esmKey(id, dirname);
      if (ESM_CACHE.has(key)) continue;
      if (id.startsWith(".") && this.sideOutputs.has(path.resolve(dirname, path.extname(id) ? id : id + ".js"))) continue;
      const file = this.resolveFile(id, dirname);
      if (!file || !isEsmFile(file)) continue;
      const ns = await import(pathToFileURL(file).href);
      ESM_CACHE.set(key, interopNamespace(ns));
    }
  }

  /** Format TypeScript diagnostics as an error naming line:column (1-based) of each. */
  private diagnosticsError(diags: Diagnostic[], src: string): CellError {
    const lines = src.split("\n");
    const items = diags.map((d) => ({
      line: d.start.line + 1,
      column: d.start.character + 1,
      code: d.code,
      message: typeof d.messageText === "string" ? d.messageText : String(d.messageText),
      file: d.fileName,
    }));
    const traceback: string[] = [];
    for (const [k, d] of items.entries()) {
      const where = `${d.file ? d.file + ":" : ""}${d.line}:${d.column}`;
      traceback.push(`${where} - error TS${d.code}: ${d.message}`);
      if (!d.file && lines[d.line - 1] !== undefined) {
        const diag = diags[k];
        const width = Math.max(1, diag.end.line === diag.start.line ? diag.end.character - diag.start.character : 1);
        traceback.push(`    ${lines[d.line - 1]}`);
        traceback.push(`    ${" ".repeat(d.column - 1)}${"^".repeat(width)}`);
      }
    }
    const first = items[0];
    const evalue = `${first.line}:${first.column} - TS${first.code}: ${first.message}` + (items.length > 1 ? ` (and ${items.length - 1} more)` : "");
    return { ename: "TypeScriptError", evalue, traceback };
  }

  /**
   * Type-check, transpile and run one cell. Resolves with the last
   * expression's value (when the cell ends in an expression) or a
   * structured error; never rejects.
   */
  async execute(src: string, label?: string): Promise<Outcome> {
    // From here on, an interrupt (even one arriving while the cell is type-checked) is this cell's.
    const cell: Execution = { interrupted: false };
    this.currentCell = cell;
    this.running = cell;
    try {
      return await this.run(src, cell, label);
    } finally {
      this.running = undefined;
    }
  }

  private async run(src: string, cell: Execution, label?: string): Promise<Outcome> {
    const meta = getCodeMetadata(src);
    if (meta.mode === "browser") {
      return { status: "error", ename: "UnsupportedError", evalue: "@browser cells are not supported by this kernel", traceback: [] };
    }
    if (meta.module) {
      const diags = this.converter.addModule(meta.module, src, meta);
      if (diags.length > 0) return { status: "error", ...this.diagnosticsError(diags, src) };
      return { status: "ok", hasValue: false };
    }
    let converted;
    try {
      converted = this.converter.convert(this.prevDecl, expandShorthandOfPrevious(annotateDynamicImports(src), declaredNames(this.prevDecl)));
    } catch (e) {
      return { status: "error", ...errorOf(e) };
    }
    if (converted.sideOutputs) {
      for (const out of converted.sideOutputs) {
        this.sideModules.delete(out.path);
        this.sideOutputs.set(out.path, out.data);
      }
    }
    if (converted.diagnostics.length > 0) return { status: "error", ...this.diagnosticsError(converted.diagnostics, src) };
    if (!converted.output) {
      this.prevDecl = converted.declOutput || "";
      return { status: "ok", hasValue: false };
    }
    try {
      await this.preloadEsm(converted.output, this.rootDir);
    } catch (e) {
      return { status: "error", ...errorOf(e) };
    }
    await this.strayInterruptSignalLanded();
    this.cellCounter++;
    this.handleInterrupt();
    if (cell.interrupted) return { status: "error", interrupted: true, ...interruptError() };
    const tick = () => this.checkInterrupt();
    this.cellGlobals.checks = {
      after: (v: unknown) => (tick(), v),
      topLevel: (v: unknown) => {
        if (cell.interrupted) throw new KeyboardInterrupt();
        tick();
        return v;
      },
      tick,
    };
    // Our own maps place cell frames (see describeError); source-map comments
    // left in the code would make Node (--enable-source-maps) remap them wrongly.
    let body = converted.output.replace(/^\/\/# sourceMappingURL=.*$/gm, "");
    let shifts: ColumnShifts | undefined;
    try {
      ({ code: body, shifts } = instrumentCell(body, !!converted.hasToplevelAwait));
    } catch {
      /* run uninstrumented: an interrupt then only abandons the cell */
    }
    this.cellGlobals.run = runInterruptible;
    this.cellGlobals.timers = this.cellTimers;
    // Cells see tracked timers (see makeCellTimers); library code keeps the originals.
    const params = "exports, require, __csAwait, __csAfter, __csTick, __csRun, setTimeout, setInterval, setImmediate, clearTimeout, clearInterval, clearImmediate";
    const prefix = converted.hasToplevelAwait ? `(async function(${params}) { ` : `(function(${params}) { `;
    const fileLabel = label ?? `cell${this.cellCounter}.js`;
    const maps = TRANSPILE_MAPS.get(converted.output);
    if (maps) this.cellMaps.set(fileLabel, new CellSourceMap(maps.toEsm, maps.toTs, src.split("\n"), prefix.length, shifts));
    const wrapped =
      prefix +
      body +
      "\n})(__tslab__.exports, __tslab__.require, __tslab__.checks.topLevel, __tslab__.checks.after, __tslab__.checks.tick, __tslab__.run, " +
      "__tslab__.timers.setTimeout, __tslab__.timers.setInterval, __tslab__.timers.setImmediate, __tslab__.timers.clearTimeout, __tslab__.timers.clearInterval, __tslab__.timers.clearImmediate)";
    let result: unknown;
    let failure: Outcome | undefined;
    const classify = (e: unknown): Outcome => {
      if ((e as { code?: string })?.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") return { status: "error", interrupted: true, ...interruptError() };
      if (e instanceof KeyboardInterrupt) {
        // Thrown at a check while the interrupt is pending: handle it now
        // (mark the cell, clear its timers) rather than when the message comes.
        this.handleInterrupt();
        return { status: "error", interrupted: true, ...interruptError() };
      }
      return { status: "error", ...this.describeError(e) };
    };
    try {
      result = vm.runInThisContext(wrapped, { breakOnSigint: true, displayErrors: false, filename: fileLabel });
    } catch (e) {
      // A SIGINT stopped the cell's synchronous part (runInterruptible reports its own).
      if ((e as { code?: string })?.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") this.signalled();
      failure = classify(e);
    }
    if (!failure && converted.hasToplevelAwait) {
      try {
        await Promise.race([result, this.interruptPromise]);
      } catch (e) {
        failure = classify(e);
      }
    }
    // Declarations of a cell that threw stay visible, as in IPython: the
    // names exist (possibly undefined) in later cells.
    this.prevDecl = converted.declOutput || "";
    const lastVar = converted.lastExpressionVar;
    let value: unknown;
    if (lastVar) {
      value = this.locals[lastVar];
      delete this.locals[lastVar];
    }
    if (failure) return failure;
    return lastVar && value !== undefined ? { status: "ok", hasValue: true, value } : { status: "ok", hasValue: false };
  }

  /**
   * The protocol error for an exception: name, message and the stack with
   * cell positions mapped back to the cells' TypeScript lines, followed by
   * the source line of the innermost cell frame with a caret.
   */
  describeError(e: unknown): CellError {
    const err = errorOf(e);
    const tb = mapStack(err.traceback, this.cellMaps);
    for (const line of tb) {
      const m = /(In\[\d+\]|cell\d+\.js):(\d+):(\d+)/.exec(line);
      if (!m || !/^\s+at /.test(line)) continue;
      const map = this.cellMaps.get(m[1]);
      const n = Number(m[2]);
      const text = map?.source[n - 1];
      if (text === undefined) break;
      const gutter = `${n} | `;
      tb.push(`${m[1]}, line ${n}:`, `  ${gutter}${text}`, `  ${" ".repeat(gutter.length + Number(m[3]) - 1)}^`);
      break;
    }
    return { ...err, traceback: tb };
  }

  /** Completion candidates at UTF-16 offset `pos` of `src`. */
  complete(src: string, pos: number): { start: number; end: number; candidates: string[]; kinds: Map<string, string> } {
    const info = this.converter.complete(this.prevDecl, src, pos);
    const kinds = new Map<string, string>();
    for (const e of info.original?.entries ?? []) kinds.set(e.name, e.kind);
    return { start: info.start, end: info.end, candidates: info.candidates, kinds };
  }

  /** Quick info (type and doc comment) at UTF-16 offset `pos`, or undefined. */
  inspect(src: string, pos: number): string | undefined {
    for (const p of [pos, pos - 1]) {
      if (p < 0) continue;
      const info = this.converter.inspect(this.prevDecl, src, p);
      if (info) return printQuickInfo(info);
    }
    return undefined;
  }

  /** Evaluate a JavaScript expression against the cell locals (for `user_expressions`). */
  evaluate(expr: string): unknown {
    const fn = vm.runInThisContext(`(function(__locals) { with (__locals) { return (${expr}\n); } })`);
    return fn(this.locals);
  }

  /** Release the compiler's watchers so the process can exit. */
  close(): void {
    this.converter.close();
  }
}
