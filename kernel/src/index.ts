/**
 * causalscope-kernel: a Jupyter kernel for TypeScript with the causalscope
 * library preloaded as `cs`. See main.ts for the command line, server.ts for
 * the protocol layer and engine.ts for execution.
 */
export { install, kernelJson, KERNEL_NAME, DISPLAY_NAME } from "./install";
export { main } from "./main";
