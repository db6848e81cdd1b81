/**
 * What the client (./client.ts) and the workers (./worker.ts) of a cluster
 * run exchange through the queue, and the merge they share.
 *
 * One run is one BullMQ flow: a parent job "merge" whose data is the run's
 * plan (shapes, the file, the UDFs) and one child job "partition" per
 * partition, holding only its index and frame range. A worker reads its
 * partition's frames from the file itself (shared storage: the same
 * absolute path on every machine) and returns the partition's buffers; when
 * every child has completed, a worker runs the parent, which merges the
 * children's buffers in partition order, exactly as the single-machine
 * runner does (../udf.ts), so the result is bit-identical.
 *
 * Process functions are sent as references. A function of this library
 * travels as its path inside the library (`{ lib: "stem4d/analyses" }`), and
 * each worker resolves it in its own copy (sources or build); any other
 * module travels as its absolute path, which must exist on the workers.
 */
import * as path from "node:path";
import type { TaskRef } from "../../core/pool";
import type { ChunkSpec } from "../../io/frames4d";
import { bufferLength, mergeInto, type BufferSpec, type DatasetMeta, type PartitionUDF } from "../partition";
import { decodeValue, encodeValue } from "./codec";

/** Root of this copy of the library: `src/` (TypeScript sources) or `src/dist/` (build). */
const LIB_ROOT = path.resolve(__dirname, "..", "..");

/** Name of the BullMQ queue runs and workers use unless told otherwise. */
export const DEFAULT_QUEUE = "causalscope";

/** A process function as sent: a library module (path inside the library, no extension) or an absolute module path. */
export type WireRef = { lib: string; export: string } | { module: string; export: string };

/** A UDF as sent (params encoded, see ./codec.ts). */
export interface WireUDF {
  name: string;
  process: WireRef;
  params: unknown;
  specs: unknown;
}

/** Data of the parent ("merge") job: everything a partition needs besides its range. */
export interface RunPlan {
  run: string;
  meta: DatasetMeta;
  spec: ChunkSpec & { type: "file" };
  partitionFrames: number;
  nParts: number;
  udfs: WireUDF[];
}

/** Data of a child ("partition") job. */
export interface PartData {
  run: string;
  part: number;
  start: number;
  n: number;
}

/** Return value of a partition job: its buffers (encoded) and who computed them in which attempt. */
export interface PartResult {
  part: number;
  buffers: unknown;
  worker: string;
  attempt: number;
}

/** Return value of the merge job: the merged buffers of every UDF (encoded) and per-partition provenance. */
export interface MergeResult {
  buffers: unknown;
  /** Attempt (1 = first try) that produced each partition's result, in partition order. */
  attempts: number[];
  /** Worker (host:pid) that produced each partition's result, in partition order. */
  workers: string[];
}

/** Job id of partition `part` of `run` (deterministic: adding it twice adds it once). */
export function partJobId(run: string, part: number): string {
  return `${run}-p${part}`;
}

/** Job id of the merge job of `run`. */
export function mergeJobId(run: string): string {
  return `${run}-merge`;
}

/** The reference to send for `ref` (see the module comment). */
export function toWire(ref: TaskRef): WireRef {
  const rel = path.relative(LIB_ROOT, ref.module);
  if (path.isAbsolute(ref.module) && !rel.startsWith("..") && !path.isAbsolute(rel)) {
    return { lib: rel.replace(/\.(ts|js)$/, "").split(path.sep).join("/"), export: ref.export };
  }
  if (!path.isAbsolute(ref.module)) throw new TypeError(`cluster: process module ${JSON.stringify(ref.module)} must be an absolute path (on storage the workers share) to run on a cluster`);
  return { module: ref.module, export: ref.export };
}

/** The module reference a worker requires for `ref`. */
export function fromWire(ref: WireRef): TaskRef {
  if ("lib" in ref) return { module: require.resolve(path.join(LIB_ROOT, ...ref.lib.split("/"))), export: ref.export };
  return { module: ref.module, export: ref.export };
}

/** UDFs as sent. */
export function encodeUDFs(udfs: PartitionUDF[]): WireUDF[] {
  return udfs.map((u) => ({ name: u.name, process: toWire(u.process), params: encodeValue(u.params, `UDF "${u.name}" params`), specs: encodeValue(u.specs, `UDF "${u.name}" buffers`) }));
}

/** UDFs as a worker runs them. */
export function decodeUDFs(udfs: WireUDF[]): PartitionUDF[] {
  return udfs.map((u) => ({ name: u.name, process: fromWire(u.process), params: decodeValue(u.params), specs: decodeValue(u.specs) as [string, BufferSpec][] }));
}

/**
 * Merge the partition results of a run in partition order (nav slices
 * placed at their frames, sig/single partials through `mergeInto` from
 * the initial value), as ../udf.ts does on one machine. Each partition
 * must appear exactly once; a missing or repeated one throws.
 */
export function mergePartitions(plan: RunPlan, results: PartResult[]): MergeResult {
  const byPart = new Array<PartResult | undefined>(plan.nParts);
  for (const r of results) {
    if (!Number.isInteger(r.part) || r.part < 0 || r.part >= plan.nParts) throw new RangeError(`cluster run ${plan.run}: a result names partition ${r.part}, the run has ${plan.nParts}`);
    if (byPart[r.part]) throw new Error(`cluster run ${plan.run}: partition ${r.part} returned twice (${byPart[r.part]!.worker} and ${r.worker})`);
    byPart[r.part] = r;
  }
  const missing = byPart.findIndex((r) => r === undefined);
  if (missing >= 0) throw new Error(`cluster run ${plan.run}: no result for partition ${missing} of ${plan.nParts}`);
  const udfs = plan.udfs.map((u) => decodeValue(u.specs) as [string, BufferSpec][]);
  const full = udfs.map((specs) => {
    const f: Record<string, Float64Array> = {};
    for (const [name, s] of specs) {
      f[name] = new Float64Array(bufferLength(s, plan.meta, plan.meta.nFrames));
      if (s.kind !== "nav" && s.init) f[name].fill(s.init);
    }
    return f;
  });
  for (let k = 0; k < plan.nParts; k++) {
    const out = decodeValue(byPart[k]!.buffers) as Record<string, Float64Array>[];
    const start = k * plan.partitionFrames;
    udfs.forEach((specs, u) => {
      for (const [name, s] of specs) {
        if (s.kind === "nav") full[u][name].set(out[u][name], start * (s.extra ?? 1));
        else mergeInto(full[u][name], out[u][name], s.merge);
      }
    });
  }
  return { buffers: encodeValue(full, "merged buffers"), attempts: byPart.map((r) => r!.attempt), workers: byPart.map((r) => r!.worker) };
}
