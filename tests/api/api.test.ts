/**
 * The curated public API (issue 10): capability namespaces, a short list of
 * verbs, no internals, no `export *`, and every name of 0.1's flat API either
 * still on `cs` or listed in docs/api.md with the path it moved to.
 */
import * as cs from "causalscope";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(__dirname, "..", "..");

/** The 191 values `cs` had in 0.1 (flat `export *` of every capability). */
const OLD_NAMES = `Chart DISPLAY_FORMATTER Dataset4D Graph HEATMAP_MAX_CELLS Histogram IMAGE_DISPLAY_MAX_SIZE IOFormatError KERNEL_BRIDGE LUMA_WEIGHTS MIME_BUNDLE PointGrid SEMModel Table VEGALITE_MIME_TYPE VEGALITE_SCHEMA ancestors asColumns atomPatches backdoorAdjustmentSets backend binImage bootstrap bootstrapAsync braggDisks braggDisksInPattern braggDisksUDF braggKernelLib braggVectorMap causalDirection centerOfMass centerOfMassUDF chart chartFont checkGreyLevelArgs clusterPatterns cmiKnn compareGraphs convolve1d cramerRaoBound curl dSeparated dag dagToCpdag dataset4D ddpc decodePng decodeTiff defaultPartitionFrames descanCorrect descendants detectFormat detectPeaks detectorImage detectorMask differenceOfGaussians directLingam displayBundle doIntervention dpcRotation effect encodeGreyPng encodeNpy escapeHtml estimateNoise estimateSpacing fci fft1d fft2 fft2dInPlace fftFreq fftPow2 fftPow2Columns fftshift findAtoms findHdf5Image fisherZ fitGaussians fitLattice fitPlane fitSEM formatNumber fortranToC fourierFilter gSquare gaussianFilter gaussianKernel ges gmm graphFromJSON greyLevelWindow guessLattice halfToFloat heatmap hillClimb histogram idpc ifft2 imageBundle imageToPng importEsm initBackend isAcyclic isImage kernelBridge kmeans kmeans1d laplacianOfGaussian latticeBasis latticeBasisFFT latticeIndices learnStructure leftColumn listHdf5 localCrystallography makeImage markovBlanket maxPattern maxPatternUDF maximumFilter meanPattern meanPatternUDF mimeBundleOf minimumFilter mixedLR nearestNeighbors normalize npyHeader openHdf5 parseDType partialCorrelations patternNMF patternPCA pcStable pcaDenoise percentile powerSpectrum prepareData progress progressBundle quickselect randomLinearSEM readBIF readDataset4D readHdf5Attrs readHdf5Dataset readImage readImageStack readNpy readPng readTiff refineCenterOfMass renderVegaLitePng renderVegaLiteSvg rotateField runUDF runUDFs sampleBayesNet sampleLinearSEM scanImage scatter selection shd show showImage simpson simulate splitSublattices strainMap structureScore subtractBackground svgToPng symmetricEigen synth table tabuSearch tfjs tiffPageCount toBase64 toDot toGreyLevels toJSON toSvg topologicalOrder transpose virtualImage virtualImageUDF virtualImages writeHdf5_4D writeNpy writeNpy4D`.split(" ");

/** Internals named by issue 10: never properties of `cs`. */
const INTERNALS = ["leftColumn", "fitGaussians", "quickselect", "braggKernelLib", "defaultPartitionFrames", "importEsm", "checkGreyLevelArgs", "KERNEL_BRIDGE"];

const NAMESPACES = ["image", "io", "display", "atoms", "causal", "stem4d", "synth", "show", "core", "laws", "bayes", "spm", "series", "transitions"];

/** Rows of docs/api.md's migration table: `| old | new |`, new a dotted path on cs or "removed (...)". */
function migration(): Map<string, string> {
  const text = readFileSync(join(root, "docs", "api.md"), "utf8");
  const rows = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^\|\s*`cs\.([\w$]+)`\s*\|\s*(.+?)\s*\|/.exec(line);
    if (m) rows.set(m[1], m[2]);
  }
  return rows;
}

