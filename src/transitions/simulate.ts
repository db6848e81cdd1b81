/**
 * A seeded kinetic Monte Carlo of a beam-driven phase transition on a 2-D
 * square lattice, rendered as a noisy STEM movie with its ground truth
 * (atom positions per frame, per-site states, the nucleation site and frame,
 * the true per-site hazard). The test bed of `transitions/`: local-phase
 * classification, transition statistics and nucleation prediction are all
 * scored against it. x = column, y = row, pixels.
 *
 * Model, one step per frame (states: 0 = host phase, 1 = vacancy, 2 = new
 * phase), in this order:
 *  1. nucleation, before the first nucleus only: each host site i has the
 *     hazard λᵢ = base · exp(vacancy · nᵢ + strain · εᵢ) per frame, with nᵢ
 *     the vacancies within `hazard.radius` lattice constants and εᵢ the true
 *     local dilatation (fraction) — evaluated on the configuration of the
 *     previous frame, so the frame before the nucleus shows what drove it.
 *     A nucleus appears with probability 1 − exp(−Σλ) at site i with
 *     probability λᵢ/Σλ (competing risks with the configuration frozen over
 *     the step). `hazard.model: "uniform"` (the negative control) spreads the
 *     same total hazard evenly over the host sites, so timing is unchanged
 *     but the site ignores every local variable;
 *  2. growth: a host site with m new-phase neighbours (4-neighbourhood)
 *     converts with probability 1 − (1 − growth)^m;
 *  3. knock-on damage: each host site becomes a vacancy with probability
 *     1 − exp(−crossSection · dosePerFrame);
 *  4. vacancy hops: each vacancy attempts, with probability `hopRate`, to
 *     swap with a random host neighbour, accepted with the Metropolis
 *     probability min(1, exp(hopStrainBias · (ε_new − ε_old))) (vacancies
 *     drift into tensile regions when the bias is positive: a shared cause
 *     of vacancy density and nucleation, for the causal tools);
 *  5. dopants (`dopants.count`, default none): substitutional atoms of
 *     another intensity on host sites, placed at frame 0 at least 4 lattice
 *     constants apart. A dopant whose site leaves the host phase (knock-on,
 *     new phase) is lost; a vacancy hopping into a dopant's site (step 4)
 *     carries the dopant into the vacancy's old site; then each dopant, with
 *     probability `dopants.hopRate`, exchanges with a random host neighbour
 *     that holds no dopant. Both are dopant hops (one lattice constant).
 *     Dopants draw from their own generator and never change site states,
 *     so a movie's states are the same with or without them.
 * Positions: ideal lattice + a smooth dilatation field (Gaussian sources,
 * u = A·(r − r_k)·exp(−|r − r_k|²/2w²), dilatation 2A at the centre) + in the
 * new phase a period-doubling shear (y offset ±dimerization·a alternating
 * with the column index, as a 1T′-like distortion). Rendering: the shared
 * column renderer of `synth/` (Gaussian columns, Poisson noise at
 * `dosePerFrame` counts per intensity-1 column).
 * Cost: O(frames · sites) for the dynamics plus O(frames · sites · σ²) to render.
 * Kinetic Monte Carlo of beam damage after e.g. A. W. Robertson et al.,
 * Nat. Commun. 3, 1144 (2012); the movie workflow after A. Maksov et al.,
 * npj Comput. Mater. 5, 12 (2019).
 */
import { Image } from "../image/image";
import { rng, Rng } from "../core/random";
import { checkChoice } from "../core/options";
import { table, Table } from "../table";
import { renderColumns, ColumnSpec } from "../synth/columns";

/** Site states of {@link simulateTransition}: host phase, vacancy, new phase. */
export const HOST = 0, VACANCY = 1, NEW_PHASE = 2;

