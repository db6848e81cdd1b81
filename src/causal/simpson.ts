/**
 * Confounding diagnostics.
 *
 * - `simpson(data, { x, y, by })`: Simpson's-paradox check (Simpson 1951;
 *   Pearl 2014, "Comment: understanding Simpson's paradox"). Compares the
 *   pooled association of x and y (Pearson correlation and OLS slope) with the
 *   associations within the strata of `by` (e.g. microscope session,
 *   composition). A reversal is flagged when the pooled slope and the
 *   size-weighted within-stratum slope (the slope after adjusting for `by` as
 *   a categorical covariate, i.e. the pooled within-group regression) have
 *   opposite signs, both clearly nonzero. A continuous `by` is cut into
 *   `bins` quantile bins (default 4).
 * - `partialCorrelations(data, { given? })`: table of partial correlations of
 *   every pair given all other columns (from the precision matrix) or given
 *   a chosen set.
 */
import { DataInput, prepareData, rawColumns } from "./data";
import { correlationFromCov, covarianceMatrix } from "./stats";
import { normSf } from "../core/special";
import { invert } from "../core/linalg";

export interface StratumAssociation {
  stratum: string;
  n: number;
  correlation: number;
  slope: number;
}

export interface SimpsonResult {
  x: string;
  y: string;
  by: string;
  pooled: { n: number; correlation: number; slope: number; pValue: number };
  strata: StratumAssociation[];
  /** Slope of y on x within strata (pooled within-group regression, i.e. adjusted for `by`). */
  withinSlope: number;
  withinPValue: number;
  /** True when pooled and within-stratum associations have opposite signs (both significant at 0.05). */
  reversal: boolean;
  /** Fraction of strata (with ≥ 3 rows) whose slope sign is opposite to the pooled slope. */
  fractionOpposite: number;
  message: string;
  toMimeBundle(): Record<string, unknown>;
}

function corrSlope(x: ArrayLike<number>, y: ArrayLike<number>, rows: number[]): { c: number; s: number; sxx: number; sxy: number; syy: number } {
  let mx = 0;
  let my = 0;
  for (const i of rows) {
    mx += x[i];
    my += y[i];
  }
  mx /= rows.length;
  my /= rows.length;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (const i of rows) {
    const a = x[i] - mx;
    const b = y[i] - my;
    sxx += a * a;
    syy += b * b;
    sxy += a * b;
  }
  return { c: sxy / Math.sqrt(sxx * syy), s: sxy / sxx, sxx, sxy, syy };
}

