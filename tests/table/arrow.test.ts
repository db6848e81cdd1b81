import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readTable, writeTable } from "../../src/table";
import { tableToIPC } from "apache-arrow";
import { decodeLz4Frame, xxh32 } from "../../src/table/lz4";
import { columnMismatch, expectPandasFrame, pandasRead, pandasWrite, sample, values } from "./reference";

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "causalscope-arrow-")); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));


describe("Arrow IPC / Feather", () => {
  test("round trip keeps every type and value (-0, NaN, ±inf, int32 limits, uint8, empty strings)", async () => {
    const t = sample();
    for (const name of ["t.arrow", "t.feather", "t.ipc"]) {
      const p = join(dir, name);
      await writeTable(t, p);
      expect(readFileSync(p).subarray(0, 6).toString()).toBe("ARROW1"); // the IPC file format (Feather v2)
      const back = await readTable(p);
      expect(back.columnNames).toEqual(t.columnNames);
      for (const n of t.columnNames) {
        expect([name, n, back.column(n).constructor.name]).toEqual([name, n, t.column(n).constructor.name]);
        const a = values(back.column(n));
        values(t.column(n)).forEach((v, i) => expect([n, i, Object.is(a[i], v)]).toEqual([n, i, true]));
      }
    }
  });

  test("an IPC stream written by apache-arrow (with its end-of-stream marker) reads back", async () => {
    const p = join(dir, "js.arrows");
    writeFileSync(p, tableToIPC(sample().toArrow(), "stream"));
    const back = await readTable(p, { format: "arrow" });
    expect(back.column("name")).toEqual(sample().column("name"));
    expect(values(back.column("x"))).toEqual(values(sample().column("x")));
  });

  test("pandas.read_feather reads our file to the same values", async () => {
    const t = sample();
    const p = join(dir, "for-pandas.feather");
    await writeTable(t, p);
    const theirs = pandasRead("arrow", p);
    expect(theirs.map((c) => [c.name, c.dtype])).toEqual([["x", "float64"], ["label", "int32"], ["flag", "uint8"], ["count", "uint8"], ["name", expect.stringMatching(/^(str|object|string)$/)]]);
    for (const c of theirs) expect(columnMismatch(t, c)).toBeNull();
  });

  test.each([
    ["arrow", "pandas.to_feather (LZ4-compressed batches)"],
    ["arrow-zstd", "to_feather(compression='zstd')"],
    ["arrow-stream", "pyarrow IPC stream"],
  ])("our reader gives the values pandas wrote: %s (%s)", async (format) => {
    const p = join(dir, `from-pandas-${format}.arrow`);
    await expectPandasFrame(format, p);
  });

  test("truncated, corrupt or foreign files give an error naming the file", async () => {
    const good = join(dir, "lz4.feather");
    pandasWrite("arrow", good);
    const bytes = readFileSync(good);
    const cut = join(dir, "cut.feather");
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(readTable(cut)).rejects.toThrow(`readTable("${cut}"): truncated Arrow IPC file`);
    const stream = join(dir, "stream.arrows");
    pandasWrite("arrow-stream", stream);
    const sbytes = readFileSync(stream);
    const boundary = join(dir, "boundary.arrows");
    writeFileSync(boundary, sbytes.subarray(0, sbytes.length - 8)); // cut at a message boundary: without the check, fewer rows
    await expect(readTable(boundary, { format: "arrow" })).rejects.toThrow(/boundary\.arrows"\): not a complete Arrow IPC file or stream: .* no end-of-stream marker/);
    const csv = join(dir, "text.arrow");
    writeFileSync(csv, "a,b\n1,2\n");
    await expect(readTable(csv)).rejects.toThrow(/text\.arrow"\): not a complete Arrow IPC file or stream/);
  });
});

describe("LZ4 frames", () => {
  test("xxHash32 reference values", () => {
    expect(xxh32(new Uint8Array())).toBe(0x02cc5d05);
    expect(xxh32(new TextEncoder().encode("abc"))).toBe(0x32d153ff);
  });

  test("decodes a frame (literals, overlapping match, content checksum) and rejects corruption", () => {
    const data = new TextEncoder().encode("abcabcabcabcabcabc");
    // token 0x3b: 3 literals "abc", then a match of 11 + 4 = 15 bytes at offset 3 (overlapping); token 0x00: the last, empty sequence
    const block = Uint8Array.from([0x3b, 0x61, 0x62, 0x63, 0x03, 0x00, 0x00]);
    const desc = Uint8Array.from([0x64, 0x40]); // version 1, independent blocks, content checksum; 64 KB blocks
    const hc = (xxh32(desc) >>> 8) & 0xff;
    const le = (v: number) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24];
    const frame = Uint8Array.from([0x04, 0x22, 0x4d, 0x18, ...desc, hc, ...le(block.length), ...block, 0, 0, 0, 0, ...le(xxh32(data))]);
    expect(new TextDecoder().decode(decodeLz4Frame(frame))).toBe("abcabcabcabcabcabc");
    const flipped = frame.slice();
    flipped[12] = 0x64; // "a" -> "d" in the literals (bytes 0-3 magic, 4-5 descriptor, 6 header checksum, 7-10 block size, 11 token)
    expect(() => decodeLz4Frame(flipped)).toThrow(/content checksum mismatch/);
    const badOffset = frame.slice();
    badOffset[15] = 9; // match offset 9 reaches before the data
    expect(() => decodeLz4Frame(badOffset)).toThrow(/match offset 9 reaches before the data/);
    expect(() => decodeLz4Frame(frame.subarray(0, 12))).toThrow(/ends (inside a block|before its end mark)/);
    const badHeader = frame.slice();
    badHeader[6] ^= 1;
    expect(() => decodeLz4Frame(badHeader)).toThrow(/header checksum mismatch/);
  });
});
