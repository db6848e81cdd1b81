/**
 * The one numeric core of causalscope: each routine has exactly one home
 * here, and every capability imports it from this folder.
 * - random.ts: the seeded generator (`Rng`, `rng`): uniform, integer,
 *   normal, Poisson deviates and shuffles;
 * - linalg.ts: Cholesky and triangular solves, SPD and general inverses,
 *   linear solves, QR, least squares (`lstsq`; `ols` with inference),
 *   symmetric eigendecomposition (`symmetricEigen`, `tridiagonalQL`), SVD;
 * - select.ts: selection (`quickselect`) and NumPy-compatible quantiles
 *   (`quantile`, `quantiles`, `quantilesInPlace`, `median`);
 * - special.ts: special and distribution functions (`erfc`, `lgamma`, `digamma`,
 *   `gammaP`, `gammaQ`, `incompleteBeta`; the normal, χ², Student t, Beta
 *   and Gamma distributions' tails and quantiles);
 * - cluster.ts: k-means (`kmeans`, `kmeans1d`) and Gaussian mixtures (`gmm`);
 * - pool.ts: the worker-thread pool (`WorkerPool`, `sharedPool`,
 *   `defaultWorkers`): tasks name a module and an export, never source text.
 */
export { Rng, rng } from "./random";
export { cholesky, choleskyBlocked, choleskyInverse, solveLower, solveLowerTransposed, choleskySolve, invertSPD, invert, solve, qr, lstsq, ols, symmetricEigen, tridiagonalQL, svd } from "./linalg";
export type { QR, SVD } from "./linalg";
export { quantile, quantiles, quantilesInPlace, median } from "./select";
export type { SelectArray } from "./select";
export { erfc, normSf, normCdf, normPpf, lgamma, digamma, gammaP, gammaQ, chi2Sf, incompleteBeta, betaQuantile, gammaQuantile, tPpf } from "./special";
export { kmeans, kmeans1d, gmm } from "./cluster";
export type { KMeansResult, KMeansOptions, GMMResult } from "./cluster";
export { WorkerPool, sharedPool, defaultWorkers } from "./pool";
export type { Task, TaskRef, PoolOptions } from "./pool";
