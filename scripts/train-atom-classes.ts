/**
 * Regenerates the per-atom class model shipped in src/atoms/deep/models/classes.ts
 * (run by scripts/train-atom-classes.mjs; README.md in src/atoms/deep, "Classes").
 * Draws synthetic lattices (square, perovskite, honeycomb, triangular, dumbbell)
 * with dopants brighter (×1.25–2) or dimmer (×0.45–0.8; weaker is the vacancy class's "much weaker column") than their sublattice and
 * vacancies, at 10²–10⁵ e⁻/column, with the detector's training augmentation
 * (src/atoms/deep/data.ts `trainingSample`: gamma, thickness envelope with noise,
 * gradient, read noise, scan-line noise, flips), finds the columns with the shipped
 * ensemble (`findAtomsDeep`, defaults), measures the site features
 * (`siteFeatures`), labels each site from the generator's truth, and trains a
 * small multilayer perceptron (TensorFlow.js, Adam, cross-entropy). A held-out set
 * (seed + 1) gives the confusion matrix printed at the end.
 * Arguments: --seed S (default 2026) --images N (training images, default 400)
 * --test M (held-out images, default 100) --epochs E (default 80)
 * --out FILE (default src/atoms/deep/models/classes.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { initBackend, tfjs } from "../src/backend/backend";
import { rng, Rng } from "../src/core/random";
import { findAtomsDeep, pixelNoiseOf } from "../src/atoms/deep/find";
import { siteFeatures, classifySites, ATOM_CLASSES, SITE_FEATURES, ClassModel } from "../src/atoms/deep/classes";
import { thicknessEnvelope, addScanLineNoise, TRAINING_LATTICES, TrainingLattice } from "../src/atoms/deep/data";
import { square } from "../src/synth/square";
import { perovskite } from "../src/synth/perovskite";
import { hexagonal } from "../src/synth/hexagonal";
import { dumbbell } from "../src/synth/dumbbell";
import { PointGrid } from "../src/atoms/grid";
import type { SyntheticLattice } from "../src/synth/lattice";
import type { Image } from "../src/image/image";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}

/** Nearest-neighbour distance over the lattice constant (as data.ts). */
const NN_OVER_A: Record<TrainingLattice, number> = { square: 1, perovskite: Math.SQRT1_2, honeycomb: 1 / Math.sqrt(3), triangular: 1, dumbbell: 0.25 };

/** A lattice as data.ts `syntheticLattice` draws it, with dopants brighter or dimmer than their sublattice. */
function drawLattice(lattice: TrainingLattice, size: number, nn: number, r: Rng): SyntheticLattice {
  const dose = Math.exp(r.range(Math.log(1e2), Math.log(1e5)));
  const a = nn / NN_OVER_A[lattice], blurF = r.range(0.8, 2.6);
  const intensity = r.uniform() < 0.5 ? r.range(1.25, 2) : r.range(0.45, 0.8);
  const common = {
    width: size, height: size, dose, rotation: r.range(0, 360), origin: [r.range(0, a), r.range(0, a)] as [number, number],
    background: r.range(0, 0.3), scanNoise: r.uniform() < 0.3 ? r.range(0, 0.05 * nn) : 0, seed: r.int(1 << 30),
    dopants: { fraction: r.range(0, 0.12), intensity }, vacancies: { fraction: r.range(0, 0.06) },
  };
  switch (lattice) {
    case "square": return square({ ...common, latticeConstant: a, sigma: 0.12 * a * blurF });
    case "perovskite": return perovskite({ ...common, latticeConstant: a, sigma: 0.12 * a * blurF, intensityB: r.range(0.2, 1), dopants: { ...common.dopants, sublattice: r.uniform() < 0.5 ? "A" : "B" } });
    case "honeycomb": return hexagonal({ ...common, lattice: "honeycomb", latticeConstant: a, sigma: 0.19 * nn * blurF, intensityB: r.range(0.5, 1) });
    case "triangular": return hexagonal({ ...common, lattice: "triangular", latticeConstant: a, sigma: 0.12 * a * blurF });
    case "dumbbell": return dumbbell({ ...common, latticeConstant: a, sigma: 0.22 * nn * blurF, intensityB: r.range(0.8, 1.2) });
  }
}

