/**
 * Unit tests of the kernel's pure parts: wire format and HMAC, history
 * queries, completeness and completion shaping, MIME bundles, and the
 * source transforms of the engine. The protocol end to end is tested in
 * test_protocol.py / test_conformance.py against a running kernel.
 */
import { createHmac } from "node:crypto";
import * as path from "node:path";

import { completePath, isComplete, qualifyMatches } from "../../kernel/src/complete";
import { globToRegExp, History } from "../../kernel/src/history";
import { bundleOf, MIME_BUNDLE, normalizeBundle } from "../../kernel/src/mime";
import {
  annotateDynamicImports,
  CellSourceMap,
  declaredNames,
  decodeMappings,
  expandShorthandOfPrevious,
  instrumentCell,
  isDeclarationEmitDiagnostic,
  lookup,
  mapStack,
  resolveEsm,
  unshiftColumn,
} from "../../kernel/src/transform";
import { requestProblem } from "../../kernel/src/requests";
import { defaultHeapMib, diedOfHeap, heapMib, parseHeapMib } from "../../kernel/src/supervisor";
import { codePointsToUtf16, decode, encode, makeHeader, ReplayGuard, signatureOf, Signer, utf16ToCodePoints } from "../../kernel/src/wire";

const ROOT = path.resolve(__dirname, "..", "..");

describe("wire", () => {
  const signer = new Signer("secret-key");

  test("signature is the HMAC-SHA256 of the four JSON frames", () => {
    const frames = ["{\"a\":1}", "{}", "{}", "{\"b\":2}"];
    const expected = createHmac("sha256", "secret-key").update(frames.join("")).digest("hex");
    expect(signer.sign(frames)).toBe(expected);
  });

  test("encode then decode round-trips identities, header, content and buffers", () => {
    const header = makeHeader("execute_request", "sess");
    const frames = encode(
      { identities: [Buffer.from("client-1")], header, parent_header: {}, metadata: { m: 1 }, content: { code: "1+1", bytes: new Uint8Array([1, 2, 3]) }, buffers: [Buffer.from([9])] },
      signer,
    );
    const msg = decode(frames, signer);
    expect(msg.identities.map((b) => b.toString())).toEqual(["client-1"]);
    expect(msg.header).toEqual(header);
    expect(msg.header.version).toBe("5.3");
    expect(msg.content).toEqual({ code: "1+1", bytes: "AQID" });
    expect(msg.metadata).toEqual({ m: 1 });
    expect(msg.buffers).toEqual([Buffer.from([9])]);
  });

  test("a tampered message is rejected", () => {
    const frames = encode({ header: makeHeader("x", "s"), parent_header: {}, metadata: {}, content: { v: 1 }, buffers: [] }, signer);
    frames[frames.length - 1] = Buffer.from("{\"v\":2}");
    expect(() => decode(frames, signer)).toThrow(/invalid HMAC/);
    expect(() => decode([Buffer.from("no delimiter")], signer)).toThrow(/delimiter/);
  });

  test("an empty key disables signing", () => {
    const none = new Signer("");
    const frames = encode({ header: makeHeader("x", "s"), parent_header: {}, metadata: {}, content: {}, buffers: [] }, none);
    expect(frames[1].toString()).toBe("");
    expect(decode(frames, none).header.msg_type).toBe("x");
  });

  test("a replayed signature is refused; the guard forgets the oldest beyond its capacity", () => {
    const frames = encode({ header: makeHeader("execute_request", "s"), parent_header: {}, metadata: {}, content: { code: "1" }, buffers: [] }, signer);
    const guard = new ReplayGuard(2);
    expect(guard.fresh(signatureOf(frames))).toBe(true);
    expect(guard.fresh(signatureOf(frames))).toBe(false);
    expect(guard.fresh("b")).toBe(true);
    expect(guard.fresh("c")).toBe(true); // evicts the first signature
    expect(guard.fresh(signatureOf(frames))).toBe(true);
    expect(guard.fresh("")).toBe(true); // unsigned messages cannot be told apart
    expect(guard.fresh("")).toBe(true);
    expect(signatureOf(frames)).toMatch(/^[0-9a-f]{64}$/);
    expect(() => new ReplayGuard(0)).toThrow(/capacity must be a positive integer, got 0/);
  });

  test("unknown signature schemes are refused by name", () => {
    expect(() => new Signer("k", "rsa-foo")).toThrow(/rsa-foo/);
  });

  test("cursor positions convert between code points and UTF-16", () => {
    const text = "a\u{1F52C}b"; // microscope emoji: 2 UTF-16 units, 1 code point
    expect(codePointsToUtf16(text, 2)).toBe(3);
    expect(utf16ToCodePoints(text, 3)).toBe(2);
    expect(codePointsToUtf16(text, 99)).toBe(text.length);
  });
});

