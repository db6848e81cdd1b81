/**
 * Pure source and module-resolution helpers of the engine (no kernel state),
 * kept apart so they can be unit-tested without starting the compiler.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import * as ts from "@tslab/typescript-for-tslab";

/** Whether a TypeScript diagnostic code only concerns declaration (.d.ts) emit. */
export function isDeclarationEmitDiagnostic(code: number): boolean {
  return code === 2742 || code === 2883 || (code >= 4000 && code < 4200) || code === 9005 || code === 9006;
}

/** Nearest package.json "type" for `file`, to tell ESM from CommonJS. */
export function isEsmFile(file: string): boolean {
  if (file.endsWith(".mjs")) return true;
  if (file.endsWith(".cjs") || file.endsWith(".json") || file.endsWith(".node")) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const pj = path.join(dir, "package.json");
    if (fs.existsSync(pj)) {
      try {
        return JSON.parse(fs.readFileSync(pj, "utf8")).type === "module";
      } catch {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return false;
  }
}

/** Resolve a package "exports" target with ESM conditions (node, import, default). */
function resolveExportsTarget(target: unknown, subst?: string): string | undefined {
  if (typeof target === "string") return subst === undefined ? target : target.replace(/\*/g, subst);
  if (Array.isArray(target)) {
    for (const t of target) {
      const r = resolveExportsTarget(t, subst);
      if (r) return r;
    }
    return undefined;
  }
  if (target && typeof target === "object") {
    for (const [cond, t] of Object.entries(target)) {
      if (cond === "node" || cond === "import" || cond === "default" || cond === "module-sync") {
        const r = resolveExportsTarget(t, subst);
        if (r) return r;
      }
    }
  }
  return undefined;
}

/**
 * Resolve a bare specifier the way `import()` would from `fromDir`: walk up
 * node_modules, read the package's "exports" with ESM conditions. Used only
 * when `require.resolve` refuses (an import-only export such as h5wasm/node).
 */
export function resolveEsm(specifier: string, fromDir: string): string | undefined {
  const m = /^((?:@[^/]+\/)?[^/]+)(\/.*)?$/.exec(specifier);
  if (!m) return undefined;
  const [, name, sub] = m;
  const subpath = "." + (sub ?? "");
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const pkgDir = path.join(dir, "node_modules", name);
    const pj = path.join(pkgDir, "package.json");
    if (fs.existsSync(pj)) {
      const pkg = JSON.parse(fs.readFileSync(pj, "utf8"));
      let exp = pkg.exports;
      if (exp !== undefined) {
        if (typeof exp === "string" || Array.isArray(exp) || !Object.keys(exp).some((k) => k.startsWith("."))) exp = { ".": exp };
        let target: string | undefined;
        if (subpath in exp) target = resolveExportsTarget(exp[subpath]);
        else {
          for (const [key, t] of Object.entries(exp)) {
            const star = key.indexOf("*");
            if (star < 0) continue;
            const pre = key.slice(0, star);
            const post = key.slice(star + 1);
            if (subpath.startsWith(pre) && subpath.endsWith(post) && subpath.length >= pre.length + post.length) {
              target = resolveExportsTarget(t, subpath.slice(pre.length, subpath.length - post.length));
              if (target) break;
            }
          }
        }
        return target ? path.join(pkgDir, target) : undefined;
      }
      const main = sub ? path.join(pkgDir, sub) : path.join(pkgDir, pkg.module ?? pkg.main ?? "index.js");
      return fs.existsSync(main) ? main : undefined;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Give `const x = await import("spec")` an explicit `typeof import("spec")`
 * annotation, so the declaration tslab carries to later cells can name the
 * module's type (otherwise TS2742 and `x` is lost after the cell).
 * Only the annotated line grows; line numbers stay put.
 */
export function annotateDynamicImports(src: string): string {
  return src.replace(
    /\b(const|let|var)(\s+)([A-Za-z_$][\w$]*)(\s*)=(\s*)await(\s+)import\((\s*)(["'])([^"'\n]+)\8(\s*)\)/g,
    (_m, kw, s1, name, s2, s3, s4, s5, q, spec, s6) => `${kw}${s1}${name}: typeof import(${q}${spec}${q})${s2}=${s3}await${s4}import(${s5}${q}${spec}${q}${s6})`,
  );
}

/** Names declared at the top level of tslab's carried declarations (`declare const x…`, functions, classes, enums, imports). */
export function declaredNames(decl: string): Set<string> {
  const names = new Set<string>();
  const sf = ts.createSourceFile("decl.d.ts", decl, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const addBinding = (n: ts.BindingName): void => {
    if (ts.isIdentifier(n)) names.add(n.text);
    else for (const el of n.elements) if (!ts.isOmittedExpression(el)) addBinding(el.name);
  };
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) addBinding(d.name);
    else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st)) && st.name) names.add(st.name.text);
    else if (ts.isImportEqualsDeclaration(st)) names.add(st.name.text);
    else if (ts.isImportDeclaration(st) && st.importClause) {
      const c = st.importClause;
      if (c.name) names.add(c.name.text);
      if (c.namedBindings && ts.isNamespaceImport(c.namedBindings)) names.add(c.namedBindings.name.text);
      else if (c.namedBindings) for (const e of c.namedBindings.elements) names.add(e.name.text);
    }
  }
  return names;
}

/**
 * Write shorthand properties that name an earlier cell's declaration in full:
 * `{ gg }` becomes `{ gg: gg }`. tslab rewrites references to earlier cells'
 * variables to `exports.x` but misses shorthand properties, which then throw
 * "x is not defined". The two forms mean the same in object literals and in
 * destructuring assignments; only the rewritten lines grow (line numbers stay).
 */
export function expandShorthandOfPrevious(src: string, previous: Set<string>): string {
  if (previous.size === 0) return src;
  const sf = ts.createSourceFile("cell.ts", src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const inserts: { pos: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isShorthandPropertyAssignment(node) && previous.has(node.name.text)) {
      inserts.push({ pos: node.name.end, text: `: ${node.name.text}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  let out = src;
  for (const { pos, text } of inserts.sort((a, b) => b.pos - a.pos)) out = out.slice(0, pos) + text + out.slice(pos);
  return out;
}

/** Columns inserted per line (0-based line → [column in the new text, length], ascending). */
export type ColumnShifts = Map<number, [number, number][]>;

/** Whether `node` contains an `await` (or `for await`) outside nested functions and classes. */
function containsAwait(node: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found || ts.isFunctionLike(n) || ts.isClassLike(n)) return;
    if (ts.isAwaitExpression(n) || (ts.isForOfStatement(n) && n.awaitModifier)) {
      found = true;
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/**
 * Instrument a transpiled cell for interrupts. Text edits only: line numbers
 * stay, and the inserted columns are returned for mapping stack frames back.
 *
 * - Every `await X` becomes `__csAfter(await X)` (`__csAwait(await X)` at
 *   the top level, outside any function): after each await resumes, the
 *   kernel's interrupt flag is checked and a KeyboardInterrupt thrown when
 *   an interrupt is pending (top-level awaits also throw once their own
 *   cell was interrupted). So `async function f() { await null; return f(); }`
 *   stops.
 * - Every loop whose body awaits (`while (true) { await null; }`,
 *   `for await`) checks the flag at the start of each iteration
 *   (`__csTick();`), outside any `try` in the body, so a loop that catches
 *   the interrupt thrown at an await still ends. Such loops run from the
 *   microtask queue, where neither a signal nor the event loop can reach
 *   them; the flag is shared memory the kernel's I/O thread sets. Loops
 *   without an await are left alone (no cost in numeric loops; a SIGINT
 *   stops them, see engine.ts).
 * - With `topLevelAwait`, every top-level statement after the first await
 *   that has no await of its own runs inside `__csRun(() => ...)`, which
 *   executes it under `vm` breakOnSigint: code after an await runs from the
 *   microtask queue, where Node cannot stop a synchronous loop on SIGINT;
 *   inside `__csRun` it can (`const img = await read(); heavyLoop(img)`).
 *   Only expressions are wrapped for declarations, so names keep their scope.
 */
export function instrumentCell(js: string, topLevelAwait: boolean): { code: string; shifts: ColumnShifts } {
  const sf = ts.createSourceFile("cell.js", js, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  // `rank`: openers count up in the order pushed (outer nodes first); the
  // closer of a wrapper gets its opener's rank negated. Sorting by position,
  // then rank, puts closers before openers at one position, inner closers
  // before outer ones, and outer openers before inner ones.
  const inserts: { at: number; text: string; rank: number }[] = [];
  let order = 0;
  const insert = (at: number, text: string) => inserts.push({ at, text, rank: ++order });
  const wrap = (from: number, to: number, open: string, close: string) => {
    insert(from, open);
    inserts.push({ at: to, text: close, rank: -order });
  };
  const instrumentBody = (body: ts.Statement) => {
    if (ts.isBlock(body)) insert(body.getStart(sf) + 1, " __csTick();");
    else wrap(body.getStart(sf), body.end, "{ __csTick(); ", " }");
  };
  const visit = (node: ts.Node, inFunction: boolean): void => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) {
      ts.forEachChild(node, (n) => visit(n, true));
      return;
    }
    if (ts.isAwaitExpression(node)) {
      wrap(node.getStart(sf), node.end, inFunction ? "__csAfter(" : "__csAwait(", ")");
    } else if (ts.isIterationStatement(node, false) && containsAwait(node)) {
      instrumentBody(node.statement);
    }
    ts.forEachChild(node, (n) => visit(n, inFunction));
  };
  if (topLevelAwait) {
    let afterAwait = false;
    for (const st of sf.statements) {
      if (containsAwait(st)) {
        afterAwait = true;
        continue;
      }
      if (!afterAwait) continue;
      if (ts.isExpressionStatement(st)) {
        wrap(st.expression.getStart(sf), st.expression.end, "__csRun(() => (", "))");
      } else if (ts.isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) {
          if (d.initializer) wrap(d.initializer.getStart(sf), d.initializer.end, "__csRun(() => (", "))");
        }
      } else if (
        ts.isIterationStatement(st, false) ||
        ts.isIfStatement(st) ||
        ts.isBlock(st) ||
        ts.isTryStatement(st) ||
        ts.isSwitchStatement(st) ||
        ts.isLabeledStatement(st)
      ) {
        wrap(st.getStart(sf), st.end, "__csRun(() => { ", " });");
      }
    }
  }
  // After the statement wrappers, which enclose what this inserts.
  visit(sf, false);
  inserts.sort((a, b) => a.at - b.at || a.rank - b.rank);
  const shifts: ColumnShifts = new Map();
  const lineShift = new Map<number, number>();
  let code = "";
  let pos = 0;
  for (const ins of inserts) {
    code += js.slice(pos, ins.at) + ins.text;
    pos = ins.at;
    const { line, character } = sf.getLineAndCharacterOfPosition(ins.at);
    const before = lineShift.get(line) ?? 0;
    const list = shifts.get(line) ?? [];
    list.push([character + before, ins.text.length]);
    shifts.set(line, list);
    lineShift.set(line, before + ins.text.length);
  }
  code += js.slice(pos);
  return { code, shifts };
}

/** The column (0-based) in the text before `shifts` were inserted. */
export function unshiftColumn(shifts: ColumnShifts | undefined, line: number, col: number): number {
  let out = col;
  for (const [c, len] of shifts?.get(line) ?? []) {
    if (col >= c + len) out -= len;
    else if (col >= c) out -= col - c;
  }
  return out;
}

// --- Source maps: stack frames of a cell in the cell's own lines ----------

/** One decoded source-map segment: generated column → source line/column (all 0-based). */
type Segment = [genCol: number, srcLine: number, srcCol: number];

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

/**
 * Decode a source map's `mappings` (Base64 VLQ, source map v3) into
 * segments per generated line. Segments without a source are skipped.
 * Reference: Source Map Revision 3 Proposal, "Mappings" section.
 */
export function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let srcLine = 0;
  let srcCol = 0;
  let src = 0;
  let name = 0;
  for (const line of mappings.split(";")) {
    const segs: Segment[] = [];
    let genCol = 0;
    for (const seg of line.split(",")) {
      if (!seg) continue;
      const values: number[] = [];
      let shift = 0;
      let value = 0;
      for (const ch of seg) {
        const digit = B64_INDEX.get(ch);
        if (digit === undefined) throw new Error(`source map: invalid base64 character ${JSON.stringify(ch)} in mappings`);
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      genCol += values[0];
      if (values.length >= 4) {
        src += values[1];
        srcLine += values[2];
        srcCol += values[3];
        if (values.length >= 5) name += values[4];
        segs.push([genCol, srcLine, srcCol]);
      }
    }
    lines.push(segs);
  }
  void src;
  void name;
  return lines;
}

/** Look up a 0-based (line, column) in decoded mappings: the last segment at or before the column. */
export function lookup(map: Segment[][], line: number, col: number): [number, number] | undefined {
  const segs = map[line];
  if (!segs || segs.length === 0) return undefined;
  let best = segs[0];
  for (const s of segs) {
    if (s[0] <= col) best = s;
    else break;
  }
  return [best[1], best[2]];
}

/** The inline (data: URL) source map at the end of `js`, decoded, or undefined. */
export function inlineSourceMap(js: string): Segment[][] | undefined {
  const m = /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/m.exec(js);
  if (!m) return undefined;
  try {
    return decodeMappings(JSON.parse(Buffer.from(m[1], "base64").toString("utf8")).mappings);
  } catch {
    return undefined;
  }
}

/**
 * Maps positions in the JavaScript a cell ran as (after tslab's two
 * transpile steps, TS → ES module → CommonJS) back to the cell's own lines.
 */
export class CellSourceMap {
  constructor(
    /** final CommonJS → intermediate ES module */
    private readonly toEsm: Segment[][],
    /** intermediate ES module → TypeScript file (whose first line is tslab's `export {};` prefix) */
    private readonly toTs: Segment[][],
    /** Lines of the cell source, for context in tracebacks. */
    readonly source: string[],
    /** Characters the kernel prepends to the first generated line. */
    private readonly firstLineShift = 0,
    /** Text the kernel inserted into the JavaScript (interrupt checkpoints). */
    private readonly shifts?: ColumnShifts,
  ) {}

  /** 1-based (line, column) in the cell for a 1-based position in the run JavaScript. */
  map(line: number, column: number): [number, number] | undefined {
    const raw = line === 1 ? Math.max(0, column - 1 - this.firstLineShift) : column - 1;
    const col0 = unshiftColumn(this.shifts, line - 1, raw);
    const esm = lookup(this.toEsm, line - 1, col0);
    if (!esm) return undefined;
    const ts = lookup(this.toTs, esm[0], esm[1]);
    if (!ts) return undefined;
    const cellLine = ts[0]; // the prefix line `export {};` is line 0 of the TS file
    if (cellLine < 1 || cellLine > this.source.length) return undefined;
    return [cellLine, ts[1] + 1];
  }
}

/**
 * Rewrite `label:line:column` positions in stack lines with `maps` (label →
 * map). Frames of a mapped cell that fall outside its source (the kernel's
 * wrapper around the cell) are dropped; other positions stay as they are.
 */
export function mapStack(lines: string[], maps: Map<string, CellSourceMap>): string[] {
  const out: string[] = [];
  for (const l of lines) {
    let drop = false;
    const mapped = l.replace(/(In\[\d+\]|cell\d+\.js):(\d+):(\d+)/g, (whole, label: string, line: string, col: string) => {
      const map = maps.get(label);
      if (!map) return whole;
      const m = map.map(Number(line), Number(col));
      if (!m) {
        drop = /^\s+at /.test(l);
        return whole;
      }
      return `${label}:${m[0]}:${m[1]}`;
    });
    if (!drop) out.push(mapped);
  }
  return out;
}