/** Options of {@link simulateTransition}. */
export interface SimulateTransitionOptions {
  /** Lattice sites along x and y (default [16, 16]). */
  size?: [number, number];
  /** Lattice constant, pixels (default 12); the image is size·a pixels on a side. */
  latticeConstant?: number;
  /** Number of frames (default 30); frame 0 is the pristine, strained lattice. */
  frames?: number;
  /** Seconds per frame (default 1): the `time` of frame t is t · frameTime. */
  frameTime?: number;
  /** Electrons per intensity-1 column per frame (default 1000): drives knock-on damage and the image noise. */
  dosePerFrame?: number;
  /** Knock-on cross-section per electron per column (default 4e-6: 0.4 % of host sites per frame at the default dose). */
  crossSection?: number;
  /** Probability per frame that a vacancy attempts a hop (default 0.3). */
  hopRate?: number;
  /** Metropolis bias of hops towards tensile sites, per unit dilatation (default 30). */
  hopStrainBias?: number;
  /** The dilatation field: `sources` Gaussian sources of peak dilatation ±`amplitude` (fraction) and width `width` lattice constants (defaults 5, 0.06, 2.5). */
  strain?: { sources?: number; amplitude?: number; width?: number };
  /** The nucleation hazard (see the module comment): `base` per host site per frame (default 2e-5), log-hazard per nearby `vacancy` (default 2.5) and per unit `strain` dilatation (default 50), `radius` in lattice constants (default 1.5), `model` "descriptors" (default) or "uniform" (negative control). */
  hazard?: { base?: number; vacancy?: number; strain?: number; radius?: number; model?: "descriptors" | "uniform" };
  /** Per new-phase neighbour, probability per frame that a host site converts (default 0.35). */
  growth?: number;
  /** Appearance of the new phase: column intensity relative to the host (default 0.7) and the period-doubling y offset as a fraction of a (default 0.1). */
  phase?: { intensity?: number; dimerization?: number };
  /** Substitutional dopants (step 5 of the model): `count` (default 0), `hopRate` (probability per frame of an exchange with a host neighbour, default 0.1), `intensity` relative to the host (default 1.5). */
  dopants?: { count?: number; hopRate?: number; intensity?: number };
  /** Render every frame (default true); false returns the ground truth only (fast; render chosen frames later with {@link renderTransitionFrame}). */
  render?: boolean;
  /** Column width σ, pixels (default 0.12 a). */
  sigma?: number;
  /** Background per pixel as a fraction of an intensity-1 column's peak (default 0.05). */
  background?: number;
  /** Random seed (default 0): the same seed gives the same movie. */
  seed?: number;
}

/** What {@link simulateTransition} returns. */
export interface TransitionMovie {
  /** The rendered frames (empty with `render: false`). */
  frames: Image[];
  /** Per frame, the columns present: `x`, `y` (true positions, px), `site` (index into `sites`), `phase` (0 host, 2 new phase), `intensity` (relative column intensity), `dopant` (the dopant's index, −1 for a host or new-phase atom). */
  atoms: Table[];
  /** The lattice sites: `i`, `j` (lattice indices), `x`, `y` (host positions, px), `strain` (true dilatation, fraction). */
  sites: Table;
  /** Per frame, the state of every site (0 host, 1 vacancy, 2 new phase), indexed like `sites`. */
  states: Int32Array[];
  /** Per frame, the site of each dopant (−1 once lost); a dopant hop is a change of site between consecutive frames. Empty arrays without dopants. */
  dopants: Int32Array[];
  /** Per frame t ≥ 1, the true nucleation hazard λ per site that step t used (frame t − 1's configuration; 0 for non-host sites and after nucleation); frame 0: zeros. */
  hazard: Float64Array[];
  /** The first nucleus: its site, the frame where it first appears, and its position; null when none formed. */
  nucleation: { site: number; frame: number; x: number; y: number } | null;
  /** Time (s) and cumulative dose (electrons per column) at each frame. */
  time: Float64Array;
  dose: Float64Array;
  /** Lattice constant and column width used, pixels. */
  latticeConstant: number;
  sigma: number;
  /** What {@link renderTransitionFrame} needs: image size (px), dose per frame, background fraction, and the movie's seed. */
  imaging: { width: number; height: number; dose: number; background: number; seed: number };
}

function checkNumber(name: string, v: number, lo: number, hi = Infinity): void {
  if (!(Number.isFinite(v) && v >= lo && v <= hi)) throw new RangeError(`simulateTransition: options.${name} must be a finite number in [${lo}, ${hi}], got ${v}`);
}

/** Dilatation sources: centre, amplitude A (dilatation 2A at the centre), width w (px). */
interface Source { x: number; y: number; A: number; w: number }

function displacement(src: Source[], x: number, y: number): [number, number, number] {
  let ux = 0, uy = 0, div = 0;
  for (const s of src) {
    const dx = x - s.x, dy = y - s.y, r2 = (dx * dx + dy * dy) / (s.w * s.w), g = s.A * Math.exp(-0.5 * r2);
    ux += dx * g; uy += dy * g; div += g * (2 - r2);
  }
  return [ux, uy, div];
}