describe("history", () => {
  test("glob patterns match whole inputs as sqlite GLOB does", () => {
    expect(globToRegExp("6*7").test("6 * 7")).toBe(true);
    expect(globToRegExp("6*7").test("x6 * 7")).toBe(false);
    expect(globToRegExp("a?c").test("abc")).toBe(true);
    expect(globToRegExp("[ab]x").test("bx")).toBe(true);
    expect(globToRegExp("1+1").test("1+1")).toBe(true);
  });

  test("tail, range and search (unique, n) answer like IPython", () => {
    const h = new History(1000);
    ["a = 1", "6 * 7", "b = 2", "6 * 7", "6 * 7"].forEach((code, i) => h.add(i + 1, code));
    h.setOutput(2, "42");
    expect(h.query({ hist_access_type: "tail", n: 2 })).toEqual([
      [1000, 4, "6 * 7"],
      [1000, 5, "6 * 7"],
    ]);
    expect(h.query({ hist_access_type: "range", session: 1000, start: 2, stop: 3, output: true })).toEqual([[1000, 2, ["6 * 7", "42"]]]);
    expect(h.query({ hist_access_type: "range", session: 999, start: 1, stop: 9 })).toEqual([]);
    expect(h.query({ hist_access_type: "search", pattern: "6*" })).toHaveLength(3);
    expect(h.query({ hist_access_type: "search", pattern: "6*", unique: true })).toEqual([[1000, 5, "6 * 7"]]);
    expect(h.query({ hist_access_type: "search", pattern: "*=*", n: 1 })).toEqual([[1000, 3, "b = 2"]]);
  });
});

describe("history file", () => {
  test("earlier sessions load from the JSON-lines file; torn lines are skipped", () => {
    const fs = require("node:fs") as typeof import("node:fs");
    const os = require("node:os") as typeof import("node:os");
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cs-hist-")), "sub", "history.jsonl");
    const first = new History(100, file);
    first.add(1, "const a = 1;");
    first.add(2, "a + 1");
    fs.appendFileSync(file, '{"session": 100, "line": 3, "inp');
    const second = new History(200, file);
    second.add(1, "b");
    expect(second.query({ hist_access_type: "tail", n: 3 })).toEqual([
      [100, 1, "const a = 1;"],
      [100, 2, "a + 1"],
      [200, 1, "b"],
    ]);
    expect(second.query({ hist_access_type: "range", session: 100, start: 2, stop: 3 })).toEqual([[100, 2, "a + 1"]]);
    expect(second.query({ hist_access_type: "range", start: 1, stop: 9 })).toEqual([[200, 1, "b"]]);
    // the entry written after the torn line survives a reload
    expect(new History(300, file).query({ hist_access_type: "range", session: 200, start: 1, stop: 2 })).toEqual([[200, 1, "b"]]);
  });
});

