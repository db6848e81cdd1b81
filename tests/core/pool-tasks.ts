/** Task functions for tests/core/pool.test.ts (required by worker threads by path). */
import { threadId } from "node:worker_threads";

export function square(x: number): number {
  return x * x;
}

/** Resolves with `x` after `ms` milliseconds (to finish tasks out of order). */
export async function delayed(x: number, ms: number): Promise<number> {
  await new Promise((r) => setTimeout(r, ms));
  return x;
}

export function fail(v: number): never {
  throw new RangeError(`bad value ${v}`);
}

/** [0, 1, …, n-1] as float64, plus the thread that made it. */
export function ramp(n: number): { values: Float64Array; thread: number } {
  return { values: Float64Array.from({ length: n }, (_, i) => i), thread: threadId };
}

/** Sum of a Float64Array (given by transfer). */
export function total(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/** Busy for `ms` milliseconds (cannot be interrupted except by ending the thread). */
export function spin(ms: number): number {
  const t = Date.now();
  while (Date.now() - t < ms) { /* busy */ }
  return ms;
}

export function exitThread(code: number): void {
  process.exit(code);
}
