/**
 * Grid spectroscopy (Nanonis .3ds, read by `readSPM` into `file.grid`):
 * maps at a chosen sweep value (dI/dV maps at a bias) and single spectra.
 */
import type { Image } from "../image/image";
import type { SPMGrid } from "../io/formats/spm-types";
import type { BEResponse } from "./sho";

function channelOf(fn: string, grid: SPMGrid, name: string): SPMGrid["channels"][number] {
  const c = grid.channels.find((c) => c.name === name);
  if (!c) throw new RangeError(`${fn}: no grid channel ${JSON.stringify(name)}; channels: ${grid.channels.map((c) => JSON.stringify(c.name)).join(", ")}`);
  return c;
}

/**
 * The map of grid channel `name` at the sweep point nearest to `value`
 * (in the sweep's unit, e.g. a bias in V): an `Image` (row 0 = top, as every
 * SPM image here) calibrated in nm when the grid size is known. Returns the
 * image and the sweep value actually used. O(width × height).
 *
 * @example const { image, at } = gridMap(file.grid!, "LockinX", 0.1); // dI/dV map near +0.1 V
 */
export function gridMap(grid: SPMGrid, name: string, value: number): { image: Image; at: number; index: number } {
  const fn = "gridMap";
  const c = channelOf(fn, grid, name);
  if (!Number.isFinite(value)) throw new RangeError(`${fn}: value must be a finite number (in ${grid.axis.unit || "the sweep's unit"}), got ${value}`);
  const ax = grid.axis.values;
  let k = 0;
  for (let i = 1; i < ax.length; i++) if (Math.abs(ax[i] - value) < Math.abs(ax[k] - value)) k = i;
  const lo = Math.min(ax[0], ax[ax.length - 1]);
  const hi = Math.max(ax[0], ax[ax.length - 1]);
  const step = ax.length > 1 ? Math.abs(ax[1] - ax[0]) : 0;
  if (value < lo - step || value > hi + step) throw new RangeError(`${fn}: ${value} ${grid.axis.unit} is outside the sweep ${lo}..${hi} ${grid.axis.unit}`);
  const n = grid.width * grid.height;
  const data = new Float32Array(n);
  for (let p = 0; p < n; p++) data[p] = c.data[p * grid.points + k];
  const image: Image = { data, width: grid.width, height: grid.height };
  if (grid.calibration) image.calibration = { ...grid.calibration };
  return { image, at: ax[k], index: k };
}

/** The spectrum of grid channel `name` at pixel (x = column, y = row): a copy of its `points` values. O(points). */
export function gridSpectrum(grid: SPMGrid, name: string, x: number, y: number): Float32Array {
  const fn = "gridSpectrum";
  const c = channelOf(fn, grid, name);
  if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= grid.width || y >= grid.height) throw new RangeError(`${fn}: pixel (${x}, ${y}) is outside the ${grid.width} × ${grid.height} grid`);
  const p = y * grid.width + x;
  return c.data.slice(p * grid.points, (p + 1) * grid.points);
}

/**
 * The band-excitation response of a USID grid (`readSPM(...).grid`) as
 * `fitSHO` takes it: frequencies (the "Frequency" dimension, Hz) and the real
 * and imaginary parts per pixel. A BEPS grid sweeps more than frequency (DC
 * offset, field, ...): `select` picks one step of each other dimension by
 * index, e.g. `{ DC_Offset: 12, Field: 0 }`; a dimension with several steps
 * left unselected is an error naming it. `channel` is the complex quantity's
 * name without " (real)" (default: the first). O(width × height × points).
 *
 * @example const fit = cs.spm.fitSHO(cs.spm.beResponse((await cs.readSPM(path)).grid!));
 */
