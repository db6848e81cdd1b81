// Finds import cycles in the TypeScript sources of src/, kernel/src and
// labextension/src, at two levels:
//   files:   a file that imports itself through other files (a strongly
//            connected component of the file import graph);
//   folders: a capability folder of src/ (src/<folder>/...; src/index.ts is
//            "src", kernel/src is "kernel", labextension/src "labextension")
//            that depends on itself through others, e.g. stem4d/ -> synth/ ->
//            stem4d/, even when no single file cycle exists.
// Every module reference counts: import and export ... from (type-only ones
// too: they couple the modules as much for a reader), import x = require(),
// import() and require() with a literal relative path. Non-relative
// specifiers (npm packages) are not followed, except "causalscope", which is
// src/index.ts.
//
// Usage: node scripts/check-cycles.mjs [--json]
//   prints each cycle with its file chain and exits 1 when there is one;
//   --json prints { files: [...], folders: [...] } instead.
// As a library: import { findCycles, importsOf } from "./check-cycles.mjs"
// (run by tests/architecture/cycles.test.ts, so `npm test` fails on a cycle).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
const ts = createRequire(import.meta.url)("typescript");

/** Source roots, relative to the repository root. */
export const ROOTS = ["src", "kernel/src", "labextension/src"];
const SKIP_DIRS = new Set(["node_modules", "dist", "lib"]);

function tsFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return SKIP_DIRS.has(name) ? [] : tsFiles(p);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [p] : [];
  });
}

/**
 * The module specifiers a TypeScript file refers to, in source order:
 * `{ specifier, typeOnly }` for import/export declarations, import-equals,
 * and import()/require() calls whose argument is a string literal.
 */
