/**
 * Real microscopy data lives in ../shared/data beside the checkout (see its
 * README for provenance). A user's clone has none: tests that need it call
 * `sharedData(relPath)` and skip, loudly, when it is absent.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

export const SHARED_DATA = resolve(__dirname, "..", "..", "..", "shared", "data");

/** Absolute path of a shared data file, or null (with a loud warning) when absent. */
export function sharedData(relPath: string): string | null {
  const path = join(SHARED_DATA, relPath);
  if (existsSync(path)) return path;
  console.warn(`\n*** SKIPPING: real data ${path} is absent (../shared/data is not beside this checkout) ***\n`);
  return null;
}

/** `describe` when the shared file exists, else `describe.skip` with a loud warning. */
export function describeWithData(relPath: string, name: string, fn: (path: string) => void): void {
  const path = sharedData(relPath);
  if (path) describe(name, () => fn(path));
  else describe.skip(`${name} (SKIPPED: ${relPath} absent from ../shared/data)`, () => { it("needs real data", () => undefined); });
}