interface Truth { x: number[]; y: number[]; label: number[] }

/** One augmented image at the input scale (data.ts `trainingSample`'s augmentation, without `prepare`) and its truth: host 0, dopant 1, vacancy 2; −1 for sites in vacuum. */
function drawImage(lattice: TrainingLattice, r: Rng): { image: Image; truth: Truth; dose: number } {
  const nn = Math.exp(r.range(Math.log(5), Math.log(14)));
  const size = Math.max(72, Math.min(160, Math.round(12 * nn)));
  const lat = drawLattice(lattice, size, nn, r);
  const img = lat.image.data;
  let lo = Infinity, hi = -Infinity;
  for (const v of img) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const range = hi > lo ? hi - lo : 1;
  const gx = r.range(-0.5, 0.5) * range / size, gy = r.range(-0.5, 0.5) * range / size;
  const gamma = Math.exp(r.range(Math.log(0.7), Math.log(1.4)));
  const env = r.uniform() < 0.3 ? thicknessEnvelope(size, r) : null;
  const bump = env ? r.range(0, 1) * range : 0, envNoise = env ? r.range(0.03, 0.25) * range : 0;
  const read = r.uniform() < 0.5 ? r.range(0, 0.1) * range : 0;
  const flipX = r.uniform() < 0.5, flipY = r.uniform() < 0.5, swap = r.uniform() < 0.5;
  const raw = new Float32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const i = y * size + x;
    let v = Math.pow((img[i] - lo) / range, gamma) * range;
    if (env) v = v * env[i] + bump * env[i] + r.normal(0, envNoise);
    raw[i] = v + gx * (x - size / 2) + gy * (y - size / 2) + (read ? r.normal(0, read) : 0);
  }
  if (r.uniform() < 0.3) addScanLineNoise(raw, size, r, r.range(0, 0.15) * range, r.range(0, 0.15) * range, r.range(0.5, 0.9));
  const tf = (x: number, y: number): [number, number] => {
    let X = flipX ? size - 1 - x : x, Y = flipY ? size - 1 - y : y;
    if (swap) [X, Y] = [Y, X];
    return [X, Y];
  };
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) { const [X, Y] = tf(x, y); out[Y * size + X] = raw[y * size + x]; }
  const truth: Truth = { x: [], y: [], label: [] };
  const add = (x: number, y: number, label: number) => {
    const vacuum = env && env[Math.min(size - 1, Math.max(0, Math.round(y))) * size + Math.min(size - 1, Math.max(0, Math.round(x)))] < 0.3;
    const [X, Y] = tf(x, y);
    truth.x.push(X); truth.y.push(Y); truth.label.push(vacuum ? -1 : label);
  };
  lat.atoms.x.forEach((x, i) => add(x, lat.atoms.y[i], lat.atoms.dopant[i]));
  lat.vacancies.x.forEach((x, i) => add(x, lat.vacancies.y[i], 2));
  return { image: { data: out, width: size, height: size }, truth, dose: lat.dose };
}

/** Sites of one image with labels: found columns matched to a truth site (unmatched and vacuum columns left out); candidates labelled vacancy, or host ("no vacancy": a missed column or vacuum) / dopant (a missed dopant). */
async function labelledSites(lattice: TrainingLattice, r: Rng): Promise<{ features: Float32Array; labels: number[]; dose: number } | null> {
  const { image, truth, dose } = drawImage(lattice, r);
  const t = await findAtomsDeep(image).catch(() => null);
  if (!t || t.numRows < 8) return null;
  const detected = t.numeric("detected");
  const keep = Array.from(detected.keys()).filter((i) => detected[i] === 1);
  const pick = (name: string) => Float64Array.from(keep, (i) => t.numeric(name)[i]);
  const p = t.parameters;
  const sites = siteFeatures({ image, valid: null, x: pick("x"), y: pick("y"), uncertainty: pick("uncertainty"), spacing: p.spacing, noise: pixelNoiseOf(image, p.noise as "poisson" | "gaussian", p.imageNoise), probabilityMap: p.probabilityMap });
  if (!sites.lattice) return null;
  const grid = new PointGrid(truth.x, truth.y, p.spacing);
  const feats: number[] = [], labels: number[] = [];
  for (let i = 0; i < sites.x.length; i++) {
    if (sites.peers[i] < 2) continue;
    const m = grid.nearest(sites.x[i], sites.y[i], 1, -1, 0.3 * p.spacing);
    let label: number;
    if (m.index.length) label = truth.label[m.index[0]];
    else label = sites.detected[i] ? -1 : 0;
    if (label < 0) { if (sites.detected[i]) continue; label = 0; }
    labels.push(label);
    for (let k = 0; k < SITE_FEATURES; k++) feats.push(sites.features[i * SITE_FEATURES + k]);
  }
  return { features: Float32Array.from(feats), labels, dose };
}

