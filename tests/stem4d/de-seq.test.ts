/**
 * Direct Electron / Norpix StreamPix `.seq` through readDataset4D by content:
 * byte-exact files written here following the header layout rosettasciio's
 * `rsciio.de` reads (magic 0xFEED + UTF-16 "Norpix seq", image info at 548,
 * frames every TrueImageSize bytes from 8192, each followed by an 8-byte
 * timestamp and padding). Frames equal to what was written (non-square,
 * row-major height × width), 8/16/32-bit; truncated and compressed files
 * refused with errors naming the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readDataset4D } from "../../src/stem4d";

const W = 5, H = 4;

/** A .seq file of `n` frames of `bits`-bit pixels, value(i, y, x) = (i * 1009 + y * W + x) * scale mod 2^bits. */
function seq(n: number, bits: number, scale: number, opts: { imageBytes?: number } = {}): { bytes: Uint8Array; values: number[] } {
  const b = bits / 8, pixels = W * H * b, stride = pixels + 8 + 20; // pixels, timestamp, padding
  const out = new Uint8Array(8192 + n * stride);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xfeed, true);
  for (let i = 0; i < 10; i++) dv.setUint16(4 + 2 * i, "Norpix seq".charCodeAt(i), true);
  dv.setInt32(28, 5, true); // version
  dv.setInt32(32, 8192, true); // header size
  dv.setUint32(548, W, true);
  dv.setUint32(552, H, true);
  dv.setUint32(556, bits, true);
  dv.setUint32(560, bits, true);
  dv.setUint32(564, opts.imageBytes ?? pixels, true);
  dv.setInt32(572, n, true);
  dv.setInt32(580, stride, true);
  dv.setFloat64(584, 1000, true);
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const v = Number((BigInt((i * 1009 + y * W + x) * scale)) % (1n << BigInt(bits)));
      values.push(v);
      const at = 8192 + i * stride + (y * W + x) * b;
      if (b === 1) dv.setUint8(at, v); else if (b === 2) dv.setUint16(at, v, true); else dv.setUint32(at, v, true);
    }
    dv.setUint32(8192 + i * stride + pixels, 1700000000 + i, true); // timestamp: seconds, ms, µs
    dv.setUint16(8192 + i * stride + pixels + 4, 7, true);
    out.fill(0xab, 8192 + i * stride + pixels + 8, 8192 + (i + 1) * stride); // padding must never be read as pixels
  }
  return { bytes: out, values };
}

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "deseq-")); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.each([[8, 1], [16, 1], [32, 65521]])("%i-bit frames equal to what was written (height × width, row-major)", async (bits, scale) => {
  const { bytes, values } = seq(6, bits, scale);
  const path = join(dir, `d${bits}.seq`);
  writeFileSync(path, bytes);
  const ds = await readDataset4D(path, { scanShape: [2, 3] });
  expect(ds.scanShape).toEqual([2, 3]);
  expect(ds.detShape).toEqual([H, W]);
  expect(Array.from(ds.readFrames(0, 6))).toEqual(values.map((v) => Math.fround(v)));
  expect(Array.from(ds.readFrames(4, 1))).toEqual(values.slice(4 * W * H, 5 * W * H).map((v) => Math.fround(v)));
  ds.close();
  await expect(readDataset4D(path)).rejects.toThrow(/3-D \(6×4×5\); pass options\.scanShape/);
});

test("truncated and compressed .seq files are refused naming the file", async () => {
  const { bytes } = seq(6, 16, 1);
  const cut = join(dir, "cut.seq");
  writeFileSync(cut, bytes.subarray(0, bytes.length - 60));
  await expect(readDataset4D(cut, { scanShape: [2, 3] })).rejects.toThrow(/cut\.seq"\): truncated: 6 frames of 5 × 4 uint16/);
  const packed = join(dir, "packed.seq");
  writeFileSync(packed, seq(2, 16, 1, { imageBytes: 17 }).bytes);
  await expect(readDataset4D(packed, { scanShape: [1, 2] })).rejects.toThrow(/packed\.seq"\): ImageSizeBytes 17 .* compressed sequence/);
});
