import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readTable, writeTable, table, Table, type TableColumn } from "../../src/table";
import { columnMismatch, pandasRead, pandasWrite } from "./reference";

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "causalscope-table-")); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Write `text` to a new file in the test folder and return its path. */
function file(name: string, text: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const values = (c: TableColumn) => Array.from(c as ArrayLike<number | string>);

describe("readTable: CSV parsing", () => {
  test("RFC 4180 quoting: delimiters, doubled quotes, line breaks inside quotes; BOM and CRLF", async () => {
    const text = '\uFEFFname,note,x\r\n"Sr, A-site","say ""hi""",1\r\nTi,"two\r\nlines",2\r\n"O",,3\r\n';
    const t = await readTable(file("quotes.csv", text));
    expect(t.columnNames).toEqual(["name", "note", "x"]);
    expect(t.column("name")).toEqual(["Sr, A-site", "Ti", "O"]);
    expect(t.column("note")).toEqual(['say "hi"', "two\r\nlines", ""]);
    expect(t.column("x")).toBeInstanceOf(Int32Array);
    expect(values(t.column("x"))).toEqual([1, 2, 3]);
  });

  test("type inference per column, as pandas: int32, float64 (exponents, missing → NaN), booleans, strings", async () => {
    const text = [
      "i,f,e,m,b,bm,s,empty,big",
      "1,1.5,1e-3,NA,True,true,Sr,,3000000000",
      "-2,2,-2.5E+4,,False,,Ti,,1",
      "+3,.5,inf,NaN,TRUE,FALSE,NA,,2",
      "4,-0.0,-inf,7,false,True,1.5,NA,3",
    ].join("\n");
    const t = await readTable(file("types.csv", text));
    expect(t.column("i")).toBeInstanceOf(Int32Array);
    expect(values(t.column("i"))).toEqual([1, -2, 3, 4]);
    expect(t.column("f")).toBeInstanceOf(Float64Array);
    expect(values(t.column("f"))).toEqual([1.5, 2, 0.5, -0]);
    expect(Object.is(t.column("f")[3], -0)).toBe(true);
    expect(values(t.column("e"))).toEqual([0.001, -25000, Infinity, -Infinity]);
    expect(values(t.column("m"))).toEqual([NaN, NaN, NaN, 7]);
    expect(t.column("b")).toBeInstanceOf(Uint8Array);
    expect(values(t.column("b"))).toEqual([1, 0, 1, 0]);
    expect(t.column("bm")).toBeInstanceOf(Float64Array); // booleans with a missing cell
    expect(values(t.column("bm"))).toEqual([1, NaN, 0, 1]);
    expect(t.column("s")).toEqual(["Sr", "Ti", "NA", "1.5"]); // string columns keep every cell verbatim
    expect(t.column("empty")).toBeInstanceOf(Float64Array);
    expect(values(t.column("empty"))).toEqual([NaN, NaN, NaN, NaN]);
    expect(t.column("big")).toBeInstanceOf(Float64Array); // beyond int32: float64, exact
    expect(values(t.column("big"))).toEqual([3000000000, 1, 2, 3]);
  });

  test("options.columns forces types; TSV and an explicit delimiter; blank lines skipped; empty header → Unnamed", async () => {
    const t = await readTable(file("forced.csv", "id,x,flag\n007,1,true\n\n010,2,false\n"), { columns: { id: "string", x: "float64" } });
    expect(t.column("id")).toEqual(["007", "010"]);
    expect(t.column("x")).toBeInstanceOf(Float64Array);
    expect(t.column("flag")).toBeInstanceOf(Uint8Array);
    const tsv = await readTable(file("a.tsv", "a\tb c\n1,5\tx y\n"));
    expect(tsv.columnNames).toEqual(["a", "b c"]);
    expect(tsv.column("a")).toEqual(["1,5"]);
    const semi = await readTable(file("semi.txt", "a;b\n1;2\n"), { format: "csv", delimiter: ";" });
    expect(values(semi.column("b"))).toEqual([2]);
    const idx = await readTable(file("index.csv", ",x\n0,1.5\n1,2.5\n"));
    expect(idx.columnNames).toEqual(["Unnamed: 0", "x"]);
    // R's write.csv: quoted header and row names, NA for missing
    const r = await readTable(file("r.csv", '"","x","el"\n"1",1.5,"Sr"\n"2",NA,"Ti"\n'));
    expect(r.columnNames).toEqual(["Unnamed: 0", "x", "el"]);
    expect(r.column("Unnamed: 0")).toBeInstanceOf(Int32Array);
    expect(values(r.column("x"))).toEqual([1.5, NaN]);
    expect(r.column("el")).toEqual(["Sr", "Ti"]);
  });

  test("errors name the file, the line and the column; nothing is shifted silently", async () => {
    const ragged = file("ragged.csv", 'a,b,c\n1,2,3\n4,"5\n6",7\n8,9\n');
    await expect(readTable(ragged)).rejects.toThrow(`readTable("${ragged}"): line 5: 2 fields, the header has 3`);
    const extra = file("extra.csv", "a,b\n1,2\n3,4,5\n");
    await expect(readTable(extra)).rejects.toThrow(/extra\.csv"\): line 3: 3 fields, the header has 2/);
    const open = file("open.csv", 'a,b\n1,2\n3,"unterminated\n4,5\n');
    await expect(readTable(open)).rejects.toThrow(/open\.csv"\): line 3, column 2: unterminated quote/);
    const after = file("after.csv", 'a,b\n1,"x"y\n');
    await expect(readTable(after)).rejects.toThrow(/after\.csv"\): line 2, column 2: "y" after a closing quote/);
    const dup = file("dup.csv", "a,b,a\n1,2,3\n");
    await expect(readTable(dup)).rejects.toThrow(/dup\.csv"\): line 1: column name "a" appears twice/);
    const forced = file("forced-bad.csv", "a,b\n1,2\n3,x\n");
    await expect(readTable(forced, { columns: { b: "float64" } })).rejects.toThrow(/forced-bad\.csv"\): line 3, column 2 \("b"\): "x" is not a number/);
    await expect(readTable(forced, { columns: { nope: "float64" } })).rejects.toThrow(/options.columns names "nope", not in the header \("a", "b"\)/);
    const huge = file("huge-int.csv", "a\n1.5\n9007199254740993\n");
    await expect(readTable(huge)).rejects.toThrow(/line 3, column 1 \("a"\): integer 9007199254740993 is beyond 2\^53/);
    const latin1 = file("latin1.csv", Uint8Array.from([0x61, 0x0a, 0xc5, 0x0a]));
    await expect(readTable(latin1)).rejects.toThrow(/latin1\.csv"\): the file is not valid UTF-8/);
    await expect(readTable(file("empty.csv", ""))).rejects.toThrow(/empty\.csv"\): no header row/);
    await expect(readTable(join(dir, "missing.csv"))).rejects.toThrow(/missing\.csv"\): cannot read the file: ENOENT/);
    await expect(readTable(file("x.dat", "a\n1\n"))).rejects.toThrow(/cannot tell the format from the extension ".dat"/);
    const big = file("big.csv", "a\n" + "1\n".repeat(1000));
    await expect(readTable(big, { maxBytes: 1000 })).rejects.toThrow(/big\.csv"\): the file has 2002 bytes, more than options.maxBytes = 1000/);
  });
});

describe("writeTable: CSV", () => {
  const awkward = () => table({
    x: new Float64Array([0.1, 1 / 3, -2.5e-300, 5e-324, Number.MAX_VALUE, 123456789.12345679, -0, 1e21, NaN, 7, Infinity, -Infinity]),
    label: new Int32Array([0, 1, -1, 2147483647, -2147483648, 5, 6, 7, 8, 9, 10, 11]),
    flag: new Uint8Array([1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0]),
    count: new Uint8Array([0, 1, 2, 255, 4, 5, 6, 7, 8, 9, 10, 11]),
    name: ["Sr", "O, apical", 'say "hi"', "two\nlines", " padded ", "Åström µm", "NA", "x\r\ny", "", "a\tb", "1.5x", "last"],
  });

  test("round trip is exact: shortest round-trip floats, -0, ±inf, NaN, int32 limits, flags, quoted strings", async () => {
    const t = awkward();
    const p = join(dir, "round.csv");
    await writeTable(t, p);
    const back = await readTable(p);
    expect(back.columnNames).toEqual(t.columnNames);
    for (const n of ["x", "label", "flag", "name"]) {
      expect(back.column(n).constructor).toBe(t.column(n).constructor);
      const a = values(back.column(n)), b = values(t.column(n));
      b.forEach((v, i) => expect([n, i, Object.is(a[i], v)]).toEqual([n, i, true]));
    }
    expect(back.column("count")).toBeInstanceOf(Int32Array); // non-flag Uint8 comes back as integers
    expect(values(back.column("count"))).toEqual(values(t.column("count")));
    const tsv = join(dir, "round.tsv");
    await writeTable(t, tsv);
    expect(readFileSync(tsv, "utf8").split("\n")[0]).toBe("x\tlabel\tflag\tcount\tname");
    expect((await readTable(tsv)).column("name")).toEqual(t.column("name"));
  });

  test("a one-column table with empty cells keeps its rows (empty cells written as \"\")", async () => {
    const p = join(dir, "one.csv");
    await writeTable({ v: [1.5, NaN, 2] }, p);
    expect(readFileSync(p, "utf8")).toBe('v\n1.5\n""\n2.0\n');
    expect(values((await readTable(p)).column("v"))).toEqual([1.5, NaN, 2]);
  });

  test("pandas reads our CSV/TSV to the same values (exact floats)", async () => {
    const t = awkward();
    for (const format of ["csv", "tsv"]) {
      const p = join(dir, `for-pandas.${format}`);
      await writeTable(t, p);
      const theirs = pandasRead(format, p);
      expect(theirs.map((c) => c.name)).toEqual(t.columnNames);
      for (const c of theirs.filter((c) => c.name !== "name")) expect([format, columnMismatch(t, c)]).toEqual([format, null]);
      // pandas reads the strings "NA" and "" as missing (its na_values); every other string is the same
      const names = theirs.find((c) => c.name === "name")!.values;
      (t.column("name") as string[]).forEach((s, i) => expect(names[i]).toBe(s === "NA" || s === "" ? null : s));
    }
  });

  test("our reader gives the values of the frame pandas wrote (to_csv, index=False)", async () => {
    for (const format of ["csv", "tsv"]) {
      const p = join(dir, `from-pandas.${format}`);
      const frame = pandasWrite(format, p);
      const ours = await readTable(p);
      expect(ours.columnNames).toEqual(frame.map((c) => c.name));
      for (const c of frame) expect([format, columnMismatch(ours, c)]).toEqual([format, null]);
    }
  });

  test("writes to a temporary file and renames: a failed write leaves the old file intact and no temporary file", async () => {
    const p = join(dir, "atomic.csv");
    await writeTable({ a: [1, 2] }, p);
    const before = readFileSync(p, "utf8");
    // a string column holding a non-string fails while the rows after the first chunks are formatted
    const names: unknown[] = Array.from({ length: 20000 }, (_, i) => `n${i}`);
    names[15000] = { replaceAll: () => { throw new Error("boom"); }, includes: () => { throw new Error("boom"); } };
    const bad = Table.of(new Map([["name", names as string[]]]));
    await expect(writeTable(bad, p)).rejects.toThrow(`writeTable("${p}"): boom`);
    expect(readFileSync(p, "utf8")).toBe(before);
    expect(readdirSync(dir).filter((f) => f.includes("atomic.csv") && f !== "atomic.csv")).toEqual([]);
    await expect(writeTable({ a: [1] }, dir + "/")).rejects.toThrow(/writeTable\(.*\): cannot tell the format/);
    await expect(writeTable({ a: [1] }, join(dir, "no-such-dir", "t.csv"))).rejects.toThrow(/no-such-dir\/t\.csv"\): ENOENT/);
    await expect(writeTable(table({}), join(dir, "none.csv"))).rejects.toThrow(/the table has no columns/);
  });
});