describe("is_complete and completion", () => {
  test.each([
    ["1 + 1", "complete"],
    ["", "complete"],
    ["function f() {", "incomplete"],
    ["const a = [1,", "incomplete"],
    ["const s = `open", "incomplete"],
    ["/* open comment", "incomplete"],
    ["x +", "incomplete"],
    ["}", "invalid"],
    ["const = 1;", "invalid"],
    ['const s = "unterminated', "invalid"],
    ["if (a) {\n\n\n", "complete"],
  ])("%j is %s", (code, status) => {
    expect(isComplete(code).status).toBe(status);
  });

  test("incomplete blocks suggest an indent", () => {
    expect(isComplete("if (a) {")).toEqual({ status: "incomplete", indent: "  " });
    expect(isComplete("  foo(1,")).toEqual({ status: "incomplete", indent: "    " });
  });

  test("member completions are qualified with their dotted chain, as IPython does", () => {
    expect(qualifyMatches("Math.ab", 5, 7, ["abs"])).toEqual({ start: 0, end: 7, matches: ["Math.abs"] });
    expect(qualifyMatches("x = cs.io.rea", 10, 13, ["readNpy"])).toEqual({ start: 4, end: 13, matches: ["cs.io.readNpy"] });
    expect(qualifyMatches("foo().ba", 6, 8, ["bar"])).toEqual({ start: 6, end: 8, matches: ["bar"] });
    expect(qualifyMatches("alp", 0, 3, ["alpha"])).toEqual({ start: 0, end: 3, matches: ["alpha"] });
  });
});

describe("file-name completion in strings", () => {
  test("completes the last path component inside a string, directories with /", () => {
    const code = 'cs.readImage("kernel/lo';
    expect(completePath(code, code.length, ROOT)).toEqual({ start: 14, end: code.length, matches: ["kernel/logos/"] });
    const code2 = "x = 'kernel/logos/logo-3";
    expect(completePath(code2, code2.length, ROOT)?.matches).toEqual(["kernel/logos/logo-32x32.png"]);
  });

  test("outside a string, or in a closed one, there is nothing to complete", () => {
    expect(completePath("kernel/lo", 9, ROOT)).toBeUndefined();
    expect(completePath('"a" + kern', 10, ROOT)).toBeUndefined();
    expect(completePath('"no/such/dir/x', 14, ROOT)).toBeUndefined();
  });
});

describe("MIME bundles", () => {
  test("displayables give their bundle; text/plain is added when missing", async () => {
    const v = { [MIME_BUNDLE]: async () => ({ "image/png": new Uint8Array([137, 80]) }) };
    const b = await bundleOf(v);
    expect(b["image/png"]).toBe("iVA=");
    expect(typeof b["text/plain"]).toBe("string");
    expect(await bundleOf({ toMimeBundle: () => ({ "text/plain": "x", "application/vnd.vegalite.v5+json": { mark: "bar" } }) })).toEqual({
      "text/plain": "x",
      "application/vnd.vegalite.v5+json": { mark: "bar" },
    });
  });

  test("other values show as util.inspect text", async () => {
    expect(await bundleOf(42)).toEqual({ "text/plain": "42" });
    expect(await bundleOf("ab")).toEqual({ "text/plain": "'ab'" });
    expect(await bundleOf([1, 2])).toEqual({ "text/plain": "[ 1, 2 ]" });
  });

  test("bad bundles are refused, naming the key", () => {
    expect(() => normalizeBundle({ notamime: "x" })).toThrow(/"notamime" is not a MIME type/);
    expect(() => normalizeBundle([] as never)).toThrow(/must be an object/);
  });
});