/** Simpson's-paradox check; see module comment. */
export function simpson(data: DataInput, options: { x: string; y: string; by: string; bins?: number }): SimpsonResult {
  const fn = "simpson";
  const { x, y, by } = options ?? ({} as never);
  for (const [arg, v] of [["x", x], ["y", y], ["by", by]] as const) if (typeof v !== "string") throw new TypeError(`${fn}: options.${arg} must be a column name`);
  if (x === y) throw new Error(`${fn}: x and y are the same column "${x}"`);
  const num = prepareData(data, { columns: [x, y], dataType: "continuous" }, fn);
  const byCol = rawColumns(data, fn)[by];
  if (!byCol) throw new Error(`${fn}: by column "${by}" not found`);
  for (let i = 0; i < byCol.length; i++) {
    const v = byCol[i];
    if (v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v))) throw new Error(`${fn}: by column "${by}" has a missing value at row ${i}`);
  }
  if (byCol.length !== num.n) throw new Error(`${fn}: column "${by}" has ${byCol.length} rows, "${x}" has ${num.n}`);
  // strata labels
  const labels: string[] = [];
  const isNum = Array.from({ length: byCol.length }, (_, i) => byCol[i]).every((v) => typeof v === "number");
  const distinct = new Set(Array.from({ length: byCol.length }, (_, i) => byCol[i]));
  if (isNum && distinct.size > 20) {
    const bins = options.bins ?? 4;
    const vals = Float64Array.from({ length: byCol.length }, (_, i) => byCol![i] as number);
    const sorted = Float64Array.from(vals).sort();
    const cuts = Array.from({ length: bins - 1 }, (_, k) => sorted[Math.floor(((k + 1) * sorted.length) / bins)]);
    for (let i = 0; i < vals.length; i++) {
      let b = 0;
      while (b < cuts.length && vals[i] >= cuts[b]) b++;
      labels.push(`${by} bin ${b + 1}/${bins}`);
    }
  } else for (let i = 0; i < byCol.length; i++) labels.push(String(byCol[i]));
  const xs = num.columns[0];
  const ys = num.columns[1];
  const all = Array.from({ length: num.n }, (_, i) => i);
  const pooled = corrSlope(xs, ys, all);
  const groups = new Map<string, number[]>();
  labels.forEach((l, i) => {
    const g = groups.get(l);
    if (g) g.push(i);
    else groups.set(l, [i]);
  });
  if (groups.size < 2) throw new Error(`${fn}: by column "${by}" has a single stratum; nothing to compare`);
  const strata: StratumAssociation[] = [];
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [l, rows] of groups) {
    const r = corrSlope(xs, ys, rows);
    if (rows.length >= 3 && r.sxx > 0) {
      sxx += r.sxx;
      sxy += r.sxy;
      syy += r.syy;
    }
    strata.push({ stratum: l, n: rows.length, correlation: rows.length >= 3 ? r.c : NaN, slope: rows.length >= 3 ? r.s : NaN });
  }
  const n = num.n;
  const within = sxy / sxx;
  const dfW = n - groups.size - 1;
  const rssW = syy - (sxy * sxy) / sxx;
  const seW = Math.sqrt(rssW / dfW / sxx);
  const pW = 2 * normSf(Math.abs(within / seW));
  const rssP = pooled.syy - (pooled.sxy * pooled.sxy) / pooled.sxx;
  const seP = Math.sqrt(rssP / (n - 2) / pooled.sxx);
  const pP = 2 * normSf(Math.abs(pooled.s / seP));
  const valid = strata.filter((s) => Number.isFinite(s.slope));
  const opp = valid.filter((s) => Math.sign(s.slope) !== Math.sign(pooled.s)).length / Math.max(1, valid.length);
  const reversal = Math.sign(within) !== Math.sign(pooled.s) && pW < 0.05 && pP < 0.05;
  const message = reversal
    ? `Simpson's reversal: pooled slope of ${y} on ${x} is ${pooled.s.toFixed(3)} but within ${by} strata it is ${within.toFixed(3)}; "${by}" confounds the ${x}–${y} association, adjust for it`
    : Math.abs(within - pooled.s) > 2 * Math.hypot(seW, seP)
      ? `No sign reversal, but the association changes from ${pooled.s.toFixed(3)} (pooled) to ${within.toFixed(3)} (within ${by}): "${by}" partly confounds it`
      : `No Simpson's reversal: pooled (${pooled.s.toFixed(3)}) and within-${by} (${within.toFixed(3)}) slopes agree`;
  const res: SimpsonResult = {
    x,
    y,
    by,
    pooled: { n, correlation: pooled.c, slope: pooled.s, pValue: pP },
    strata,
    withinSlope: within,
    withinPValue: pW,
    reversal,
    fractionOpposite: opp,
    message,
    toMimeBundle() {
      const rows = strata.map((s) => `<tr><td>${esc(s.stratum)}</td><td>${s.n}</td><td>${s.correlation.toFixed(3)}</td><td>${s.slope.toFixed(3)}</td></tr>`).join("");
      const html = `<p><b>${esc(message)}</b></p><table><tr><th>stratum</th><th>n</th><th>r</th><th>slope</th></tr><tr><td><i>pooled</i></td><td>${n}</td><td>${pooled.c.toFixed(3)}</td><td>${pooled.s.toFixed(3)}</td></tr>${rows}</table>`;
      return { "text/plain": message, "text/html": html, "image/svg+xml": simpsonSvg(res) };
    },
  };
  return res;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function simpsonSvg(r: SimpsonResult): string {
  // bar chart of slopes: pooled, within, each stratum
  const items = [{ l: "pooled", v: r.pooled.slope }, { l: `within ${r.by}`, v: r.withinSlope }, ...r.strata.map((s) => ({ l: s.stratum, v: s.slope }))].filter((i) => Number.isFinite(i.v));
  const W = 420;
  const rowH = 20;
  const H = items.length * rowH + 30;
  const m = Math.max(1e-12, ...items.map((i) => Math.abs(i.v)));
  const cx = 260;
  const sc = 140 / m;
  const bars = items
    .map((it, k) => {
      const y = 20 + k * rowH;
      const w = it.v * sc;
      return `<text x="${cx - 150}" y="${y + 13}" font-size="11">${esc(it.l.slice(0, 22))}</text><rect x="${Math.min(cx, cx + w).toFixed(1)}" y="${y + 3}" width="${Math.abs(w).toFixed(1)}" height="${rowH - 6}" fill="${k < 2 ? "#1a73e8" : "#9aa0a6"}"/>`;
    })
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif"><text x="4" y="13" font-size="12">slope of ${esc(r.y)} on ${esc(r.x)}</text><line x1="${cx}" y1="16" x2="${cx}" y2="${H}" stroke="#333"/>${bars}</svg>`;
}

