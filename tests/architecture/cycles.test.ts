/**
 * Architecture checks run with every `npm test`: no import cycles among the
 * sources (scripts/check-cycles.mjs: file cycles and capability-folder
 * cycles), and the module the JupyterLab extension shares with the library
 * (src/show/shared) stays dependency-free, so the extension bundle never
 * pulls library code (Node built-ins, workers) into the browser.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import * as vm from "node:vm";

const root = join(__dirname, "..", "..");

interface Cycles {
  files: { chain: string[]; members: string[] }[];
  folders: { chain: string[]; via: string[]; members: string[] }[];
}
interface Checker {
  findCycles(root?: string, roots?: string[]): Cycles;
  describeCycles(c: Cycles): string[];
  importsOf(file: string, text?: string): { specifier: string; typeOnly: boolean }[];
  ROOTS: string[];
}
/** The checker, an ES module: loaded by Node's own loader (ts-jest turns import() into require(); see src/display/esm.ts). */
const checker = (): Promise<Checker> =>
  new vm.Script("(u) => import(u)", { filename: __filename, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER })
    .runInThisContext()(pathToFileURL(join(root, "scripts", "check-cycles.mjs")).href);

/** Write `files` (path → text) under a fresh temporary folder; returns it. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "cs-cycles-"));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

describe("import cycles", () => {
  it("there are none in src/, kernel/src and labextension/src (each is listed with its file chain)", async () => {
    const { findCycles, describeCycles } = await checker();
    expect(describeCycles(findCycles())).toEqual([]);
  });

  it("the checker finds file cycles (static, re-export, dynamic import, index resolution) and folder cycles (type-only imports too)", async () => {
    const { findCycles, describeCycles } = await checker();
    const dir = tree({
      "src/index.ts": 'export { x } from "./a/x";\n',
      "src/a/x.ts": 'import { y } from "../b/y";\nexport const x = y;\n',
      "src/a/z.ts": "export interface Z { z: number }\n",
      "src/b/y.ts": 'import type { Z } from "../a/z";\nexport const y: Z = { z: 1 };\n',
      "src/c/p.ts": 'export { q } from "./q";\n',
      "src/c/q.ts": 'export const q = () => import("./p.js");\n',
      "src/d/index.ts": 'import { e } from "./e";\nexport const d = e;\n',
      "src/d/e/index.ts": 'import type { d } from "..";\nexport const e = 1;\nexport type D = typeof d;\n',
      "src/f/ok.ts": 'import fs from "node:fs";\nimport { x } from "causalscope";\nexport const ok = [fs, x];\n',
      "kernel/src/main.ts": 'import cs = require("causalscope");\nexport const k = cs;\n',
      "labextension/src/index.ts": 'import { y } from "../../src/b/y";\nexport const l = y;\n',
    });
    try {
      const c = findCycles(dir);
      expect(c.files.map((f) => f.chain)).toEqual([
        ["src/c/p.ts", "src/c/q.ts", "src/c/p.ts"],
        ["src/d/e/index.ts", "src/d/index.ts", "src/d/e/index.ts"],
      ]);
      expect(c.folders).toEqual([
        { chain: ["src/a", "src/b", "src/a"], via: ["src/a/x.ts imports src/b/y.ts", "src/b/y.ts imports src/a/z.ts (type only)"], members: ["src/a", "src/b"] },
      ]);
      expect(describeCycles(c)[2]).toBe("folder cycle: src/a -> src/b -> src/a\n    src/a/x.ts imports src/b/y.ts\n    src/b/y.ts imports src/a/z.ts (type only)");
      // src/f imports the package entry (src/index.ts -> src/a -> src/b), none of which imports src/f: no cycle through it
      expect(c.folders[0].members).not.toContain("src/f");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the module shared with the JupyterLab extension", () => {
  const shared = join(root, "src", "show", "shared");

  it("src/show/shared imports only its own files", async () => {
    const { importsOf } = await checker();
    const { readdirSync } = await import("node:fs");
    const files = readdirSync(shared).filter((f) => f.endsWith(".ts"));
    expect(files).toEqual(expect.arrayContaining(["schema.ts", "graph-drawing.ts"]));
    for (const f of files) {
      for (const { specifier } of importsOf(join(shared, f))) {
        expect(`${f}: ${specifier}`).toMatch(/^[\w.-]+\.ts: \.\/[\w-]+$/);
      }
    }
  });

  it("labextension/src reaches into the library only through src/show/shared", async () => {
    const { importsOf } = await checker();
    const { readdirSync } = await import("node:fs");
    const ext = join(root, "labextension", "src");
    const outside: string[] = [];
    for (const f of readdirSync(ext).filter((n) => n.endsWith(".ts"))) {
      for (const { specifier } of importsOf(join(ext, f))) {
        if (!specifier.startsWith(".")) continue;
        const target = relative(root, join(ext, specifier));
        if (!target.startsWith(join("labextension", "src")) && !target.startsWith(join("src", "show", "shared"))) outside.push(`${f}: ${specifier}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