export function beResponse(grid: SPMGrid, options: { channel?: string; select?: Record<string, number> } = {}): BEResponse {
  const fn = "beResponse";
  if (!grid?.dimensions) throw new TypeError(`${fn}: grid must be a USID band-excitation grid (readSPM of a pycroscopy HDF5 file) with spectroscopic dimensions`);
  const name = options.channel ?? grid.channels.find((c) => c.name.endsWith(" (real)"))?.name.slice(0, -" (real)".length);
  if (name === undefined) throw new RangeError(`${fn}: the grid has no complex channel ("... (real)" and "... (imaginary)"); channels: ${grid.channels.map((c) => JSON.stringify(c.name)).join(", ")}`);
  const re = channelOf(fn, grid, `${name} (real)`), im = channelOf(fn, grid, `${name} (imaginary)`);
  const freq = grid.dimensions.find((d) => /^freq/i.test(d.name));
  if (!freq) throw new RangeError(`${fn}: no frequency dimension among ${grid.dimensions.map((d) => d.name).join(", ")}`);
  const select = options.select ?? {};
  for (const key of Object.keys(select)) if (!grid.dimensions.some((d) => d.name === key && d !== freq)) throw new RangeError(`${fn}: options.select names "${key}", not a swept dimension other than frequency (${grid.dimensions.filter((d) => d !== freq).map((d) => d.name).join(", ") || "none"})`);
  const others = grid.dimensions.filter((d) => d !== freq);
  for (const d of others) {
    const steps = new Set(d.indices).size;
    if (steps > 1 && select[d.name] === undefined) throw new RangeError(`${fn}: the grid sweeps ${d.name} (${steps} steps): choose one with options.select, e.g. { ${d.name}: 0 }`);
  }
  const points: number[] = [];
  for (let k = 0; k < grid.points; k++) if (others.every((d) => select[d.name] === undefined || d.indices[k] === select[d.name])) points.push(k);
  if (!points.length) throw new RangeError(`${fn}: no point has the selected steps ${JSON.stringify(select)}`);
  const n = grid.width * grid.height, m = points.length;
  const real = new Float64Array(n * m), imag = new Float64Array(n * m);
  for (let p = 0; p < n; p++) points.forEach((k, j) => { real[p * m + j] = re.data[p * grid.points + k]; imag[p * m + j] = im.data[p * grid.points + k]; });
  return { frequencies: Float64Array.from(points, (k) => freq.values[k]), real, imag, width: grid.width, height: grid.height };
}

/**
 * Normalised differential conductance (dI/dV)/(I/V) of a grid (Feenstra,
 * Phys. Rev. B 50, 4561 (1994)): the density of states with the tunnelling
 * transmission divided out. I/V is broadened over the sweep,
 * Σ_j (I_j/V_j) e^{−|V_j−V|/ΔV} / Σ_j e^{−|V_j−V|/ΔV} over the points with
 * V_j ≠ 0, so the ratio stays finite through the gap where I/V → 0; with
 * `broadening` 0 it is pointwise and NaN at V = 0 and where I = 0 (not
 * invented). `dIdV` and `current` name grid channels (dI/dV may be a
 * lock-in signal in any unit: the result is then in that unit per (A/V)).
 * Returns a new channel `{ name, unit, data }` to add to `grid.channels` or
 * map with `gridMap`. O(width × height × points²) with broadening, else
 * O(width × height × points).
 */
export function normalizedConductance(grid: SPMGrid, options: { dIdV: string; current: string; broadening?: number }): SPMGrid["channels"][number] {
  const fn = "normalizedConductance";
  const g = channelOf(fn, grid, options?.dIdV), cur = channelOf(fn, grid, options?.current);
  const dv = options.broadening ?? 0;
  if (!(dv >= 0 && Number.isFinite(dv))) throw new RangeError(`${fn}: options.broadening must be ≥ 0 (in ${grid.axis.unit || "the sweep's unit"}), got ${dv}`);
  const V = grid.axis.values, m = grid.points, n = grid.width * grid.height;
  // Kernel weights over the points with V ≠ 0 (row k: weights for point k), once for the whole grid.
  const usable = Array.from({ length: m }, (_, j) => V[j] !== 0);
  const weights = dv > 0 ? Array.from({ length: m }, (_, k) => Float64Array.from({ length: m }, (_, j) => (usable[j] ? Math.exp(-Math.abs(V[j] - V[k]) / dv) : 0))) : undefined;
  const data = new Float32Array(n * m);
  const iv = new Float64Array(m);
  for (let p = 0; p < n; p++) {
    for (let j = 0; j < m; j++) iv[j] = usable[j] ? cur.data[p * m + j] / V[j] : NaN;
    for (let k = 0; k < m; k++) {
      let denom: number;
      if (weights) {
        let s = 0, w = 0;
        for (let j = 0; j < m; j++) if (weights[k][j] > 0) { s += weights[k][j] * iv[j]; w += weights[k][j]; }
        denom = s / w;
      } else denom = iv[k];
      data[p * m + k] = denom !== 0 && Number.isFinite(denom) ? g.data[p * m + k] / denom : NaN;
    }
  }
  return { name: `${g.name} / (I/V)`, unit: "", data };
}
