/**
 * Phase transitions atom by atom (`cs.transitions`): a kinetic Monte Carlo
 * simulator of a beam-driven transition with ground truth
 * (`simulateTransition`, `renderTransitionFrame`), per-column local descriptors and Gaussian-mixture
 * classification of local phases (`localDescriptors`, `findVacancies`,
 * `classifyPhases`, `phaseAccuracy`), transition statistics
 * (`markovTransitions`, `phaseFraction`, `betaQuantile`, `gammaQuantile`)
 * and nucleation-site prediction with its honest evaluation
 * (`survivalRows`, `fitHazard`, `predictHazard`, `rocAuc`,
 * `evaluateNucleation`, `baselineScores`). Inputs are plain arrays of
 * per-frame atom tables and state arrays, so any tracker can feed them.
 */
export { simulateTransition, renderTransitionFrame, HOST, VACANCY, NEW_PHASE } from "./simulate";
export type { SimulateTransitionOptions, TransitionMovie } from "./simulate";
export { localDescriptors, findVacancies, classifyPhases, phaseAccuracy } from "./descriptors";
export type { LocalDescriptorOptions, ClassifyPhasesOptions, PhaseClassification } from "./descriptors";
export { markovTransitions, phaseFraction, betaQuantile, gammaQuantile } from "./markov";
export type { MarkovOptions, PhaseFractionOptions } from "./markov";
export { survivalRows, fitHazard, predictHazard, rocAuc, evaluateNucleation, baselineScores } from "./hazard";
export type { FitHazardOptions, HazardModel, EvaluateNucleationOptions, NucleationScore } from "./hazard";
