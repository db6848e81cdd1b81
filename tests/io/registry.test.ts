// The reader registry: formats chosen by content, user readers, errors naming the file and the formats tried.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { detectFormat, readImage, readImageStack, readers, registerReader, writeNpy, type FormatReader } from "../../src/io";
import { ChunkSource } from "../../src/io/frames4d";
import { parseDType } from "../../src/io/dtype";
import { dataset4D, readDataset4D, virtualImage } from "../../src/stem4d";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "causalscope-registry-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A binary PGM ("P5 w h 255\n" + bytes) reader, as a user would write one. */
const pgm: FormatReader = {
  name: "pgm",
  description: "a binary PGM image",
  extensions: [".pgm"],
  signature: '"P5" + whitespace',
  gives: ["image", "stack"],
  sniff: (head) => head[0] === 0x50 && head[1] === 0x35 && (head[2] === 0x0a || head[2] === 0x20),
  open: (file) => {
    const image = async () => {
      const bytes = fs.readFileSync(file);
      const m = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(bytes.subarray(0, 64).toString("latin1"))!;
      const [w, h] = [Number(m[1]), Number(m[2])];
      const data = Float32Array.from(bytes.subarray(m[0].length, m[0].length + w * h));
      return { data, width: w, height: h, source: { path: file, format: "pgm", dtype: "|u1", shape: [h, w], pageCount: 1, warnings: [] } };
    };
    return { image, stack: async () => [await image()] };
  },
};

describe("reader registry", () => {
  it("lists the built-in readers in the order they are tried, each saying what it gives", () => {
    expect(readers().map((r) => `${r.name}:${r.gives.join("+")}`)).toEqual(["npy:image+stack+frames4D", "tiff:image+stack", "png:image+stack", "hdf5:image+stack+frames4D", "dm:image+stack", "tia-ser:image+stack", "tia-emi:image+stack", "mrc:image+stack", "mib:frames4D", "mib-hdr:frames4D", "blo:frames4D", "empad:frames4D", "zarr:frames4D", "de-seq:frames4D", "nanonis-sxm:image+stack", "nanonis-3ds:", "nanonis-dat:", "gwyddion:image+stack", "igor-ibw:image+stack", "nanoscope:image+stack", "createc-vert:", "wsxm:image+stack", "raw:frames4D"]);
  });

  it("a user reader is chosen by content, whatever the extension, and removed again", async () => {
    const f = path.join(tmp, "picture.dat");
    fs.writeFileSync(f, Buffer.concat([Buffer.from("P5\n3 2\n255\n", "latin1"), Buffer.from([1, 2, 3, 4, 5, 250])]));
    await expect(readImage(f)).rejects.toThrow(/readImage\(".*picture\.dat"\): unknown file format: first bytes 50 35 0a 33.*formats tried: npy .*tiff .*png .*hdf5 /);
    const off = registerReader(pgm);
    try {
      expect(readers()[0].name).toBe("pgm");
      expect(detectFormat(fs.readFileSync(f))).toBe("pgm");
      const img = await readImage(f);
      expect([img.width, img.height, Array.from(img.data)]).toEqual([3, 2, [1, 2, 3, 4, 5, 250]]);
      expect((await readImageStack(f)).length).toBe(1);
      await expect(readDataset4D(f)).rejects.toThrow(/readDataset4D\(".*picture\.dat"\): the file is a binary PGM image \(pgm\), which holds no 4-D dataset; formats with a 4-D dataset: npy, hdf5, mib, mib-hdr, blo, empad, zarr, de-seq, raw/);
      expect(() => registerReader(pgm)).toThrow(/a reader named "pgm" is already registered/);
    } finally {
      off();
    }
    expect(readers().some((r) => r.name === "pgm")).toBe(false);
    await expect(readImage(f)).rejects.toThrow(/unknown file format/);
  });

  it("refuses readers without name, gives, sniff or open", () => {
    expect(() => registerReader({ name: "x" } as unknown as FormatReader)).toThrow(/needs a non-empty name, gives .*sniff.*open/);
  });

  it("a user 4-D reader (a detector format with a file header) streams like the built-in ones", async () => {
    // 'DET1' + u32 rows, cols, ky, kx, then uint16 frames: what an issue-13 detector reader looks like.
    const [rows, cols, ky, kx] = [3, 4, 5, 6];
    const n = rows * cols * ky * kx;
    const values = Uint16Array.from({ length: n }, (_, i) => (i * 37) % 1000);
    const head = Buffer.alloc(20);
    head.write("DET1", 0, "latin1");
    [rows, cols, ky, kx].forEach((v, i) => head.writeUInt32LE(v, 4 + 4 * i));
    const f = path.join(tmp, "scan.det");
    fs.writeFileSync(f, Buffer.concat([head, Buffer.from(values.buffer)]));
    const det: FormatReader = {
      name: "det1", description: "a DET1 detector file", extensions: [".det"], signature: '"DET1"', gives: ["frames4D"],
      sniff: (h) => Buffer.from(h.subarray(0, 4)).toString("latin1") === "DET1",
      open: (file, { size }) => ({
        async frames4D() {
          const b = fs.readFileSync(file).subarray(0, 20);
          const shape = [0, 1, 2, 3].map((i) => b.readUInt32LE(4 + 4 * i));
          const dtype = parseDType("<u2");
          if (20 + shape.reduce((a, c) => a * c, 1) * 2 > size) throw new Error(`det1 ${file}: truncated`);
          const spec = { type: "file" as const, path: file, offset: 20, stride: shape[2] * shape[3] * 2, frameHeader: 0, frameSize: shape[2] * shape[3], kind: dtype.kind, size: dtype.size, littleEndian: true };
          return { source: new ChunkSource(spec, dtype, `DET1 ${file}`, true), shape, calibration: { scanStep: 0.5 }, what: "the frames" };
        },
      }),
    };
    const off = registerReader(det);
    try {
      const ds = await readDataset4D(f);
      expect([ds.scanShape, ds.detShape, ds.calibration.scanStep]).toEqual([[3, 4], [5, 6], 0.5]);
      const mem = dataset4D(values, [rows, cols], [ky, kx]);
      const circle = { type: "circle" as const, center: [2.5, 3] as [number, number], radius: 2 };
      expect((await virtualImage(ds, circle, { workers: 2, partitionFrames: 5 })).data).toEqual((await virtualImage(mem, circle)).data);
      ds.close();
      await expect(readImage(f)).rejects.toThrow(/the file is a DET1 detector file \(det1\), which holds no 2-D image; formats with a 2-D image: npy, tiff, png, hdf5/);
    } finally {
      off();
    }
  });

  it("options.format picks a reader by name; an unknown name lists the readers", async () => {
    const f = path.join(tmp, "a.npy");
    writeNpy(f, new Float32Array(2 * 3 * 2 * 2), [2, 3, 2, 2]);
    expect((await readDataset4D(f, { format: "npy" })).scanShape).toEqual([2, 3]);
    await expect(readDataset4D(f, { format: "hdf5" })).rejects.toThrow(/readDataset4D\(".*a\.npy"\): not an HDF5 file/);
    await expect(readDataset4D(f, { format: "seq" })).rejects.toThrow(/unknown format "seq"; registered readers: npy, tiff, png, hdf5, dm, tia-ser, tia-emi, mrc, mib, mib-hdr, blo, empad, zarr, de-seq, nanonis-sxm, nanonis-3ds, nanonis-dat, gwyddion, igor-ibw, nanoscope, createc-vert, wsxm, raw/);
  });
});
