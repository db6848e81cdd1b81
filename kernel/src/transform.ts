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

/**
 * Route each top-level `await X` of a transpiled cell (awaits outside any
 * function) through `__csAwait(X)`, which throws KeyboardInterrupt once the
 * cell has been interrupted. So `while (true) { await sleep(10); }` stops at
 * its next await instead of running on in the background. Text edits keep
 * line numbers; nested awaits inside an instrumented one are left alone.
 */
export function instrumentTopLevelAwaits(js: string): string {
  const sf = ts.createSourceFile("cell.js", js, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const edits: { start: number; end: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isAwaitExpression(node) && node.expression) {
      edits.push({ start: node.expression.getStart(), end: node.expression.end });
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  let out = js;
  for (const e of edits.sort((a, b) => b.start - a.start)) {
    out = out.slice(0, e.start) + "__csAwait(" + out.slice(e.start, e.end) + ")" + out.slice(e.end);
  }
  return out;
}

