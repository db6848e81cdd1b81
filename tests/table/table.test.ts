import { table, Table } from "causalscope";
import { asColumns } from "../../src/table";
import { mimeBundleOf } from "../../src/display";
import * as arrow from "apache-arrow";

const atoms = () =>
  table({
    x: new Float64Array([1.5, 2.5, 3.5, 4.5]),
    label: new Int32Array([0, 1, 1, 2]),
    edge: new Uint8Array([1, 0, 0, 1]),
    element: ["Sr", "Ti", "O", "<script>alert(1)</script>"],
  });

describe("Table", () => {
  test("shape, column access and types", () => {
    const t = atoms();
    expect(t).toBeInstanceOf(Table);
    expect(t.columnNames).toEqual(["x", "label", "edge", "element"]);
    expect(t.numRows).toBe(4);
    expect(t.column("x")).toBeInstanceOf(Float64Array);
    expect(t.column("label")).toBeInstanceOf(Int32Array);
    expect(t.column("edge")).toBeInstanceOf(Uint8Array);
    expect(t.column("element")).toEqual(["Sr", "Ti", "O", "<script>alert(1)</script>"]);
  });

  test("number[] → Float64Array, boolean[] → Uint8Array, Float32Array → Float64Array, null → NaN", () => {
    const t = table({ a: [1, 2, null as unknown as number], b: [true, false, true], c: new Float32Array([0.5, 1, 2]) });
    expect(Array.from(t.column("a") as Float64Array)).toEqual([1, 2, NaN]);
    expect(t.column("a")).toBeInstanceOf(Float64Array);
    expect(Array.from(t.column("b") as Uint8Array)).toEqual([1, 0, 1]);
    expect(t.column("c")).toBeInstanceOf(Float64Array);
  });

  test("from rows and back", () => {
    const rows = [{ x: 1, el: "Sr" }, { x: 2, el: "Ti" }];
    const t = table(rows);
    expect(t.columnNames).toEqual(["x", "el"]);
    expect(t.column("x")).toBeInstanceOf(Float64Array);
    expect(t.toRows()).toEqual(rows);
    expect(table([]).numRows).toBe(0);
  });

  test("select, filter, take, slice, withColumn return new tables and leave the original alone", () => {
    const t = atoms();
    const s = t.select(["element", "x"]);
    expect(s.columnNames).toEqual(["element", "x"]);
    const f = t.filter((i, tt) => (tt.numeric("x")[i] as number) > 2);
    expect(f.numRows).toBe(3);
    expect(f.column("element")).toEqual(["Ti", "O", "<script>alert(1)</script>"]);
    expect(Array.from(f.column("label") as Int32Array)).toEqual([1, 1, 2]);
    expect(f.column("label")).toBeInstanceOf(Int32Array);
    expect(t.take([3, 0]).column("element")).toEqual(["<script>alert(1)</script>", "Sr"]);
    expect(Array.from(t.slice(1, 3).column("x") as Float64Array)).toEqual([2.5, 3.5]);
    const w = t.withColumn("y", [9, 8, 7, 6]);
    expect(w.columnNames).toEqual(["x", "label", "edge", "element", "y"]);
    expect(t.columnNames).toHaveLength(4);
    const r = t.withColumn("x", new Float64Array([0, 0, 0, 0])); // replace, keep position
    expect(r.columnNames[0]).toBe("x");
    expect(Array.from(r.column("x") as Float64Array)).toEqual([0, 0, 0, 0]);
    expect(Array.from(t.column("x") as Float64Array)).toEqual([1.5, 2.5, 3.5, 4.5]);
  });

  test("errors name the column and the reason", () => {
    const t = atoms();
    expect(() => t.column("y")).toThrow('Table.column: no column "y"; columns are "x", "label", "edge", "element"');
    expect(() => t.select(["x", "nope"])).toThrow(/Table.select: no column "nope"; columns are "x", "label", "edge", "element"/);
    expect(() => t.withColumn("y", [1, 2])).toThrow(/column "y" has 2 values, the table has 4 rows/);
    expect(() => table({ a: [1, 2, 3], b: [1, 2] })).toThrow(/columns differ in length: "a" has 3 rows, "b" has 2/);
    expect(() => table({ a: [1, "x"] as never })).toThrow(/column "a" mixes numbers and string \(row 1/);
    expect(() => table([{ a: 1, b: 2 }, { a: 3 }])).toThrow(/row 1 has no "b"/);
    expect(() => t.numeric("element")).toThrow(/column "element" holds strings/);
    expect(() => t.take([4])).toThrow(/indices\[0\] = 4 is not a row index in 0..3/);
    expect(() => table(null as never)).toThrow(/table: columnsOrRows must be/);
  });

  test("HTML preview escapes strings (no live <script>) and shows head and tail", async () => {
    const t = atoms();
    const bundle = (await mimeBundleOf(t))!;
    const html = bundle["text/html"] as string;
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("<caption>Table: 4 rows × 4 columns</caption>");
    expect(bundle).toEqual(t.toMimeBundle());
    const text = bundle["text/plain"] as string;
    expect(text.split("\n")[0]).toBe("Table: 4 rows × 4 columns");
    expect(text).toContain("<script>alert(1)</script>"); // plain text is not HTML
    const long = table({ i: Float64Array.from({ length: 100 }, (_, k) => k) });
    const lhtml = long.toHtml({ maxRows: 6 });
    expect((lhtml.match(/<tr>/g) ?? []).length).toBe(1 + 6 + 1); // header, 3 head + ellipsis + 3 tail
    expect(lhtml).toContain("<th>99</th><td>99</td>");
    expect(lhtml).toContain("<td>…</td>");
    expect(lhtml).not.toContain("<td>50</td>");
    expect(long.toText({ maxRows: 4 }).split("\n")).toEqual(["Table: 100 rows × 1 columns", "     i", "0    0", "1    1", "…    …", "98  98", "99  99"]);
  });

  test("apache-arrow round trip keeps types and values", () => {
    const t = atoms().withColumn("v", [0.1, NaN, -2, 1e-9]);
    const a = t.toArrow();
    expect(a.numRows).toBe(4);
    expect(a.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(["x:Float64", "label:Int32", "edge:Uint8", "element:Utf8", "v:Float64"]);
    expect(a.getChild("element")!.get(3)).toBe("<script>alert(1)</script>");
    const back = Table.fromArrow(a);
    expect(back.columnNames).toEqual(t.columnNames);
    expect(back.column("label")).toBeInstanceOf(Int32Array);
    expect(Array.from(back.column("label") as Int32Array)).toEqual([0, 1, 1, 2]);
    expect(Array.from(back.column("v") as Float64Array)).toEqual([0.1, NaN, -2, 1e-9]);
    expect(back.column("element")).toEqual(t.column("element"));
  });
});

describe("Table.fromArrow", () => {
  test("integers: int32 when exact, Float64Array NaN for nulls, int64 beyond 2^53 refused; uint8, booleans, dictionary strings", () => {
    const a = new arrow.Table({
      i64: arrow.vectorFromArray([1n, -2n, 2147483647n], new arrow.Int64()),
      big: arrow.vectorFromArray([1n, 3000000000n, 2n ** 53n], new arrow.Int64()),
      nul: arrow.vectorFromArray([1, null, 3], new arrow.Int32()),
      u8: arrow.vectorFromArray([0, 200, 255], new arrow.Uint8()),
      b: arrow.vectorFromArray([true, null, false], new arrow.Bool()),
      cat: arrow.vectorFromArray(["Sr", "Ti", "Sr"], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int8())),
    });
    const t = Table.fromArrow(a);
    expect(t.column("i64")).toBeInstanceOf(Int32Array);
    expect(Array.from(t.column("i64") as Int32Array)).toEqual([1, -2, 2147483647]);
    expect(t.column("big")).toBeInstanceOf(Float64Array);
    expect(Array.from(t.column("big") as Float64Array)).toEqual([1, 3000000000, 2 ** 53]);
    expect(Array.from(t.column("nul") as Float64Array)).toEqual([1, NaN, 3]);
    expect(t.column("u8")).toBeInstanceOf(Uint8Array);
    expect(Array.from(t.column("b") as Float64Array)).toEqual([1, NaN, 0]);
    expect(t.column("cat")).toEqual(["Sr", "Ti", "Sr"]);
    const tooBig = new arrow.Table({ id: arrow.vectorFromArray([2n ** 53n + 1n], new arrow.Int64()) });
    expect(() => Table.fromArrow(tooBig)).toThrow(/integer column "id" holds 9007199254740993 \(row 0\), beyond 2\^53/);
    const dates = new arrow.Table({ d: arrow.vectorFromArray([new Date(0)], new arrow.DateMillisecond()) });
    expect(() => Table.fromArrow(dates)).toThrow(/column "d" has Arrow type Date64<MILLISECOND>; only numbers, booleans and strings/);
  });
});

describe("asColumns", () => {
  test("accepts a Table or plain columns, returns Float64Arrays", () => {
    const t = table({ a: [1, 2], b: new Int32Array([3, 4]) });
    const c = asColumns(t);
    expect(Object.keys(c)).toEqual(["a", "b"]);
    expect(c.a).toBe(t.column("a")); // Float64Array passed through
    expect(c.b).toBeInstanceOf(Float64Array);
    expect(Array.from(c.b)).toEqual([3, 4]);
    const d = asColumns({ x: [1, 2, 3], y: new Float64Array([4, 5, 6]) });
    expect(d.x).toBeInstanceOf(Float64Array);
    expect(Array.from(d.x)).toEqual([1, 2, 3]);
  });

  test("names every non-numeric column, and length mismatches", () => {
    expect(() => asColumns(atoms())).toThrow(/asColumns: non-numeric column "element"/);
    expect(() => asColumns({ a: [1], s: ["x"] as never, t: [2, "y"] as never })).toThrow(/non-numeric columns "s", "t"/);
    expect(() => asColumns({ a: [1, 2], b: [1] })).toThrow(/columns differ in length: "a" has 2, "b" has 1/);
    expect(() => asColumns(null as never)).toThrow(/asColumns: data must be/);
  });
});