export function importsOf(file, text = readFileSync(file, "utf8")) {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out = [];
  const literal = (node) => (node && ts.isStringLiteralLike(node) ? node.text : undefined);
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const c = node.importClause;
      const typeOnly = !!c && (c.isTypeOnly || (!c.name && !!c.namedBindings && ts.isNamedImports(c.namedBindings) && c.namedBindings.elements.length > 0 && c.namedBindings.elements.every((e) => e.isTypeOnly)));
      out.push({ specifier: literal(node.moduleSpecifier), typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      const typeOnly = node.isTypeOnly || (!!node.exportClause && ts.isNamedExports(node.exportClause) && node.exportClause.elements.length > 0 && node.exportClause.elements.every((e) => e.isTypeOnly));
      out.push({ specifier: literal(node.moduleSpecifier), typeOnly });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      out.push({ specifier: literal(node.moduleReference.expression), typeOnly: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1) {
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === "require";
      const spec = literal(node.arguments[0]);
      if ((isImport || isRequire) && spec !== undefined) out.push({ specifier: spec, typeOnly: false });
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg)) out.push({ specifier: literal(arg.literal), typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out.filter((i) => i.specifier !== undefined);
}

/** The file a specifier names (relative, or "causalscope"), or undefined for packages and unresolved paths. */
function resolve(root, from, specifier) {
  let base;
  if (specifier === "causalscope") base = join(root, "src", "index");
  else if (specifier.startsWith("./") || specifier.startsWith("../") || specifier === "." || specifier === "..") base = join(dirname(from), specifier);
  else return undefined;
  const stem = base.replace(/\.(js|mjs|cjs|ts)$/, "");
  for (const c of [`${stem}.ts`, join(stem, "index.ts")]) if (existsSync(c) && statSync(c).isFile()) return c;
  return undefined;
}

/** The folder a source file belongs to: "src/<capability>", "src" (files directly in src/), "kernel" or "labextension". */
export function folderOf(rel) {
  const parts = rel.split("/");
  if (parts[0] === "src") return parts.length > 2 ? `src/${parts[1]}` : "src";
  return parts[0];
}

/** Strongly connected components (Tarjan 1972), iterative; nodes in first-seen order. */
function components(nodes, next) {
  const index = new Map(), low = new Map(), onStack = new Set(), stack = [], out = [];
  let counter = 0;
  for (const start of nodes) {
    if (index.has(start)) continue;
    const work = [[start, 0]];
    index.set(start, counter); low.set(start, counter); counter++; stack.push(start); onStack.add(start);
    while (work.length) {
      const top = work[work.length - 1];
      const [v, i] = top;
      const succ = next(v);
      if (i < succ.length) {
        top[1]++;
        const w = succ[i];
        if (!index.has(w)) {
          index.set(w, counter); low.set(w, counter); counter++; stack.push(w); onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
      } else {
        work.pop();
        if (work.length) { const u = work[work.length - 1][0]; low.set(u, Math.min(low.get(u), low.get(v))); }
        if (low.get(v) === index.get(v)) {
          const comp = [];
          let w;
          do { w = stack.pop(); onStack.delete(w); comp.push(w); } while (w !== v);
          out.push(comp);
        }
      }
    }
  }
  return out;
}

/** A shortest cycle through `start` inside `members` (breadth-first), as [start, ..., start]. */
function shortestCycle(start, members, next) {
  const prev = new Map([[start, null]]);
  const queue = [start];
  for (let h = 0; h < queue.length; h++) {
    const v = queue[h];
    for (const w of next(v)) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = prev.get(u)) path.push(u);
        return [start, ...path.slice(1).reverse(), start];
      }
      if (!prev.has(w)) { prev.set(w, v); queue.push(w); }
    }
  }
  return [start, start];
}

/**
 * The import cycles under `root` (default: this repository). Returns
 * `files`: one entry per group of files that import each other, with a
 * shortest `chain` (a -> b -> a, paths relative to root) and the group's
 * `members`; and `folders`: the same for capability folders, each hop of the
 * chain with one file import that makes it (`via`). O(files + imports).
 */
export function findCycles(root = join(here, ".."), roots = ROOTS) {
  const files = roots.flatMap((r) => tsFiles(join(root, r))).sort();
  const rel = (f) => relative(root, f).split(sep).join("/");
  const fileEdges = new Map();
  const typeOnlyEdge = new Set(); // "a\0b" when every reference from a to b is type-only
  for (const f of files) {
    const targets = [], runtime = new Set();
    for (const { specifier, typeOnly } of importsOf(f)) {
      const t = resolve(root, f, specifier);
      if (!t) continue;
      if (!targets.includes(rel(t))) targets.push(rel(t));
      if (!typeOnly) runtime.add(rel(t));
    }
    for (const t of targets) if (!runtime.has(t)) typeOnlyEdge.add(`${rel(f)}\0${t}`);
    fileEdges.set(rel(f), targets);
  }
  const nextFile = (v) => fileEdges.get(v) ?? [];
  const fileCycles = components([...fileEdges.keys()], nextFile)
    .filter((c) => c.length > 1 || nextFile(c[0]).includes(c[0]))
    .map((c) => {
      const members = new Set(c);
      const first = [...members].sort()[0];
      return { chain: shortestCycle(first, members, nextFile), members: [...members].sort() };
    });
  // folders: an edge A -> B for each file import across folders, remembering one witness
  const folderEdges = new Map(), witness = new Map();
  for (const [from, targets] of fileEdges) {
    const a = folderOf(from);
    if (!folderEdges.has(a)) folderEdges.set(a, []);
    for (const to of targets) {
      const b = folderOf(to);
      if (a === b) continue;
      if (!folderEdges.get(a).includes(b)) folderEdges.get(a).push(b);
      // one file import per folder hop, a runtime one when there is one
      const typeOnly = typeOnlyEdge.has(`${from}\0${to}`);
      const known = witness.get(`${a}\0${b}`);
      if (!known || (known.endsWith("(type only)") && !typeOnly)) witness.set(`${a}\0${b}`, `${from} imports ${to}${typeOnly ? " (type only)" : ""}`);
    }
  }
  const nextFolder = (v) => folderEdges.get(v) ?? [];
  const folderCycles = components([...folderEdges.keys()].sort(), nextFolder)
    .filter((c) => c.length > 1)
    .map((c) => {
      const members = new Set(c);
      const first = [...members].sort()[0];
      const chain = shortestCycle(first, members, nextFolder);
      return { chain, via: chain.slice(1).map((b, k) => witness.get(`${chain[k]}\0${b}`)), members: [...members].sort() };
    });
  return { files: fileCycles, folders: folderCycles };
}

/** The cycles as lines a person reads (empty when there are none). */
export function describeCycles({ files, folders }) {
  const lines = [];
  for (const c of files) lines.push(`file cycle: ${c.chain.join(" -> ")}${c.members.length > c.chain.length - 1 ? `  (${c.members.length} files import each other: ${c.members.join(", ")})` : ""}`);
  for (const c of folders) lines.push(`folder cycle: ${c.chain.join(" -> ")}\n${c.via.map((v) => `    ${v}`).join("\n")}`);
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cycles = findCycles();
  if (process.argv.includes("--json")) console.log(JSON.stringify(cycles, null, 2));
  else {
    const lines = describeCycles(cycles);
    console.log(lines.length ? lines.join("\n") : "no import cycles in " + ROOTS.join(", "));
  }
  process.exit(cycles.files.length + cycles.folders.length ? 1 : 0);
}
