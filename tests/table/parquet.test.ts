import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readTable, writeTable, table } from "../../src/table";
import { columnMismatch, expectPandasFrame, pandasRead, pandasWrite, sample, values } from "./reference";

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "causalscope-parquet-")); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));


describe("Parquet", () => {
  test("round trip keeps every type and value (-0, NaN, ±inf, int32 limits, uint8, empty strings)", async () => {
    const t = sample();
    const p = join(dir, "t.parquet");
    await writeTable(t, p);
    const bytes = readFileSync(p);
    expect([bytes.subarray(0, 4).toString(), bytes.subarray(-4).toString()]).toEqual(["PAR1", "PAR1"]);
    const back = await readTable(p);
    expect(back.columnNames).toEqual(t.columnNames);
    for (const n of t.columnNames) {
      expect([n, back.column(n).constructor.name]).toEqual([n, t.column(n).constructor.name]);
      const a = values(back.column(n));
      values(t.column(n)).forEach((v, i) => expect([n, i, Object.is(a[i], v)]).toEqual([n, i, true]));
    }
  });

  test("a table larger than one row group (hyparquet-writer starts a new one after 1000 rows) reads back in order", async () => {
    const n = 2500;
    const t = table({ i: Int32Array.from({ length: n }, (_, k) => k), s: Array.from({ length: n }, (_, k) => `a${k % 7}`) });
    const p = join(dir, "groups.parquet");
    await writeTable(t, p);
    const back = await readTable(p);
    expect(values(back.column("i"))).toEqual(values(t.column("i")));
    expect(back.column("s")).toEqual(t.column("s"));
  });

  test("pandas.read_parquet reads our file to the same values", async () => {
    const t = sample();
    const p = join(dir, "for-pandas.parquet");
    await writeTable(t, p);
    const theirs = pandasRead("parquet", p);
    expect(theirs.map((c) => [c.name, c.dtype])).toEqual([["x", "float64"], ["label", "int32"], ["flag", "uint8"], ["count", "uint8"], ["name", expect.stringMatching(/^(str|object|string)$/)]]);
    for (const c of theirs) expect(columnMismatch(t, c)).toBeNull();
  });

  test.each(["parquet", "parquet-none", "parquet-gzip", "parquet-zstd", "parquet-brotli"])("our reader gives the values pandas wrote: %s", async (format) => {
    const p = join(dir, `from-pandas-${format}.parquet`);
    await expectPandasFrame(format, p);
  });

  test("page checksums are verified when the file has them: a flipped data byte is an error, not a wrong value", async () => {
    const maxBytes = Buffer.from(new Float64Array([Number.MAX_VALUE]).buffer); // x[4] of the reference frame, stored PLAIN
    for (const [format, checked] of [["parquet-none", false], ["parquet-crc", true]] as const) {
      const p = join(dir, `${format}.parquet`);
      pandasWrite(format, p);
      expect((await readTable(p)).column("x")[4]).toBe(Number.MAX_VALUE); // intact: checksums match
      const bytes = readFileSync(p);
      const at = bytes.indexOf(maxBytes);
      expect(at).toBeGreaterThan(0);
      bytes[at + 7] ^= 0x01; // exponent bit: 1.797e308 -> 8.98e307
      writeFileSync(p, bytes);
      if (checked) await expect(readTable(p)).rejects.toThrow(/"\): column "x": page checksum mismatch at byte \d+/);
      else expect((await readTable(p)).column("x")[4]).not.toBe(Number.MAX_VALUE); // no checksum: the format cannot tell
    }
  });

  test("truncated or foreign files give an error naming the file", async () => {
    const good = join(dir, "good.parquet");
    pandasWrite("parquet", good);
    const bytes = readFileSync(good);
    const cut = join(dir, "cut.parquet");
    writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
    await expect(readTable(cut)).rejects.toThrow(`readTable("${cut}"): not a readable Parquet file`);
    const text = join(dir, "text.parquet");
    writeFileSync(text, "a,b\n1,2\n");
    await expect(readTable(text)).rejects.toThrow(/text\.parquet"\): not a readable Parquet file/);
  });
});
