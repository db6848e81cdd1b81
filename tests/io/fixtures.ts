/**
 * Reader fixtures written by the reference libraries (numpy, tifffile, h5py,
 * Pillow) into a temporary directory, with a manifest of the values those
 * libraries read back (tests/fixtures/io/make_fixtures.py).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..", "..");
export const PYTHON = process.env.CAUSALSCOPE_PYTHON ?? join(ROOT, ".venv", "bin", "python");

export interface ManifestEntry {
  shape: number[];
  dtype: string;
  values: (number | string)[];
  fortran?: boolean;
  pixelSize?: number;
  unit?: string;
}

export interface Fixtures {
  dir: string;
  path(name: string): string;
  entry(name: string): ManifestEntry;
  names(): string[];
  cleanup(): void;
}

/** Run the fixture writer once per test file; throws clearly when the venv is missing. */
export function makeFixtures(): Fixtures {
  if (!existsSync(PYTHON)) {
    throw new Error(`reader fixtures need the project venv's Python at ${PYTHON} (numpy, tifffile, h5py, pillow): run \`node scripts/venv.mjs\``);
  }
  const dir = mkdtempSync(join(tmpdir(), "causalscope-io-"));
  execFileSync(PYTHON, [join(ROOT, "tests", "fixtures", "io", "make_fixtures.py"), dir], { stdio: ["ignore", "pipe", "inherit"] });
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Record<string, ManifestEntry>;
  return {
    dir,
    path: (name) => join(dir, name),
    entry: (name) => {
      const e = manifest[name];
      if (!e) throw new Error(`fixture ${name} is not in the manifest`);
      return e;
    },
    names: () => Object.keys(manifest),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Decode a manifest value: numbers as numbers, specials and big integers from strings. */
export function decodeValue(v: number | string): number | bigint {
  if (typeof v === "number") return v;
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  if (v === "-0") return -0;
  return BigInt(v);
}

/**
 * Compare arrays element by element (NaN equals NaN; -0 must stay -0 where
 * the reference has -0 and the actual type can hold it). Returns the first
 * mismatch as text, or null.
 */
export function firstMismatch(actual: ArrayLike<number | bigint>, expected: (number | string)[], opts: { signedZero?: boolean; tol?: number } = {}): string | null {
  if (actual.length !== expected.length) return `length ${actual.length}, expected ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const e = decodeValue(expected[i]);
    const a = actual[i];
    if (typeof e === "bigint" || typeof a === "bigint") {
      if (BigInt(a) !== BigInt(e)) return `element ${i}: ${a}, expected ${e}`;
      continue;
    }
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) return `element ${i}: ${a}, expected NaN`;
      continue;
    }
    if (opts.tol !== undefined) {
      if (!(Math.abs((a as number) - e) <= opts.tol * Math.max(1, Math.abs(e)))) return `element ${i}: ${a}, expected ${e} (±${opts.tol})`;
      continue;
    }
    if (opts.signedZero === false ? a !== e : !Object.is(a, e)) return `element ${i}: ${Object.is(a, -0) ? "-0" : a}, expected ${Object.is(e, -0) ? "-0" : e}`;
  }
  return null;
}
