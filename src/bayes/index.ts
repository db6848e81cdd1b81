/**
 * Bayesian inference (exported as `bayes`): exact Gaussian-process
 * regression with composable kernels, hyperparameters by maximum marginal
 * likelihood or NUTS, and Bayesian optimisation.
 * - kernels.ts: rbf, matern32, matern52, periodic, linear, constant, white; `.plus`, `.times`;
 * - gp.ts: gaussianProcess → GaussianProcess (predict, sample, logEvidence), logMarginalLikelihood; structured GPs (options.mean);
 * - dkl.ts: deepKernelLearning → DeepKernelModel (a small tfjs network under a GP: property from image patches, GPax's viDKL);
 * - dkl-experiment.ts: deepKernelActiveLearning (DKL choosing the next patch to measure by an acquisition function);
 * - sparse.ts: sparseGaussianProcess (SGPR inducing points, 10⁴–10⁵ points);
 * - nuts.ts: nuts (No-U-Turn Sampler with R-hat, ESS, divergences);
 * - priors.ts: logNormal, halfNormal, normal, uniform;
 * - loo.ts: waic, loo (PSIS-LOO with Pareto k̂);
 * - laplace.ts: the Laplace evidence shared by logEvidence and compareModels;
 * - optimize.ts: bayesianOptimization, acquisition functions;
 * - experiment.ts: simulatedMicroscope, hypothesisLearning (structured GPs competing in an automated experiment);
 * - compare.ts: compareModels (structured GPs: physical mean functions ranked by Laplace evidence);
 * - plots.ts: traceChart (MCMC traces and per-chain densities), rankChart (MCMC rank plots), regretChart (regret and uncertainty against measurements), priorPosteriorChart (a structured GP before and after the data);
 * - lbfgs.ts: minimizeLbfgsb (bounded L-BFGS).
 */
export { Kernel, rbf, matern32, matern52, periodic, linear, constant, white } from "./kernels";
export type { Hyperparameter, Bounds } from "./kernels";
export { gaussianProcess, logMarginalLikelihood, GaussianProcess } from "./gp";
export type { GaussianProcessOptions, PredictOptions, KernelName, MeanFunction } from "./gp";
export { nuts } from "./nuts";
export type { NutsOptions, NutsResult, LogDensity } from "./nuts";
export { logNormal, halfNormal, normal, uniform } from "./priors";
export type { Prior, PriorSupport } from "./priors";
export { waic, loo } from "./loo";
export type { ElpdResult } from "./loo";
export { minimizeLbfgsb } from "./lbfgs";
export type { MinimizeResult, LbfgsbOptions } from "./lbfgs";
export { bayesianOptimization, acquisitionValue } from "./optimize";
export type { BayesianOptimizationOptions, BayesianOptimizationResult, AcquisitionName, HyperpriorName } from "./optimize";
export { compareModels } from "./compare";
export type { MeanModel, CompareOptions, ComparisonResult } from "./compare";
export { traceChart, rankChart, regretChart, priorPosteriorChart } from "./plots";
export type { PriorPosteriorOptions, MeasurementRun, RegretChartOptions } from "./plots";
export { simulatedMicroscope, hypothesisLearning } from "./experiment";
export type { SimulatedMicroscope, SimulatedMicroscopeOptions, TruthFunction, HypothesisLearningOptions, HypothesisLearningResult, HypothesisStep } from "./experiment";
export { sparseGaussianProcess, SparseGaussianProcess } from "./sparse";
export type { SparseGaussianProcessOptions } from "./sparse";
export { deepKernelLearning, DeepKernelModel } from "./dkl";
export type { DeepKernelOptions, DeepKernelName, DenseLayer, Patches } from "./dkl";
export { deepKernelActiveLearning } from "./dkl-experiment";
export type { DeepKernelActiveLearningOptions, DeepKernelActiveLearningResult } from "./dkl-experiment";
