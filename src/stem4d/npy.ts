/**
 * `.npy` header bytes for the streaming 4D writer (format 1.0, see
 * numpy.lib.format). Headers are read with `npyHeader` from src/io.
 */

/** The bytes of a version-1.0 `.npy` header for a C-ordered array (padded to 64 bytes). */
export function npyHeaderBytes(descr: string, shape: number[]): Buffer {
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const total = 10 + dict.length + 1;
  const pad = (64 - (total % 64)) % 64;
  dict = dict + " ".repeat(pad) + "\n";
  if (dict.length > 65535) throw new Error("npyHeaderBytes: header too long");
  const out = Buffer.alloc(10 + dict.length);
  out[0] = 0x93; out.write("NUMPY", 1, "latin1"); out[6] = 1; out[7] = 0;
  out.writeUInt16LE(dict.length, 8);
  out.write(dict, 10, "latin1");
  return out;
}
