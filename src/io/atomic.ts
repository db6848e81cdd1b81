/**
 * Safe writing for every writer: the bytes go to a temporary file in the
 * target's folder, which is renamed over the target only once complete (a
 * rename within one folder is atomic on POSIX file systems), so an
 * interrupted write never leaves a file that reads back as valid but wrong;
 * and a writer refuses to overwrite the file its data are being read from.
 */
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { ioError } from "./util";

/** True when `a` and `b` name the same existing file (same device and inode: links and symlinks included). */
export function sameFile(a: string, b: string): boolean {
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/** Throw `fn("target"): ...` when `target` is one of `sources` (the files the data being written are read from). */
export function refuseOwnSource(fn: string, target: string, sources: readonly (string | undefined)[]): void {
  for (const s of sources) {
    if (s !== undefined && sameFile(target, s)) {
      throw ioError(fn, target, `refusing to overwrite the file the data are read from (${JSON.stringify(s)}); write to another path`);
    }
  }
}

/** A fresh temporary path beside `target` (same folder, so the final rename is atomic). */
export function tempPathFor(target: string): string {
  const rand = Math.floor(Math.random() * 2 ** 32).toString(36);
  return join(dirname(target), `.${basename(target)}.${process.pid}.${rand}.tmp`);
}

/**
 * Write `target` through a temporary file: `body(tmpPath)` creates and fills
 * it; on success it is flushed to disk and renamed over `target`; on any
 * error it is removed and the error rethrown (`target` is untouched).
 */
export async function writeAtomically<T>(fn: string, target: string, body: (tmpPath: string) => Promise<T> | T): Promise<T> {
  const tmp = tempPathFor(target);
  try {
    const result = await body(tmp);
    commit(fn, tmp, target);
    return result;
  } catch (e) {
    removeQuietly(tmp);
    throw e;
  }
}

/** The synchronous form of `writeAtomically`. */
export function writeAtomicallySync<T>(fn: string, target: string, body: (tmpPath: string) => T): T {
  const tmp = tempPathFor(target);
  try {
    const result = body(tmp);
    commit(fn, tmp, target);
    return result;
  } catch (e) {
    removeQuietly(tmp);
    throw e;
  }
}

function commit(fn: string, tmp: string, target: string): void {
  try {
    const fd = openSync(tmp, "r+");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (e) {
    throw ioError(fn, target, `cannot write: ${(e as Error).message}`);
  }
}

function removeQuietly(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    /* never created, or already gone */
  }
}
