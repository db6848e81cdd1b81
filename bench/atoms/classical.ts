// Classical finder on synthetic lattices nobody tuned it to (issue 11): the
// nearest-neighbour spacing from estimateSpacing against the truth, and F1 of
// findAtoms at default options (mutual nearest neighbours within 0.25 × the
// true NN distance, columns within 7.3 px of the border ignored: not a whole
// number, so no row of columns sits on it), per lattice
// type and dose (e⁻ per column); then the dim B sites of a HAADF perovskite
// (B/A intensity 0.1–0.5): B recall and F1 over all columns.
//   TS_NODE_COMPILER_OPTIONS='{"module":"commonjs","moduleResolution":"node"}' \
//     node_modules/.bin/ts-node-transpile-only bench/atoms/classical.ts [--seeds 3]
// Results: bench/atoms/classical-results.md.
import { hexagonal } from "../../src/synth/hexagonal";
import { perovskite } from "../../src/synth/perovskite";
import { square } from "../../src/synth/square";
import { dumbbell } from "../../src/synth/dumbbell";
import { findAtoms, estimateSpacing } from "../../src/atoms";
import { matchPositions } from "../../tests/atoms/match";

const args = process.argv.slice(2);
const seeds = Number(args.includes("--seeds") ? args[args.indexOf("--seeds") + 1] : 3);
const W = 256;
interface Lattice { image: { data: Float32Array; width: number; height: number }; atoms: { x: ArrayLike<number>; y: ArrayLike<number>; sublattice: ArrayLike<number> } }

const cases: Array<{ name: string; nn: number; make: (dose: number, seed: number) => Lattice }> = [
  { name: "square a=12", nn: 12, make: (dose, seed) => square({ width: W, height: W, latticeConstant: 12, dose, seed }) },
  { name: "perovskite a=16, B/A 0.45", nn: 16 / Math.SQRT2, make: (dose, seed) => perovskite({ width: W, height: W, latticeConstant: 16, dose, seed }) },
  { name: "triangular a=10", nn: 10, make: (dose, seed) => hexagonal({ width: W, height: W, latticeConstant: 10, lattice: "triangular", dose, seed }) },
  { name: "honeycomb a=16 (σ 0.19 NN)", nn: 16 / Math.sqrt(3), make: (dose, seed) => hexagonal({ width: W, height: W, latticeConstant: 16, dose, seed }) },
  { name: "honeycomb a=8 (σ 0.3 NN)", nn: 8 / Math.sqrt(3), make: (dose, seed) => hexagonal({ width: W, height: W, latticeConstant: 8, sigma: 1.4, rotation: 11, dose, seed }) },
  { name: "honeycomb a=12, bg 0.5 (σ 0.29 NN)", nn: 12 / Math.sqrt(3), make: (dose, seed) => hexagonal({ width: W, height: W, latticeConstant: 12, sigma: 2, background: 0.5, dose, seed }) },
  { name: "dumbbells a=32 (pair 8 px)", nn: 8, make: (dose, seed) => dumbbell({ width: W, height: W, latticeConstant: 32, dose, seed }) },
  { name: "dumbbells a=24, rotated 20° (pair 6 px)", nn: 6, make: (dose, seed) => dumbbell({ width: W, height: W, latticeConstant: 24, rotation: 20, dose, seed }) },
];
const f1 = (m: ReturnType<typeof matchPositions>) => (2 * m.truePositives) / Math.max(1, 2 * m.truePositives + m.falsePositives + m.falseNegatives);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
console.log("| lattice | true NN (px) | dose | estimateSpacing (mean) | F1 (mean over seeds) | F1 per seed |\n|---|---|---|---|---|---|");
for (const c of cases) {
  for (const dose of [1e2, 1e3, 1e4]) {
    const sp: number[] = [], F: number[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const s = c.make(dose, seed);
      try { sp.push(estimateSpacing(s.image).spacing); } catch { sp.push(NaN); }
      try {
        const a = findAtoms(s.image);
        F.push(f1(matchPositions(a.numeric("x"), a.numeric("y"), s.atoms.x, s.atoms.y, 0.25 * c.nn, { width: W, height: W, border: 7.3 })));
      } catch { F.push(0); }
    }
    console.log(`| ${c.name} | ${c.nn.toFixed(2)} | ${dose} | ${mean(sp).toFixed(2)} | ${mean(F).toFixed(3)} | ${F.map((v) => v.toFixed(2)).join(" ")} |`);
  }
}
console.log("\n| B/A | dose | B recall (mean) | F1 all (mean) |\n|---|---|---|---|");
for (const ratio of [0.1, 0.2, 0.3, 0.5]) {
  for (const dose of [1e3, 1e4]) {
    const R: number[] = [], F: number[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const s = perovskite({ width: W, height: W, latticeConstant: 16, intensityB: ratio, dose, seed });
      const bx: number[] = [], by: number[] = [];
      s.atoms.sublattice.forEach((v, k) => { if (v === 1) { bx.push(s.atoms.x[k]); by.push(s.atoms.y[k]); } });
      const box = { width: W, height: W, border: 7.3 };
      try {
        const a = findAtoms(s.image);
        R.push(matchPositions(a.numeric("x"), a.numeric("y"), bx, by, 3, box).recall);
        F.push(f1(matchPositions(a.numeric("x"), a.numeric("y"), s.atoms.x, s.atoms.y, 3, box)));
      } catch { R.push(0); F.push(0); }
    }
    console.log(`| ${ratio} | ${dose} | ${mean(R).toFixed(3)} | ${mean(F).toFixed(3)} |`);
  }
}
