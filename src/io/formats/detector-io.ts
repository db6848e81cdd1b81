/** Small synchronous file reads shared by the detector-format readers. */
import * as fs from "node:fs";

/** `length` bytes of `path` from byte `offset` (fewer at the end of the file). */
export function readFileHead(path: string, length: number, offset = 0): Uint8Array {
  const fd = fs.openSync(path, "r");
  try {
    const b = new Uint8Array(length);
    const n = fs.readSync(fd, b, 0, length, offset);
    return b.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}
