/**
 * Bayesian inference (exported as `bayes`): exact Gaussian-process
 * regression with composable kernels, hyperparameters by maximum marginal
 * likelihood or NUTS, and Bayesian optimisation.
 * - kernels.ts: rbf, matern32, matern52, periodic, linear, constant, white; `.plus`, `.times`;
 * - gp.ts: gaussianProcess → GaussianProcess (predict, sample), logMarginalLikelihood;
 * - nuts.ts: nuts (No-U-Turn Sampler with R-hat, ESS, divergences);
 * - priors.ts: logNormal, halfNormal;
 * - optimize.ts: bayesianOptimization, acquisition functions;
 * - compare.ts: compareModels (structured GPs: physical mean functions ranked by Laplace evidence);
 * - plots.ts: traceChart (MCMC traces and per-chain densities);
 * - lbfgs.ts: minimizeLbfgsb (bounded L-BFGS).
 */
export { Kernel, rbf, matern32, matern52, periodic, linear, constant, white } from "./kernels";
export type { Hyperparameter, Bounds } from "./kernels";
export { gaussianProcess, logMarginalLikelihood, GaussianProcess } from "./gp";
export type { GaussianProcessOptions, PredictOptions, KernelName } from "./gp";
export { nuts } from "./nuts";
export type { NutsOptions, NutsResult, LogDensity } from "./nuts";
export { logNormal, halfNormal } from "./priors";
export type { Prior } from "./priors";
export { minimizeLbfgsb } from "./lbfgs";
export type { MinimizeResult, LbfgsbOptions } from "./lbfgs";
export { bayesianOptimization, acquisitionValue } from "./optimize";
export type { BayesianOptimizationOptions, BayesianOptimizationResult, AcquisitionName } from "./optimize";
export { compareModels } from "./compare";
export type { MeanModel, CompareOptions, ComparisonResult } from "./compare";
export { traceChart } from "./plots";