async function dataset(seed: number, images: number): Promise<{ x: Float32Array; y: number[]; dose: number[] }> {
  const r = rng(seed), xs: Float32Array[] = [], ys: number[] = [], dose: number[] = [];
  for (let k = 0; k < images; k++) {
    const s = await labelledSites(TRAINING_LATTICES[k % TRAINING_LATTICES.length], r);
    if (s) { xs.push(s.features); ys.push(...s.labels); dose.push(...s.labels.map(() => s.dose)); }
    if ((k + 1) % 50 === 0) console.log(`seed ${seed}: ${k + 1}/${images} images, ${ys.length} sites`);
  }
  const x = new Float32Array(ys.length * SITE_FEATURES);
  let o = 0;
  for (const f of xs) { x.set(f, o); o += f.length; }
  return { x, y: ys, dose };
}

function confusion(p: Float32Array, y: number[]): string {
  const C = ATOM_CLASSES.length, m = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  y.forEach((t, i) => { let b = 0; for (let c = 1; c < C; c++) if (p[i * C + c] > p[i * C + b]) b = c; m[t][b]++; });
  const lines = ATOM_CLASSES.map((c, t) => `  true ${c.padEnd(8)}: ${m[t].join(" / ")}`);
  for (let c = 1; c < C; c++) {
    const tp = m[c][c], pred = m.reduce((s, row) => s + row[c], 0), tru = m[c].reduce((s, v) => s + v, 0);
    lines.push(`  ${ATOM_CLASSES[c]}: precision ${(tp / pred).toFixed(3)}, recall ${(tp / tru).toFixed(3)}`);
  }
  return lines.join("\n");
}

/** Mean probability of the most probable class against the fraction correct, in bins of that probability. */
function calibration(p: Float32Array, y: number[]): string {
  const C = ATOM_CLASSES.length, edges = [0, 0.6, 0.8, 0.95, 1.01];
  const bins = edges.slice(1).map(() => ({ n: 0, p: 0, ok: 0 }));
  y.forEach((t, i) => {
    let b = 0; for (let c = 1; c < C; c++) if (p[i * C + c] > p[i * C + b]) b = c;
    const q = p[i * C + b], k = edges.findIndex((e, j) => q >= e && q < edges[j + 1]);
    bins[k].n++; bins[k].p += q; bins[k].ok += b === t ? 1 : 0;
  });
  return bins.map((b, k) => `[${edges[k]}, ${Math.min(1, edges[k + 1])}): n ${b.n}, mean p ${(b.p / b.n).toFixed(3)}, correct ${(b.ok / b.n).toFixed(3)}`).join("; ");
}

