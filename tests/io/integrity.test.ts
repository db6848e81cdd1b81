/**
 * The integrity corpus: malformed and edge-case files of every format
 * (tests/fixtures/io/make_corpus.py writes them with numpy, h5py, tifffile,
 * Pillow and byte edits). Every read must either equal what the reference
 * library reads or raise an error whose message names the file; each within
 * seconds and without a large allocation. A wrong number fails the test.
 * The summary table (cases, errors, equal reads) is printed at the end.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { listHdf5, readHdf5Dataset, readImage, readImageStack, readNpy, readPng, readTiff } from "../../src/io";
import { readDataset4D } from "../../src/stem4d";
import { PYTHON } from "./fixtures";

interface Case {
  file: string;
  read: "image" | "stack" | "npy" | "tiff" | "png" | "h5" | "list" | "4d";
  expect: "error" | { shape: number[]; values?: number[]; zeros?: number };
  args: { dataset?: string };
}

const ROOT = resolve(__dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "causalscope-corpus-"));
execFileSync(PYTHON, [join(ROOT, "tests", "fixtures", "io", "make_corpus.py"), dir], { stdio: ["ignore", "pipe", "inherit"] });
const corpus = JSON.parse(readFileSync(join(dir, "corpus.json"), "utf8")) as Record<string, Case>;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Read a case the way its `read` says; return the values read (flattened) and the shape. */
async function run(c: Case, file: string): Promise<{ shape: number[]; values: ArrayLike<number> }> {
  switch (c.read) {
    case "image": {
      const img = await readImage(file, c.args);
      return { shape: [img.height, img.width], values: img.data };
    }
    case "stack": {
      const s = await readImageStack(file, c.args);
      return { shape: [s.length, s[0].height, s[0].width], values: Float32Array.from(s.flatMap((i) => Array.from(i.data))) };
    }
    case "npy": {
      const a = readNpy(file);
      return { shape: a.shape, values: a.data as ArrayLike<number> };
    }
    case "tiff": {
      const [p] = readTiff(file);
      return { shape: [p.height, p.width], values: p.data as ArrayLike<number> };
    }
    case "png": {
      const p = readPng(file);
      return { shape: [p.height, p.width], values: p.data };
    }
    case "h5": {
      const d = await readHdf5Dataset(file, c.args.dataset!);
      return { shape: d.shape, values: d.data as ArrayLike<number> };
    }
    case "list":
      return { shape: [(await listHdf5(file)).length], values: [] };
    case "4d": {
      const ds = await readDataset4D(file, c.args);
      try {
        const n = ds.nFrames * ds.frameSize <= 1e6 ? ds.nFrames : 3;
        return { shape: [...ds.scanShape, ...ds.detShape], values: ds.readFrames(0, n) };
      } finally {
        ds.close();
      }
    }
  }
}

/** Where the read differs from the reference, or null. */
function mismatch(got: { shape: number[]; values: ArrayLike<number> }, want: Exclude<Case["expect"], "error">): string | null {
  if (JSON.stringify(got.shape) !== JSON.stringify(want.shape)) return `shape [${got.shape}] instead of [${want.shape}]`;
  if (want.zeros !== undefined) {
    if (got.values.length !== want.zeros) return `${got.values.length} values read, expected ${want.zeros}`;
    for (let i = 0; i < want.zeros; i++) if (got.values[i] !== 0) return `value ${i} = ${got.values[i]}, expected 0 (the fill value)`;
    return null;
  }
  const v = want.values!;
  if (got.values.length !== v.length) return `${got.values.length} values, expected ${v.length}`;
  for (let i = 0; i < v.length; i++) if (!Object.is(Number(got.values[i]), v[i]) && !(got.values[i] === v[i])) return `value ${i} = ${got.values[i]}, expected ${v[i]}`;
  return null;
}

const MAX_SECONDS = 10;
const MAX_GROWTH_BYTES = 1024 * 2 ** 20;
const results: { name: string; format: string; outcome: "error naming the file" | "equals the reference"; ms: number }[] = [];

describe("integrity corpus: every malformed file gives the reference values or an error naming the file", () => {
  it.each(Object.keys(corpus))("%s", async (name) => {
    const c = corpus[name];
    const file = join(dir, c.file);
    const before = process.memoryUsage();
    const t0 = performance.now();
    let got: Awaited<ReturnType<typeof run>> | undefined;
    let error: Error | undefined;
    try {
      got = await run(c, file);
    } catch (e) {
      error = e as Error;
    }
    const ms = performance.now() - t0;
    const after = process.memoryUsage();
    expect(ms).toBeLessThan(MAX_SECONDS * 1000);
    expect(after.rss + after.arrayBuffers - before.rss - before.arrayBuffers).toBeLessThan(MAX_GROWTH_BYTES);
    if (c.expect === "error") {
      // A read that cannot be right must raise, and the message must name the file.
      expect(got).toBeUndefined();
      expect(error?.message).toContain(file);
      results.push({ name, format: name.split(":")[0], outcome: "error naming the file", ms });
    } else {
      if (error) throw new Error(`${name}: expected the reference values, got an error: ${error.message}`);
      expect(mismatch(got!, c.expect)).toBeNull();
      results.push({ name, format: name.split(":")[0], outcome: "equals the reference", ms });
    }
  });

  afterAll(() => {
    const formats = [...new Set(results.map((r) => r.format))];
    const lines = formats.map((f) => {
      const rs = results.filter((r) => r.format === f);
      const errors = rs.filter((r) => r.outcome === "error naming the file").length;
      return `${f.padEnd(8)} ${String(rs.length).padStart(3)} files: ${errors} errors naming the file, ${rs.length - errors} equal to the reference, slowest ${Math.max(...rs.map((r) => r.ms)).toFixed(0)} ms`;
    });
    const errors = results.filter((r) => r.outcome === "error naming the file").length;
    lines.push(`total    ${results.length} of ${Object.keys(corpus).length} files passed: ${errors} errors naming the file, ${results.length - errors} equal to the reference, 0 wrong numbers`);
    console.log(`integrity corpus\n${lines.join("\n")}`);
  });
});