describe("engine source transforms", () => {
  test("dynamic imports get a typeof-import annotation on the same line", () => {
    const src = 'const vl = await import("vega-lite");\nlet x = 1;';
    const out = annotateDynamicImports(src);
    expect(out).toBe('const vl: typeof import("vega-lite") = await import("vega-lite");\nlet x = 1;');
    expect(out.split("\n")).toHaveLength(2);
  });

  test("shorthand properties naming earlier cells' declarations are written in full, on the same line", () => {
    const prev = declaredNames("declare const gg = 5;\ndeclare let [p, { q }]: any;\ndeclare function f(): void;\nimport * as ns from \"x\";");
    expect([...prev].sort()).toEqual(["f", "gg", "ns", "p", "q"]);
    const src = "const o = { gg, local, f };\nfunction h(gg: number) { return { gg }; }";
    expect(expandShorthandOfPrevious(src, prev)).toBe("const o = { gg: gg, local, f: f };\nfunction h(gg: number) { return { gg: gg }; }");
    expect(expandShorthandOfPrevious(src, new Set())).toBe(src);
  });

  test("every await is followed by an interrupt check; top-level ones also check their own cell", () => {
    const js = "await a();\nasync function f() { await c; }\nconst g = async () => await d;\nx(await await e);";
    const out = instrumentCell(js, true).code.split("\n");
    expect(out[0]).toBe("__csAwait(await a());");
    expect(out[1]).toBe("async function f() { __csAfter(await c); }");
    expect(out[2]).toBe("const g = __csRun(() => (async () => __csAfter(await d)));");
    expect(out[3]).toBe("x(__csAwait(await __csAwait(await e)));");
  });

  test("loops whose body awaits check at every iteration, outside any try in the body; other loops are untouched", () => {
    const js = [
      "while (true) { await null; }",
      "for (;;) await p;",
      "do { try { await q; } catch {} } while (1);",
      "for await (const v of it) use(v);",
      "for (let i = 0; i < n; i++) { s += a[i]; }",
      "async function h() { for (const k of ks) { await k; } }",
      "while (1) { setTimeout(async () => { await r; }); }",
    ].join("\n");
    const out = instrumentCell(js, false).code.split("\n");
    expect(out[0]).toBe("while (true) { __csTick(); __csAwait(await null); }");
    expect(out[1]).toBe("for (;;) { __csTick(); __csAwait(await p); }");
    expect(out[2]).toBe("do { __csTick(); try { __csAwait(await q); } catch {} } while (1);");
    expect(out[3]).toBe("for await (const v of it) { __csTick(); use(v); }");
    expect(out[4]).toBe("for (let i = 0; i < n; i++) { s += a[i]; }");
    expect(out[5]).toBe("async function h() { for (const k of ks) { __csTick(); __csAfter(await k); } }");
    // the await belongs to the arrow function, not to the loop: no check per iteration
    expect(out[6]).toBe("while (1) { setTimeout(async () => { __csAfter(await r); }); }");
  });

  test("the instrumented cell is valid JavaScript that runs the same", async () => {
    const js = "let n = 0;\nfor (let i = 0; i < 3; i++) await i;\nwhile (n < 2) n += await 1;\nreturn n;";
    const { code } = instrumentCell(js, true);
    const ticks: number[] = [];
    const run = new Function("__csAwait", "__csAfter", "__csTick", "__csRun", `return (async () => { ${code} })();`);
    const id = (v: unknown) => v;
    expect(await run(id, id, () => ticks.push(1), (f: () => unknown) => f())).toBe(2);
    expect(ticks.length).toBe(5);
  });

  test("synchronous statements after the first await run under the SIGINT guard", () => {
    const js = "x();\nconst a = await f();\nconst b = heavy(a), c = 1;\nwhile (1) { spin(); }\nfunction h() {}\nlast(b);";
    const out = instrumentCell(js, true).code.split("\n");
    expect(out[0]).toBe("x();"); // before the first await: already inside runInThisContext
    expect(out[1]).toBe("const a = __csAwait(await f());");
    expect(out[2]).toBe("const b = __csRun(() => (heavy(a))), c = __csRun(() => (1));");
    expect(out[3]).toBe("__csRun(() => { while (1) { spin(); } });");
    expect(out[4]).toBe("function h() {}"); // declarations keep their hoisting
    expect(out[5]).toBe("__csRun(() => (last(b)));");
  });

  test("inserted checkpoint text is recorded so stack columns map back", () => {
    const js = "const a = await f(1), b = await g;";
    const { code, shifts } = instrumentCell(js, true);
    expect(code).toBe("const a = __csAwait(await f(1)), b = __csAwait(await g);");
    // every column of the original text is recovered from the instrumented one
    for (const [inCode, inJs] of [
      ["f(1)", "f(1)"],
      ["g)", "g;"],
      ["b =", "b ="],
      [";", ";"],
    ]) {
      expect(unshiftColumn(shifts, 0, code.indexOf(inCode))).toBe(js.indexOf(inJs));
    }
    // a column inside inserted text maps to where it was inserted
    expect(unshiftColumn(shifts, 0, code.indexOf("__csAwait") + 3)).toBe(js.indexOf("await f(1)"));
    expect(unshiftColumn(shifts, 1, 5)).toBe(5);
  });

  test("declaration-emit diagnostics are recognised", () => {
    expect(isDeclarationEmitDiagnostic(2742)).toBe(true);
    expect(isDeclarationEmitDiagnostic(4025)).toBe(true);
    expect(isDeclarationEmitDiagnostic(2322)).toBe(false);
  });

  test("import-only package exports resolve (h5wasm/node), bare names too", () => {
    expect(resolveEsm("h5wasm/node", ROOT)).toBe(path.join(ROOT, "node_modules", "h5wasm", "dist", "node", "hdf5_hl.js"));
    expect(resolveEsm("h5wasm", ROOT)).toBe(path.join(ROOT, "node_modules", "h5wasm", "dist", "esm", "hdf5_hl.js"));
    expect(resolveEsm("no-such-package-here", ROOT)).toBeUndefined();
  });
});

