/** Locations inside the kernel package. */
import * as path from "node:path";

/** The kernel package's directory (kernel/), found from dist/ or src/. */
export const KERNEL_ROOT = path.resolve(__dirname, "..");