async function main(): Promise<void> {
  const seed = Number(arg("seed", "2026")), images = Number(arg("images", "400")), test = Number(arg("test", "100")), epochs = Number(arg("epochs", "80"));
  const out = path.resolve(arg("out", path.join(__dirname, "..", "src", "atoms", "deep", "models", "classes.ts")));
  await initBackend({ prefer: "wasm" });
  const t0 = Date.now();
  const train = await dataset(seed, images), held = await dataset(seed + 1, test);
  console.log(`data: ${train.y.length} training sites, ${held.y.length} held-out sites, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const F = SITE_FEATURES, n = train.y.length;
  const mean = new Array<number>(F).fill(0), sd = new Array<number>(F).fill(0);
  for (let i = 0; i < n; i++) for (let k = 0; k < F; k++) mean[k] += train.x[i * F + k] / n;
  for (let i = 0; i < n; i++) for (let k = 0; k < F; k++) sd[k] += (train.x[i * F + k] - mean[k]) ** 2 / n;
  for (let k = 0; k < F; k++) sd[k] = Math.sqrt(sd[k]) || 1;
  const tf = tfjs();
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed + s });
  const net = tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [F], units: 24, activation: "relu", kernelInitializer: init(1) }),
    tf.layers.dense({ units: 24, activation: "relu", kernelInitializer: init(2) }),
    tf.layers.dense({ units: ATOM_CLASSES.length, activation: "softmax", kernelInitializer: init(3) }),
  ] });
  net.compile({ optimizer: tf.train.adam(0.005), loss: "categoricalCrossentropy" });
  const xs = tf.tensor2d(Float32Array.from(train.x, (v, i) => (v - mean[i % F]) / sd[i % F]), [n, F]);
  const ys = tf.oneHot(tf.tensor1d(train.y, "int32"), ATOM_CLASSES.length);
  const r = rng(seed + 7), batch = 512, t1 = Date.now();
  for (let e = 0; e < epochs; e++) {
    const order = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) { const j = r.int(i + 1); [order[i], order[j]] = [order[j], order[i]]; }
    let loss = 0, steps = 0;
    for (let b = 0; b < n; b += batch) {
      const idx = tf.tensor1d(order.subarray(b, Math.min(n, b + batch)), "int32");
      const bx = xs.gather(idx), by = ys.gather(idx);
      loss += (await net.trainOnBatch(bx, by)) as number; steps++;
      tf.dispose([idx, bx, by]);
    }
    if ((e + 1) % 10 === 0) console.log(`epoch ${e + 1}/${epochs} loss ${(loss / steps).toFixed(4)}`);
  }
  console.log(`training: ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  const layers = net.layers.map((l) => {
    const [k, b] = l.getWeights();
    return { units: b.shape[0], kernel: Array.from(k.dataSync(), (v) => Number(v.toPrecision(6))), bias: Array.from(b.dataSync(), (v) => Number(v.toPrecision(6))) };
  });
  const model: ClassModel = {
    generatedBy: `scripts/train-atom-classes.mjs --seed ${seed} --images ${images} --test ${test} --epochs ${epochs} (${n} training sites)`,
    classes: ATOM_CLASSES, featureMean: mean.map((v) => Number(v.toPrecision(6))), featureSd: sd.map((v) => Number(v.toPrecision(6))), layers,
  };
  console.log(`training set:\n${confusion(classifySites(train.x, model), train.y)}`);
  const ph = classifySites(held.x, model);
  console.log(`held-out set (seed ${seed + 1}):\n${confusion(ph, held.y)}`);
  console.log(`held-out calibration (most probable class): ${calibration(ph, held.y)}`);
  for (const [lo, hi] of [[1e2, 1e3], [1e3, 1e4], [1e4, 1e5]]) {
    const idx = held.dose.map((d, i) => (d >= lo && d < hi ? i : -1)).filter((i) => i >= 0), C = ATOM_CLASSES.length;
    console.log(`held-out, dose ${lo}–${hi} e/column:\n${confusion(Float32Array.from(idx.flatMap((i) => Array.from(ph.subarray(i * C, (i + 1) * C)))), idx.map((i) => held.y[i]))}`);
  }
  const src = `/**\n * The per-atom class model (generated by ${model.generatedBy}; do not edit).\n * A multilayer perceptron over the site features of ../classes.ts: see README.md, "Classes".\n * Untyped here (no import of ../classes.ts, which imports this file); classes.ts checks it against ClassModel.\n */\nexport const CLASS_MODEL = ${JSON.stringify(model)};\n`;
  fs.writeFileSync(out, src);
  console.log(`wrote ${out} (${(src.length / 1024).toFixed(1)} KiB)`);
}

main().catch((e) => { console.error(e); process.exit(1); });
