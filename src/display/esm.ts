/**
 * Loading ESM-only packages (vega, vega-lite, h5wasm's node build) from this
 * CommonJS library: `await importEsm("vega")`, cached by the caller in a
 * module-level promise (never at module load).
 *
 * The compiled library keeps a real `import()` (tsc, `module: node16`),
 * resolved from this file's location like `require`. Under jest, ts-jest
 * rewrites `import()` to `require()`, which cannot load an ES module, and
 * jest's own ESM loader fails intermittently on large module graphs ("Cannot
 * read properties of undefined (reading 'identifier')"). There the import
 * goes through Node's own loader in the main context
 * (`vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER`), still resolved from this
 * file.
 */
import * as vm from "node:vm";

type Importer = (specifier: string) => Promise<unknown>;

function mainContextImporter(): Importer {
  const script = new vm.Script("(specifier) => import(specifier)", {
    filename: __filename,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  return script.runInThisContext() as Importer;
}

const nativeImport: Importer = process.env.JEST_WORKER_ID === undefined ? (specifier) => import(specifier) : mainContextImporter();

/**
 * Import an ES module package by name, resolved from causalscope's own
 * location, e.g. `await importEsm<typeof import("vega")>("vega")`.
 *
 * @throws Error naming the package when it cannot be loaded.
 */
export async function importEsm<T = unknown>(specifier: string): Promise<T> {
  try {
    return (await nativeImport(specifier)) as T;
  } catch (e) {
    throw new Error(`importEsm("${specifier}"): cannot load it from ${__dirname}: ${(e as Error).message.split("\n")[0]}`);
  }
}