describe("source maps", () => {
  test("VLQ mappings decode to (generated column, source line, source column)", () => {
    // AAAA = [0,0,0,0]; IAAM = [+4,0,0,+6]; next line AACN = [0,0,+1,-6]
    expect(decodeMappings("AAAA,IAAM;AACN")).toEqual([
      [
        [0, 0, 0],
        [4, 0, 6],
      ],
      [[0, 1, 0]],
    ]);
    expect(decodeMappings(";;gBAAgB")).toEqual([[], [], [[16, 0, 16]]]);
    expect(() => decodeMappings("A!")).toThrow(/invalid base64/);
  });

  test("lookup takes the last segment at or before the column", () => {
    const map = decodeMappings("AAAA,IAAM");
    expect(lookup(map, 0, 3)).toEqual([0, 0]);
    expect(lookup(map, 0, 9)).toEqual([0, 6]);
    expect(lookup(map, 5, 0)).toBeUndefined();
  });

  test("stack positions of a cell map through both maps; wrapper frames are dropped", () => {
    // run JS line 2 → ESM line 1; ESM line 1 → TS line 2 (cell line 2, after the `export {};` prefix line)
    const toEsm = decodeMappings(";AACA"); // line 1 (0-based): col 0 → src line 1, col 0
    const toTs = decodeMappings(";AACA"); // line 1 → src line 2... relative: line 1 → 1
    const map = new CellSourceMap(toEsm, toTs, ["const a = 1;", "boom();"]);
    expect(map.map(2, 1)).toEqual([1, 1]);
    const stack = mapStack(["Error: x", "    at boom (In[4]:2:1)", "    at In[4]:40:3", "    at elsewhere (lib.js:1:1)"], new Map([["In[4]", map]]));
    expect(stack).toEqual(["Error: x", "    at boom (In[4]:1:1)", "    at elsewhere (lib.js:1:1)"]);
  });
});

