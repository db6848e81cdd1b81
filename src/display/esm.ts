/**
 * Loading ESM-only packages (vega, vega-lite, h5wasm's node build) from this
 * CommonJS library.
 *
 * A plain `await import("pkg")` is right for the compiled library (tsc keeps
 * `import()` in CommonJS output under `module: node16`), but ts-jest rewrites
 * it to `require()`, which fails on an ES module ("Must use import to load ES
 * Module"). `importEsm` hides the `import()` from the compilers inside a
 * `Function` and resolves the package from this file's location first (so
 * the import does not depend on the process's working directory). Works in
 * Node ≥ 20 and under jest with `--experimental-vm-modules`.
 */
import { pathToFileURL } from "node:url";

const nativeImport = new Function("url", "return import(url)") as (url: string) => Promise<unknown>;

/**
 * Import an ES module package by name (resolved from causalscope's own
 * node_modules), e.g. `await importEsm<typeof import("vega")>("vega")`.
 * Cache the promise in a module-level variable: each call re-imports
 * (cheaply: Node caches modules by URL).
 *
 * @throws Error naming the package when it is not installed.
 */
export async function importEsm<T = unknown>(specifier: string): Promise<T> {
  let resolved: string;
  try {
    resolved = require.resolve(specifier);
  } catch (e) {
    throw new Error(`importEsm: cannot find package "${specifier}" from ${__dirname}: ${(e as Error).message.split("\n")[0]}`);
  }
  return (await nativeImport(pathToFileURL(resolved).href)) as T;
}
