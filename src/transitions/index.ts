/**
 * Phase transitions atom by atom (`cs.transitions`): a kinetic Monte Carlo
 * simulator of a beam-driven transition with ground truth
 * (`simulateTransition`, `renderTransitionFrame`), per-column local descriptors and Gaussian-mixture
 * classification of local phases (`localDescriptors`, `findVacancies`,
 * `classifyPhases`, `phaseAccuracy`), transition statistics
 * (`markovTransitions`, `phaseFraction`; their posterior intervals use
 * `cs.core.betaQuantile` and `gammaQuantile`)
 * and nucleation-site prediction with its honest evaluation
 * (`survivalRows`, `fitHazard`, `predictHazard`, `rocAuc`,
 * `evaluateNucleation`, `baselineScores`), from images through
 * `frameDescriptors` (find, track and describe the columns of every frame),
 * dopant hops as events with their rate (`dopantHops`), and a rotationally
 * invariant VAE whose latents act as local order parameters (`trainRvae`,
 * `encodeRvae`). Inputs are plain
 * arrays of per-frame atom tables and state arrays, so any tracker can feed them.
 */
export { simulateTransition, renderTransitionFrame, HOST, VACANCY, NEW_PHASE } from "./simulate";
export type { SimulateTransitionOptions, TransitionMovie } from "./simulate";
export { localDescriptors, findVacancies, classifyPhases, phaseAccuracy } from "./descriptors";
export type { LocalDescriptorOptions, ClassifyPhasesOptions, PhaseClassification } from "./descriptors";
export { markovTransitions, phaseFraction } from "./markov";
export type { MarkovOptions, PhaseFractionOptions } from "./markov";
export { survivalRows, fitHazard, predictHazard, rocAuc, evaluateNucleation, baselineScores } from "./hazard";
export type { FitHazardOptions, HazardModel, EvaluateNucleationOptions, NucleationScore } from "./hazard";
export { frameDescriptors } from "./frames";
export type { FrameDescriptorsOptions, FrameDescriptors } from "./frames";
export { dopantHops } from "./dopants";
export type { DopantHopsOptions, DopantHops } from "./dopants";
export { trainRvae, encodeRvae } from "./rvae";
export type { TrainRvaeOptions, RvaeModel, RvaeEncoding } from "./rvae";
