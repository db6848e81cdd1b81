/**
 * Band-excitation (BE) and BEPS piezoresponse data in pycroscopy's USID
 * layout (Universal Spectroscopic and Imaging Data, pyUSID): HDF5 with
 * `Measurement_NNN/Channel_NNN/Raw_Data`, a 2-D "main" dataset of
 * positions × spectroscopic points (complex for BE), beside its ancillary
 * datasets `Position_Indices` / `Position_Values` (positions × dimensions,
 * labelled X, Y) and `Spectroscopic_Indices` / `Spectroscopic_Values`
 * (dimensions × points, e.g. Frequency, DC_Offset, Field).
 *
 * Read into `SPMFile.grid`: a width × height grid (X index = column, Y index
 * = row, Y index 0 the top row) with one spectrum of `points` values per
 * pixel; a complex channel becomes two grid channels, "<quantity> (real)"
 * and "<quantity> (imaginary)". `grid.axis` is the first spectroscopic
 * dimension and `grid.dimensions` all of them, per point.
 */
import { listHdf5, readHdf5Attrs, readHdf5Dataset, type Hdf5Dataset } from "../hdf5";
import { ioError } from "../util";
import { nmPer } from "./spm-common";
import type { SPMFile, SPMGrid } from "./spm-types";

/** The channel groups of a USID file (those holding a Raw_Data dataset under Measurement_NNN/Channel_NNN). */
export async function usidChannels(path: string): Promise<string[]> {
  const entries = await listHdf5(path);
  return entries.filter((e) => e.kind === "dataset" && /^\/Measurement_\d+\/Channel_\d+\/Raw_Data$/.test(e.path)).map((e) => e.path.slice(0, -"/Raw_Data".length));
}

/** Labels/units attributes as string arrays (h5py writes them as arrays of strings). */
function strings(v: unknown, n: number, what: string, fn: string, path: string): string[] {
  const a = Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : [];
  if (a.length !== n) throw ioError(fn, path, `${what} has ${a.length} entries, expected ${n}`);
  return a;
}

async function dataset(fn: string, path: string, ds: string): Promise<Hdf5Dataset> {
  try {
    return await readHdf5Dataset(path, ds);
  } catch (e) {
    throw ioError(fn, path, `USID file without a readable "${ds}": ${(e as Error).message}`);
  }
}

const numeric = (fn: string, path: string, ds: string, d: Hdf5Dataset): ArrayLike<number> => {
  if (Array.isArray(d.data)) throw ioError(fn, path, `"${ds}" holds strings, not numbers`);
  return d.data as ArrayLike<number>; // 64-bit integers arrive as checked Float64Array, never bigint
};

/**
 * What a non-USID HDF5 file is, for the refusal: JPK's HDF5 scans (root attribute file-format-info "JPK …",
 * as AFMReader's .h5-jpk) and TopoStats' processed files (a topostats_file_version dataset) are named as
 * formats that are not read; anything else is "not a scanning-probe file".
 */
async function otherHdf5Format(path: string): Promise<string> {
  const attrs = await readHdf5Attrs(path).catch(() => ({}) as Record<string, unknown>);
  const info = attrs["file-format-info"];
  if (typeof info === "string" && /^JPK/.test(info)) return `the file is a JPK HDF5 scan (file-format-info ${JSON.stringify(info)}${typeof attrs["file-format-version"] === "string" ? `, version ${attrs["file-format-version"]}` : ""}), a format readSPM does not read`;
  const entries = await listHdf5(path).catch(() => []);
  if (entries.some((e) => e.path === "/topostats_file_version")) return "the file is a TopoStats file (.topostats, processed images), a format readSPM does not read";
  return "the HDF5 file is not a scanning-probe file";
}