/**
 * Simulate a beam-driven phase transition (module comment: the model) and
 * render it as a STEM movie with ground truth. Every random draw comes from
 * one generator seeded by `seed`. Cost: O(frames · sites · (1 + σ²)).
 * ```ts
 * const movie = simulateTransition({ size: [16, 16], frames: 30, seed: 3 });
 * movie.nucleation; // { site, frame, x, y } or null
 * const control = simulateTransition({ hazard: { model: "uniform" }, seed: 3 });
 * ```
 */
export function simulateTransition(options: SimulateTransitionOptions = {}): TransitionMovie {
  const [nx, ny] = options.size ?? [16, 16];
  if (!(Number.isInteger(nx) && Number.isInteger(ny) && nx >= 3 && ny >= 3)) throw new RangeError(`simulateTransition: options.size must be two integers >= 3, got ${JSON.stringify(options.size)}`);
  const a = options.latticeConstant ?? 12, T = options.frames ?? 30, dt = options.frameTime ?? 1;
  const dose = options.dosePerFrame ?? 1000, xs = options.crossSection ?? 4e-6;
  const hopRate = options.hopRate ?? 0.3, hopBias = options.hopStrainBias ?? 30, growth = options.growth ?? 0.35;
  const st = options.strain ?? {}, hz = options.hazard ?? {}, ph = options.phase ?? {};
  checkNumber("latticeConstant", a, 4);
  if (!(Number.isInteger(T) && T >= 2)) throw new RangeError(`simulateTransition: options.frames must be an integer >= 2, got ${T}`);
  checkNumber("frameTime", dt, 1e-300);
  checkNumber("dosePerFrame", dose, 1e-300);
  checkNumber("crossSection", xs, 0);
  checkNumber("hopRate", hopRate, 0, 1);
  checkNumber("hopStrainBias", hopBias, -Infinity);
  checkNumber("growth", growth, 0, 1);
  const nSrc = st.sources ?? 5, amp = st.amplitude ?? 0.06, width = (st.width ?? 2.5) * a;
  if (!(Number.isInteger(nSrc) && nSrc >= 0)) throw new RangeError(`simulateTransition: options.strain.sources must be an integer >= 0, got ${nSrc}`);
  checkNumber("strain.amplitude", amp, 0, 0.5);
  checkNumber("strain.width", width, 1e-300);
  const base = hz.base ?? 2e-5, bVac = hz.vacancy ?? 2.5, bStrain = hz.strain ?? 50, radius = hz.radius ?? 1.5;
  checkNumber("hazard.base", base, 0);
  checkNumber("hazard.vacancy", bVac, -Infinity);
  checkNumber("hazard.strain", bStrain, -Infinity);
  checkNumber("hazard.radius", radius, 1);
  const model = checkChoice("simulateTransition", "hazard.model", hz.model, ["descriptors", "uniform"] as const) ?? "descriptors";
  const phI = ph.intensity ?? 0.7, dimer = (ph.dimerization ?? 0.1) * a;
  checkNumber("phase.intensity", phI, 0);
  checkNumber("phase.dimerization", ph.dimerization ?? 0.1, 0, 0.4);
  const sigma = options.sigma ?? 0.12 * a;
  checkNumber("sigma", sigma, 1e-300);
  const dp = options.dopants ?? {}, nDop = dp.count ?? 0, dopHop = dp.hopRate ?? 0.1, dopI = dp.intensity ?? 1.5;
  if (!(Number.isInteger(nDop) && nDop >= 0)) throw new RangeError(`simulateTransition: options.dopants.count must be an integer >= 0, got ${nDop}`);
  checkNumber("dopants.hopRate", dopHop, 0, 1);
  checkNumber("dopants.intensity", dopI, 0);

  const r = rng(options.seed ?? 0);
  const W = Math.round(nx * a), H = Math.round(ny * a), N = nx * ny;
  const src: Source[] = [];
  for (let k = 0; k < nSrc; k++) src.push({ x: r.range(0, W), y: r.range(0, H), A: (r.uniform() < 0.5 ? -0.5 : 0.5) * amp, w: width });
  const sx = new Float64Array(N), sy = new Float64Array(N), eps = new Float64Array(N), si = new Int32Array(N), sj = new Int32Array(N);
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    const s = j * nx + i, x0 = (i + 0.5) * a, y0 = (j + 0.5) * a;
    const [ux, uy, div] = displacement(src, x0, y0);
    sx[s] = x0 + ux; sy[s] = y0 + uy; eps[s] = div; si[s] = i; sj[s] = j;
  }
  // 4-neighbourhood and the sites within the hazard radius (lattice distance).
  const nbr = (s: number): number[] => {
    const i = si[s], j = sj[s], out: number[] = [];
    if (i > 0) out.push(s - 1); if (i < nx - 1) out.push(s + 1); if (j > 0) out.push(s - nx); if (j < ny - 1) out.push(s + nx);
    return out;
  };
  const R = Math.floor(radius), near: number[][] = [];
  for (let s = 0; s < N; s++) {
    const list: number[] = [];
    for (let dj = -R; dj <= R; dj++) for (let di = -R; di <= R; di++) {
      const i = si[s] + di, j = sj[s] + dj;
      if ((di || dj) && i >= 0 && i < nx && j >= 0 && j < ny && di * di + dj * dj <= radius * radius) list.push(j * nx + i);
    }
    near.push(list);
  }

  const pKnock = 1 - Math.exp(-xs * dose);
  let state = new Int32Array(N);
  const states: Int32Array[] = [state.slice()], hazard: Float64Array[] = [new Float64Array(N)];
  // dopants: their own generator (the site dynamics draw the same numbers with or without them)
  const rd = rng(((options.seed ?? 0) * 7919 + 104729) >>> 0), dopant = placeDopants();
  const dopantAt = new Int32Array(N).fill(-1);
  dopant.forEach((s, k) => (dopantAt[s] = k));
  const dopants: Int32Array[] = [dopant.slice()];
  let nucleation: TransitionMovie["nucleation"] = null;
  for (let t = 1; t < T; t++) {
    const next = state.slice(), lam = new Float64Array(N);
    if (!nucleation) {
      const site = nucleate(state, lam, r);
      if (site >= 0) { next[site] = NEW_PHASE; nucleation = { site, frame: t, x: sx[site], y: sy[site] }; }
    } else grow(state, next, r);
    for (let s = 0; s < N; s++) if (next[s] === HOST && r.uniform() < pKnock) next[s] = VACANCY;
    dopant.forEach((s, k) => { if (s >= 0 && next[s] !== HOST) { dopant[k] = -1; dopantAt[s] = -1; } });
    hop(next, r);
    if (nDop) exchange(next);
    state = next;
    states.push(state.slice());
    hazard.push(lam);
    dopants.push(dopant.slice());
  }

  /** Step 5 set-up: `nDop` distinct sites at least 4 lattice constants apart (rejection, then any free site). */
  function placeDopants(): Int32Array {
    const out: number[] = [];
    for (let tries = 0; out.length < nDop && tries < 1000 * (nDop + 1); tries++) {
      const s = rd.int(N);
      if (out.every((q) => Math.hypot(si[q] - si[s], sj[q] - sj[s]) >= 4)) out.push(s);
    }
    if (out.length < nDop) throw new RangeError(`simulateTransition: options.dopants.count = ${nDop} dopants do not fit ${nx} × ${ny} sites at least 4 lattice constants apart`);
    return Int32Array.from(out);
  }

  /** Move a dopant with its atom from site `from` to `to` (when it holds one). */
  function carry(from: number, to: number): void {
    const k = dopantAt[from];
    if (k < 0) return;
    dopant[k] = to; dopantAt[to] = k; dopantAt[from] = -1;
  }

  /** Step 5: each dopant, with probability dopHop, exchanges with a random host neighbour holding no dopant. */
  function exchange(cur: Int32Array): void {
    for (let k = 0; k < nDop; k++) {
      const s = dopant[k];
      if (s < 0 || rd.uniform() >= dopHop) continue;
      const hosts = nbr(s).filter((q) => cur[q] === HOST && dopantAt[q] < 0);
      if (hosts.length) carry(s, hosts[rd.int(hosts.length)]);
    }
  }

  /** Step 1: fill λ on the host sites of `prev`; the nucleus site, or −1. */
  function nucleate(prev: Int32Array, lam: Float64Array, g: Rng): number {
    let total = 0, hosts = 0;
    for (let s = 0; s < N; s++) {
      if (prev[s] !== HOST) continue;
      let nv = 0;
      for (const q of near[s]) if (prev[q] === VACANCY) nv++;
      lam[s] = base * Math.exp(bVac * nv + bStrain * eps[s]);
      total += lam[s]; hosts++;
    }
    if (model === "uniform") for (let s = 0; s < N; s++) if (prev[s] === HOST) lam[s] = total / hosts;
    if (!(total > 0) || g.uniform() >= 1 - Math.exp(-total)) return -1;
    let u = g.uniform() * total, site = -1;
    for (let s = 0; s < N && u > 0; s++) if (lam[s] > 0) { u -= lam[s]; site = s; }
    return site;
  }

  /** Step 2: host sites next to the new phase of `prev` convert. */
  function grow(prev: Int32Array, next: Int32Array, g: Rng): void {
    for (let s = 0; s < N; s++) {
      if (prev[s] !== HOST) continue;
      let m = 0;
      for (const q of nbr(s)) if (prev[q] === NEW_PHASE) m++;
      if (m && g.uniform() < 1 - (1 - growth) ** m) next[s] = NEW_PHASE;
    }
  }

  /** Step 4: vacancy hops in place, in site order (a vacancy moved this step does not hop again). */
  function hop(cur: Int32Array, g: Rng): void {
    const vac: number[] = [];
    for (let s = 0; s < N; s++) if (cur[s] === VACANCY) vac.push(s);
    for (const v of vac) {
      if (cur[v] !== VACANCY || g.uniform() >= hopRate) continue;
      const hosts = nbr(v).filter((q) => cur[q] === HOST);
      if (!hosts.length) continue;
      const q = hosts[g.int(hosts.length)];
      if (g.uniform() < Math.min(1, Math.exp(hopBias * (eps[q] - eps[v])))) { cur[q] = VACANCY; cur[v] = HOST; carry(q, v); }
    }
  }

  const atoms: Table[] = [], frames: Image[] = [];
  for (let t = 0; t < T; t++) {
    const s0 = states[t], X: number[] = [], Y: number[] = [], S: number[] = [], P: number[] = [], I: number[] = [], D: number[] = [];
    const dAt = new Map<number, number>();
    dopants[t].forEach((s, k) => { if (s >= 0) dAt.set(s, k); });
    for (let s = 0; s < N; s++) {
      if (s0[s] === VACANCY) continue;
      const b = s0[s] === NEW_PHASE, y = sy[s] + (b ? (si[s] % 2 ? -dimer : dimer) : 0), d = dAt.get(s) ?? -1, v = b ? phI : d >= 0 ? dopI : 1;
      X.push(sx[s]); Y.push(y); S.push(s); P.push(s0[s]); I.push(v); D.push(d);
    }
    atoms.push(table({ x: Float64Array.from(X), y: Float64Array.from(Y), site: Int32Array.from(S), phase: Int32Array.from(P), intensity: Float64Array.from(I), dopant: Int32Array.from(D) }));
  }
  const movie: TransitionMovie = {
    frames, atoms, states, dopants, hazard, nucleation,
    sites: table({ i: si, j: sj, x: sx, y: sy, strain: eps }),
    time: Float64Array.from({ length: T }, (_, t) => t * dt),
    dose: Float64Array.from({ length: T }, (_, t) => t * dose),
    latticeConstant: a, sigma,
    imaging: { width: W, height: H, dose, background: options.background ?? 0.05, seed: options.seed ?? 0 },
  };
  if (options.render ?? true) for (let t = 0; t < T; t++) frames.push(renderTransitionFrame(movie, t));
  return movie;
}