describe("request validation", () => {
  test.each([
    ["execute_request", { code: 5 }, "execute_request: content.code must be a string, got number"],
    ["execute_request", {}, "execute_request: content.code is missing (it must be a string)"],
    ["execute_request", { code: "1", silent: "yes" }, "execute_request: content.silent must be a boolean, got string"],
    ["execute_request", { code: "1", user_expressions: { a: 1 } }, "execute_request: content.user_expressions must be an object of strings, got object"],
    ["execute_request", [1], "execute_request: content must be an object, got array"],
    ["complete_request", { code: "Ma", cursor_pos: "2" }, "complete_request: content.cursor_pos must be an integer, got string"],
    ["complete_request", { code: "Ma", cursor_pos: 1.5 }, "complete_request: content.cursor_pos must be an integer, got non-integer number"],
    ["complete_request", { code: "Ma", cursor_pos: -1 }, "complete_request: content.cursor_pos must be >= 0, got -1"],
    ["inspect_request", { code: null, cursor_pos: 0 }, "inspect_request: content.code must be a string, got null"],
    ["inspect_request", { code: "x", cursor_pos: 0, detail_level: 2 }, "inspect_request: content.detail_level must be 0 or 1, got 2"],
    ["is_complete_request", { code: ["x"] }, "is_complete_request: content.code must be a string, got array"],
    ["history_request", { hist_access_type: "bogus" }, 'history_request: content.hist_access_type must be "range", "tail" or "search", got "bogus"'],
    ["history_request", { hist_access_type: "tail", n: "10" }, "history_request: content.n must be an integer, got string"],
    ["comm_msg", { data: {} }, "comm_msg: content.comm_id is missing (it must be a string)"],
  ])("%s %j: %s", (type, content, problem) => {
    expect(requestProblem(type, content)).toBe(problem);
  });

  test("well-formed requests and unknown types pass", () => {
    expect(requestProblem("execute_request", { code: "1", silent: false, store_history: true, user_expressions: { a: "x" }, allow_stdin: true, stop_on_error: true })).toBeUndefined();
    expect(requestProblem("complete_request", { code: "Ma", cursor_pos: 2 })).toBeUndefined();
    expect(requestProblem("history_request", { hist_access_type: "search", pattern: "*a*", unique: true, output: false, raw: true, n: 3 })).toBeUndefined();
    expect(requestProblem("kernel_info_request", {})).toBeUndefined();
    expect(requestProblem("frobnicate_request", { anything: 1 })).toBeUndefined();
  });
});

describe("heap limit", () => {
  const GiB = 2 ** 30;

  test("the default is half the memory (the cgroup limit when smaller), at least 1024 MiB", () => {
    expect(defaultHeapMib(32 * GiB, 0)).toBe(16384);
    expect(defaultHeapMib(32 * GiB, 8 * GiB)).toBe(4096);
    expect(defaultHeapMib(32 * GiB, 2 ** 64)).toBe(16384); // unconstrained: Node reports 2^64
    expect(defaultHeapMib(1 * GiB, 0)).toBe(1024);
  });

  test("an explicit --max-old-space-size wins, then $CAUSALSCOPE_HEAP_MIB, then the default", () => {
    expect(heapMib(["--enable-source-maps", "--max-old-space-size=300"], { CAUSALSCOPE_HEAP_MIB: "512" })).toBe(300);
    expect(heapMib([], { CAUSALSCOPE_HEAP_MIB: "512" })).toBe(512);
    expect(heapMib([], {})).toBe(defaultHeapMib());
    expect(() => heapMib([], { CAUSALSCOPE_HEAP_MIB: "1.5g" })).toThrow('$CAUSALSCOPE_HEAP_MIB: heap size must be a whole number of MiB, got "1.5g"');
    expect(() => parseHeapMib("64", "--heap-mib")).toThrow("--heap-mib: heap size must be at least 128 MiB, got 64");
  });

  test("V8's out-of-heap messages are recognised, other deaths are not", () => {
    expect(diedOfHeap("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory")).toBe(true);
    expect(diedOfHeap("FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory")).toBe(true);
    expect(diedOfHeap("Segmentation fault")).toBe(false);
  });
});
