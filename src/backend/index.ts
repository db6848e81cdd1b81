/** The tensor backend (tfjs: tensorflow native if installed, else WebAssembly SIMD, else cpu). */
export { initBackend, backend, tfjs } from "./backend";
export type { BackendName, BackendInfo, InitBackendOptions } from "./backend";