function resolve(path: string): unknown {
  let v: unknown = cs;
  for (const part of path.split(".")) {
    if (v === null || (typeof v !== "object" && typeof v !== "function") || !Object.prototype.hasOwnProperty.call(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

describe("curated API", () => {
  test("capabilities are namespace objects", () => {
    for (const ns of NAMESPACES) {
      const v = (cs as Record<string, unknown>)[ns];
      expect(typeof v).toBe("object");
      expect(Object.keys(v as object).length).toBeGreaterThan(2);
    }
  });

  test("internals are not properties of cs nor of its namespaces", () => {
    for (const name of INTERNALS) {
      expect(Object.prototype.hasOwnProperty.call(cs, name)).toBe(false);
      for (const ns of NAMESPACES) expect(Object.prototype.hasOwnProperty.call((cs as unknown as Record<string, object>)[ns], name)).toBe(false);
    }
  });

  test("the flat list is short, and every verb is its namespace's function", () => {
    const flat = Object.keys(cs).filter((k) => !NAMESPACES.includes(k));
    expect(flat.length).toBeLessThanOrEqual(50);
    const owners = NAMESPACES.filter((n) => n !== "show").map((n) => (cs as unknown as Record<string, Record<string, unknown>>)[n]);
    for (const name of flat) {
      const v = (cs as Record<string, unknown>)[name];
      const homes = owners.filter((o) => Object.prototype.hasOwnProperty.call(o, name) && o[name] === v);
      // table/Table/readTable/writeTable and the backend verbs live in no namespace (small capabilities).
      if (!["table", "Table", "readTable", "writeTable", "initBackend", "backend", "tfjs", "selection"].includes(name)) expect({ name, homes: homes.length }).toEqual({ name, homes: 1 });
    }
  });

  test("every 0.1 name is on cs or documented in docs/api.md with a path that resolves", () => {
    const rows = migration();
    const undocumented: string[] = [];
    const broken: string[] = [];
    for (const name of OLD_NAMES) {
      if (Object.prototype.hasOwnProperty.call(cs, name)) continue;
      const to = rows.get(name);
      if (to === undefined) { undocumented.push(name); continue; }
      const path = /^`cs\.([\w$.]+)`/.exec(to);
      if (path) { if (resolve(path[1]) === undefined) broken.push(`${name} -> ${path[1]}`); }
      else if (!/^removed/.test(to)) broken.push(`${name} -> ${to}`);
    }
    expect(undocumented).toEqual([]);
    expect(broken).toEqual([]);
  });

  test("the verbs the issues' contracts name are functions on cs", () => {
    for (const name of ["readTable", "writeTable", "learnStructure", "findAtoms", "sindy", "symbolicRegression", "gaussianProcess", "bayesianOptimization", "readSPM", "levelPlane", "alignRows", "readImage", "readImageStack", "readDataset4D", "virtualImage", "virtualImages", "centerOfMass", "readSeries", "alignSeries", "trackAtoms"])
      expect({ name, type: typeof (cs as unknown as Record<string, unknown>)[name] }).toEqual({ name, type: "function" });
  });

  test("no capability index uses export *", () => {
    const offenders: string[] = [];
    for (const dir of readdirSync(join(root, "src"))) {
      const index = join(root, "src", dir, "index.ts");
      if (!statSync(join(root, "src", dir)).isDirectory()) continue;
      try {
        if (/^export \* from/m.test(readFileSync(index, "utf8"))) offenders.push(`src/${dir}/index.ts`);
      } catch { /* a folder without index.ts */ }
    }
    if (/^export \* from/m.test(readFileSync(join(root, "src", "index.ts"), "utf8"))) offenders.push("src/index.ts");
    expect(offenders).toEqual([]);
  });
});