/** Read every channel of a USID file into an SPM grid. */
export async function readUSID(fn: string, path: string): Promise<SPMFile> {
  const groups = await usidChannels(path);
  if (!groups.length) throw ioError(fn, path, `${await otherHdf5Format(path)}: no USID Measurement_NNN/Channel_NNN/Raw_Data dataset (pycroscopy band-excitation layout)`);
  const warnings: string[] = [];
  let grid: SPMGrid | undefined;
  const header: Record<string, unknown> = { "/": await readHdf5Attrs(path, "/") };
  for (const g of groups) {
    const raw = await dataset(fn, path, `${g}/Raw_Data`);
    const pi = await dataset(fn, path, `${g}/Position_Indices`);
    const pv = await dataset(fn, path, `${g}/Position_Values`);
    const si = await dataset(fn, path, `${g}/Spectroscopic_Indices`);
    const sv = await dataset(fn, path, `${g}/Spectroscopic_Values`);
    const measurement = g.slice(0, g.lastIndexOf("/"));
    header[measurement] ??= await readHdf5Attrs(path, measurement);
    header[`${g}/Raw_Data`] = raw.attrs;
    const complex = raw.dtype.startsWith("<c");
    const [nPos, nSpec] = raw.shape;
    if (raw.shape.length !== (complex ? 3 : 2)) throw ioError(fn, path, `"${g}/Raw_Data" has shape [${raw.shape.join(", ")}]; a USID main dataset is positions × spectroscopic points`);
    if (pi.shape[0] !== nPos || pv.shape[0] !== nPos || si.shape[1] !== nSpec || sv.shape[1] !== nSpec) {
      throw ioError(fn, path, `"${g}": Raw_Data is ${nPos} × ${nSpec} but Position_Indices is [${pi.shape}], Position_Values [${pv.shape}], Spectroscopic_Indices [${si.shape}], Spectroscopic_Values [${sv.shape}]`);
    }
    // Positions: labelled dimensions; X → column, Y → row (absent Y: one row).
    const nPosDims = pi.shape[1];
    const posLabels = strings(pi.attrs.labels, nPosDims, `"${g}/Position_Indices" labels`, fn, path);
    const posUnits = strings(pv.attrs.units ?? pi.attrs.units, nPosDims, `"${g}/Position_Values" units`, fn, path);
    const xi = posLabels.findIndex((l) => /^x$/i.test(l)), yi = posLabels.findIndex((l) => /^y$/i.test(l));
    if (xi < 0 || nPosDims > 2 || (nPosDims === 2 && yi < 0)) throw ioError(fn, path, `"${g}": position dimensions [${posLabels.join(", ")}]; only X or X, Y grids are read`);
    const pIdx = numeric(fn, path, "Position_Indices", pi), pVal = numeric(fn, path, "Position_Values", pv);
    let width = 0, height = 1;
    for (let p = 0; p < nPos; p++) {
      width = Math.max(width, pIdx[p * nPosDims + xi] + 1);
      if (yi >= 0) height = Math.max(height, pIdx[p * nPosDims + yi] + 1);
    }
    if (width * height !== nPos) throw ioError(fn, path, `"${g}": ${nPos} positions do not fill the ${width} × ${height} grid their indices span`);
    const pixelOf = new Int32Array(nPos);
    const seen = new Uint8Array(nPos);
    for (let p = 0; p < nPos; p++) {
      const q = (yi >= 0 ? pIdx[p * nPosDims + yi] : 0) * width + pIdx[p * nPosDims + xi];
      if (seen[q]++) throw ioError(fn, path, `"${g}": two positions share the grid pixel of position ${p}`);
      pixelOf[p] = q;
    }
    // Spectroscopic dimensions, per point.
    const nSpecDims = si.shape[0];
    const specLabels = strings(si.attrs.labels, nSpecDims, `"${g}/Spectroscopic_Indices" labels`, fn, path);
    const specUnits = strings(sv.attrs.units ?? si.attrs.units, nSpecDims, `"${g}/Spectroscopic_Values" units`, fn, path);
    const sIdx = numeric(fn, path, "Spectroscopic_Indices", si), sVal = numeric(fn, path, "Spectroscopic_Values", sv);
    const dimensions = specLabels.map((name, d) => ({
      name, unit: specUnits[d],
      values: Float64Array.from({ length: nSpec }, (_, k) => sVal[d * nSpec + k]),
      indices: Int32Array.from({ length: nSpec }, (_, k) => sIdx[d * nSpec + k]),
    }));
    // Main data, reordered to row-major pixels.
    const quantity = String(raw.attrs.quantity ?? "Raw_Data"), unit = String(raw.attrs.units ?? "");
    const values = numeric(fn, path, "Raw_Data", raw);
    const parts = complex ? [" (real)", " (imaginary)"] : [""];
    const channels = parts.map((suffix, part) => {
      const data = new Float32Array(nPos * nSpec);
      for (let p = 0; p < nPos; p++) {
        const src = p * nSpec, dst = pixelOf[p] * nSpec;
        for (let k = 0; k < nSpec; k++) data[dst + k] = complex ? values[2 * (src + k) + part] : values[src + k];
      }
      return { name: `${quantity}${suffix}${groups.length > 1 ? ` [${g.split("/").slice(1).join("/")}]` : ""}`, unit, data };
    });
    // Calibration from the X step of the position values.
    let calibration: SPMGrid["calibration"];
    const toNm = nmPer(posUnits[xi]);
    if (width > 1 && toNm) {
      const p0 = pixelOf.indexOf(0), p1 = pixelOf.indexOf(1);
      const step = Math.abs(pVal[p1 * nPosDims + xi] - pVal[p0 * nPosDims + xi]) * toNm;
      if (step > 0) calibration = { pixelSize: step, unit: "nm" };
    } else if (width > 1) warnings.push(`${g}: position unit "${posUnits[xi]}" is not a length; the grid is not calibrated`);
    const here: SPMGrid = { width, height, points: nSpec, axis: { name: dimensions[0].name, unit: dimensions[0].unit, direction: undefined, values: dimensions[0].values }, channels, parameters: [], dimensions, ...(calibration ? { calibration } : {}) };
    if (!grid) grid = here;
    else if (grid.width !== width || grid.height !== height || grid.points !== nSpec) warnings.push(`${g}: a ${width} × ${height} × ${nSpec} grid, unlike the first channel's; not read`);
    else grid.channels.push(...channels);
  }
  const root = header["/"] as Record<string, unknown>;
  return {
    channels: [],
    grid,
    metadata: { format: "usid", ...(root.pyUSID_version ? { version: String(root.pyUSID_version) } : {}), warnings, header },
  };
}
