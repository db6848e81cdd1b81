/**
 * scikit-learn's GaussianProcessRegressor as the reference of the GP tests:
 * tests/bayes/sklearn_gp.py run with the project venv's Python
 * (scikit-learn from requirements/bayes.txt).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..", "..");
const PYTHON = process.env.CAUSALSCOPE_PYTHON ?? join(ROOT, ".venv", "bin", "python");

/** What scikit-learn computes for one request (see sklearn_gp.py). */
export interface SklearnGP {
  mean: Float64Array;
  std: Float64Array;
  lml: number;
  kernel: string;
  theta: Float64Array;
  seconds: number;
}

/** One request: X, y, test points Xs and a kernel given as a Python expression (RBF, Matern, ConstantKernel, WhiteKernel, ExpSineSquared, DotProduct). */
export interface SklearnRequest { X: number[][]; y: ArrayLike<number>; Xs: number[][]; kernel: string; optimize?: boolean; normalize_y?: boolean; alpha?: number; restarts?: number; seed?: number; repeat?: number }

/** Run scikit-learn on several requests in one Python process (its import costs seconds). */
export function sklearnGPs(requests: SklearnRequest[]): SklearnGP[] {
  if (!existsSync(PYTHON)) throw new Error(`GP reference tests need the project venv's Python at ${PYTHON} (scikit-learn): run \`node scripts/venv.mjs\``);
  const out = execFileSync(PYTHON, [join(__dirname, "sklearn_gp.py")], { input: JSON.stringify(requests.map((r) => ({ ...r, y: Array.from(r.y) }))), encoding: "utf8", stdio: ["pipe", "pipe", "inherit"], maxBuffer: 1 << 28 });
  const rs = JSON.parse(out) as Array<{ mean: string[]; std: string[]; lml: string; kernel: string; theta: string[]; seconds: number }>;
  return rs.map((r) => ({ mean: Float64Array.from(r.mean, Number), std: Float64Array.from(r.std, Number), lml: Number(r.lml), kernel: r.kernel, theta: Float64Array.from(r.theta, Number), seconds: r.seconds }));
}

/** Run scikit-learn on one request. */
export const sklearnGP = (request: SklearnRequest): SklearnGP => sklearnGPs([request])[0];