/**
 * Partial correlations of every pair of columns: given all other columns
 * (default; −P_ij/√(P_ii P_jj) from the precision matrix P) or given the
 * columns in `given`. Returns `{ columns, matrix }` (row-major p×p, 1 on the diagonal).
 */
export function partialCorrelations(data: DataInput, options: { given?: string[]; columns?: string[] } = {}): { columns: string[]; matrix: Float64Array; toMimeBundle(): Record<string, unknown> } {
  const fn = "partialCorrelations";
  const d = prepareData(data, { columns: options.columns, dataType: "continuous" }, fn);
  const p = d.p;
  const R = correlationFromCov(covarianceMatrix(d.columns), p);
  const out = new Float64Array(p * p);
  const given = options.given;
  if (given) for (const g of given) if (!d.names.includes(g)) throw new Error(`${fn}: given column "${g}" not found`);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) {
      if (i === j) {
        out[i * p + j] = 1;
        continue;
      }
      const S = given ? given.map((g) => d.names.indexOf(g)).filter((s) => s !== i && s !== j) : Array.from({ length: p }, (_, k) => k).filter((k) => k !== i && k !== j);
      const idx = [i, j, ...S];
      const k = idx.length;
      const sub = new Float64Array(k * k);
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) sub[a * k + b] = R[idx[a] * p + idx[b]];
      const P = invert(sub, k);
      if (!P) throw new Error(`${fn}: singular correlation matrix (collinear columns)`);
      out[i * p + j] = -P[1] / Math.sqrt(P[0] * P[k + 1]);
    }
  const columns = d.names;
  return {
    columns,
    matrix: out,
    toMimeBundle() {
      const head = `<tr><th></th>${columns.map((c) => `<th>${esc(c)}</th>`).join("")}</tr>`;
      const rows = columns.map((c, i) => `<tr><th>${esc(c)}</th>${columns.map((_, j) => `<td>${out[i * p + j].toFixed(3)}</td>`).join("")}</tr>`).join("");
      const text = columns.map((c, i) => `${c.padEnd(12)} ${columns.map((_, j) => out[i * p + j].toFixed(3).padStart(7)).join(" ")}`).join("\n");
      // static heat map (blue negative, red positive)
      const cell = 34;
      const lab = 110;
      const W = lab + p * cell + 10;
      const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${W}" font-family="sans-serif" font-size="10">`];
      columns.forEach((c, i) => {
        parts.push(`<text x="${lab - 4}" y="${lab + i * cell + cell / 2 + 3}" text-anchor="end">${esc(c.slice(0, 16))}</text>`);
        parts.push(`<text transform="translate(${lab + i * cell + cell / 2 + 3},${lab - 4}) rotate(-60)">${esc(c.slice(0, 16))}</text>`);
        for (let j = 0; j < p; j++) {
          const v = Math.max(-1, Math.min(1, out[i * p + j]));
          const a = Math.round(255 * (1 - Math.abs(v)));
          const fill = v >= 0 ? `rgb(255,${a},${a})` : `rgb(${a},${a},255)`;
          parts.push(`<rect x="${lab + j * cell}" y="${lab + i * cell}" width="${cell - 1}" height="${cell - 1}" fill="${fill}"/><text x="${lab + j * cell + cell / 2}" y="${lab + i * cell + cell / 2 + 3}" text-anchor="middle">${v.toFixed(2)}</text>`);
        }
      });
      parts.push("</svg>");
      return { "text/plain": text, "text/html": `<table>${head}${rows}</table>`, "image/svg+xml": parts.join("") };
    },
  };
}