/**
 * Render frame `frame` of a {@link simulateTransition} movie: its columns
 * (`atoms[frame]`) as Gaussian spots with Poisson noise at the movie's dose
 * (the shared renderer of `synth/`), from a generator seeded by the movie's
 * seed and the frame index, so a frame is the same whether rendered with
 * the movie or alone. Cost: O(columns · σ² + pixels).
 * ```ts
 * const movie = simulateTransition({ render: false, seed: 3 });
 * const last = renderTransitionFrame(movie, movie.states.length - 1);
 * ```
 */
export function renderTransitionFrame(movie: TransitionMovie, frame: number): Image {
  if (!(Number.isInteger(frame) && frame >= 0 && frame < movie.atoms.length)) throw new RangeError(`renderTransitionFrame(movie, frame): frame must be an integer in [0, ${movie.atoms.length - 1}], got ${frame}`);
  const a = movie.atoms[frame], x = a.numeric("x"), y = a.numeric("y"), v = a.numeric("intensity"), im = movie.imaging;
  const cols: ColumnSpec[] = Array.from({ length: a.numRows }, (_, k) => ({ x: x[k], y: y[k], intensity: v[k] }));
  return renderColumns("renderTransitionFrame", cols, { width: im.width, height: im.height, dose: im.dose, background: im.background }, movie.sigma, rng(im.seed * 65537 + frame + 1)).image;
}
