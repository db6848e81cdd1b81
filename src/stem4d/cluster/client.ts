/**
 * 4-D UDF runs on a cluster of machines through a BullMQ job queue on Redis
 * (the engine operations teams already run; https://docs.bullmq.io). A run
 * is one flow (./protocol.ts): a "partition" job per deterministic
 * partition, read by whichever worker takes it from the file on shared
 * storage, and a "merge" job that BullMQ starts once every partition has
 * completed, merging in partition order. Partitions that fail are retried
 * (`attempts`), jobs of a dead worker are taken again after its lock
 * expires, and each partition's result is recorded once, so the result is
 * bit-identical to the single-machine run whatever the number of workers
 * and whatever fails; after the last try a failure rejects with the
 * worker's error, which names the partition and the file.
 *
 * Like LiberTEM's Dask executor (its UDFs run unchanged on a distributed
 * cluster); here the queue is BullMQ and workers are
 * `npx causalscope-worker --redis redis://host:port` processes.
 *
 * @example
 *   const bf = await cs.virtualImage(ds, { type: "circle", center: [64, 64], radius: 8 }, { cluster: "redis://10.0.0.5:6379" });
 *   // or keep the connection for several runs:
 *   const cluster = cs.stem4d.connectCluster("redis://10.0.0.5:6379");
 *   const [bf2, adf] = await cs.virtualImages(ds, [bfDet, adfDet], { cluster });
 *   await cluster.close();
 */
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import type { FlowProducer, Queue } from "bullmq";
import type { ChunkSpec } from "../../io/frames4d";
import type { DatasetMeta, PartitionUDF } from "../partition";
import { decodeValue } from "./codec";
import { DEFAULT_QUEUE, encodeUDFs, mergeJobId, partJobId, type MergeResult, type PartData, type RunPlan } from "./protocol";

/** Options of {@link connectCluster}. */
export interface ClusterOptions {
  /** Queue name (default "causalscope"); workers must be started with the same `--queue`. */
  queue?: string;
  /** Tries per partition before the run fails (default 3). */
  attempts?: number;
  /**
   * Longest time in ms without progress (no partition completing, or Redis
   * unreachable) before a run fails with an error saying what it waited for
   * (default 60 000).
   */
  timeoutMs?: number;
}

/** What the last run on a cluster did (for diagnostics and tests). */
export interface ClusterRunInfo {
  /** Run id (prefix of its job ids). */
  run: string;
  partitions: number;
  /** Attempt (1 = first try) whose result was merged, per partition in order. */
  attempts: number[];
  /** Worker (host:pid) whose result was merged, per partition in order. */
  workers: string[];
  /** Wall time of the run in ms. */
  ms: number;
}

const POLL_MS = 50;
/** How long a run waits for a first worker to be connected before it fails. */
const WORKER_WAIT_MS = 10000;

/** A connection to a cluster's queue, reused across runs; see the module comment. */
export class Cluster {
  readonly url: string;
  readonly queue: string;
  readonly attempts: number;
  readonly timeoutMs: number;
  /** The last run's provenance, once a run has completed. */
  lastRun: ClusterRunInfo | undefined;
  private readonly q: Queue;
  private readonly flow: FlowProducer;
  private lastError: Error | undefined;

  constructor(url: string, options: ClusterOptions = {}) {
    if (typeof url !== "string" || !/^rediss?:\/\/[^/]/.test(url)) throw new TypeError(`connectCluster: url must be a Redis URL like "redis://host:6379", got ${JSON.stringify(url)}`);
    this.url = url;
    this.queue = options.queue ?? DEFAULT_QUEUE;
    this.attempts = options.attempts ?? 3;
    if (!(Number.isInteger(this.attempts) && this.attempts >= 1)) throw new RangeError(`connectCluster: options.attempts must be a positive integer, got ${options.attempts}`);
    this.timeoutMs = options.timeoutMs ?? 60000;
    if (!(this.timeoutMs > 0)) throw new RangeError(`connectCluster: options.timeoutMs must be > 0, got ${options.timeoutMs}`);
    const connection = { url, maxRetriesPerRequest: 1 };
    // Loaded on first use: bullmq takes about a second to load.
    const { Queue, FlowProducer } = require("bullmq") as typeof import("bullmq");
    this.q = new Queue(this.queue, { connection });
    this.flow = new FlowProducer({ connection });
    const note = (e: Error) => { this.lastError = e; };
    this.q.on("error", note);
    this.flow.on("error", note);
  }

  /** Number of workers connected to this cluster's queue now. */
  async workers(): Promise<number> {
    return this.q.getWorkersCount();
  }

  /** Close the connections (runs in progress reject). */
  async close(): Promise<void> {
    await Promise.allSettled([this.q.close(), this.flow.close()]);
  }

  /**
   * Run the partitions of one UDF pass on the cluster and return the merged
   * buffers of each UDF (full length, as ../udf.ts allocates them).
   * `onProgress` gets the number of frames whose partitions are done.
   */
  async run(job: { meta: DatasetMeta; spec: ChunkSpec | undefined; description: string; partitionFrames: number; udfs: PartitionUDF[] }, onProgress?: (frames: number) => void): Promise<Record<string, Float64Array>[]> {
    const { meta, spec, partitionFrames: pf } = job;
    if (spec?.type !== "file") throw new Error(`runUDF: options.cluster needs a dataset whose frames the workers can read themselves, from a file on storage they share (.npy, raw binary, .blo, EMPAD, .mib with frame headers; not yet HDF5 or Zarr); this one is ${job.description}`);
    const t0 = Date.now();
    const run = `${t0.toString(36)}${randomBytes(4).toString("hex")}`;
    const nParts = Math.ceil(meta.nFrames / pf);
    const plan: RunPlan = { run, meta, spec: { ...spec, path: path.resolve(spec.path) }, partitionFrames: pf, nParts, udfs: encodeUDFs(job.udfs) };
    await this.someWorker(t0);
    const children = Array.from({ length: nParts }, (_, k) => {
      const data: PartData = { run, part: k, start: k * pf, n: Math.min(pf, meta.nFrames - k * pf) };
      return {
        name: "partition", queueName: this.queue, data,
        opts: { jobId: partJobId(run, k), attempts: this.attempts, backoff: { type: "fixed", delay: 100 }, failParentOnFailure: true },
      };
    });
    await this.flow.add({ name: "merge", queueName: this.queue, data: plan, opts: { jobId: mergeJobId(run), attempts: this.attempts }, children });
    try {
      const merged = await this.wait(run, nParts, pf, meta.nFrames, onProgress);
      this.lastRun = { run, partitions: nParts, attempts: merged.attempts, workers: merged.workers, ms: Date.now() - t0 };
      return decodeValue(merged.buffers) as Record<string, Float64Array>[];
    } finally {
      await this.q.remove(mergeJobId(run), { removeChildren: true }).catch(() => undefined);
    }
  }

  /** `fn` against Redis, retried until it answers or `timeoutMs` after `since`. */
  private async reach<T>(fn: () => Promise<T>, since: number): Promise<T> {
    for (;;) {
      try { return await fn(); } catch (e) {
        if (Date.now() - since > this.timeoutMs) throw new Error(`runUDF: cannot reach Redis at ${this.url} for ${this.timeoutMs} ms: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** Resolve once a worker listens on the queue (they reconnect by themselves after a Redis restart); throw after WORKER_WAIT_MS without one. */
  private async someWorker(t0: number): Promise<void> {
    const wait = Math.min(this.timeoutMs, WORKER_WAIT_MS);
    while ((await this.reach(() => this.q.getWorkersCount(), t0)) === 0) {
      if (Date.now() - t0 > wait) throw new Error(`runUDF: no causalscope-worker is connected to queue "${this.queue}" at ${this.url} (waited ${wait} ms); start some with: npx causalscope-worker --redis ${this.url}${this.queue === DEFAULT_QUEUE ? "" : ` --queue ${this.queue}`}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** Wait for the merge job of `run`: its result, or an error naming what failed, or a timeout without progress. */
  private async wait(run: string, nParts: number, pf: number, nFrames: number, onProgress?: (frames: number) => void): Promise<MergeResult> {
    let lastProgress = Date.now(), done = -1;
    for (;;) {
      const parent = await this.reach(() => this.q.getJob(mergeJobId(run)), lastProgress);
      const state = parent ? await this.reach(() => parent.getState(), lastProgress) : "unknown";
      if (!parent || state === "unknown") throw this.gone(run);
      if (state === "completed") {
        // Read again: the job read above may predate its completion.
        const done = await this.reach(() => this.q.getJob(mergeJobId(run)), lastProgress);
        if (!done?.returnvalue) throw this.gone(run);
        return done.returnvalue as MergeResult;
      }
      if (state === "failed") throw new Error(`runUDF: cluster run ${run} failed: ${await this.failure(run, nParts, parent.failedReason)}`);
      const counts = await this.reach(() => parent.getDependenciesCount({ processed: true }), lastProgress);
      const processed = counts.processed ?? 0;
      if (processed !== done) {
        done = processed;
        lastProgress = Date.now();
        onProgress?.(Math.min(nFrames, processed * pf));
      } else if (Date.now() - lastProgress > this.timeoutMs) {
        const workers = await this.q.getWorkersCount().catch(() => NaN);
        throw new Error(`runUDF: cluster run ${run}: no progress for ${this.timeoutMs} ms (${processed} of ${nParts} partitions done, ${workers} workers connected to queue "${this.queue}" at ${this.url})${this.lastError ? `; last Redis error: ${this.lastError.message}` : ""}`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  private gone(run: string): Error {
    return new Error(`runUDF: cluster run ${run} is gone from Redis at ${this.url} (the server restarted or was flushed; without persistence its jobs are lost): no result, run it again`);
  }

  /** The reason of the first (lowest) failed partition of `run`, else the merge job's own reason. */
  private async failure(run: string, nParts: number, parentReason: string): Promise<string> {
    for (let k = 0; k < nParts; k++) {
      const child = await this.q.getJob(partJobId(run, k)).catch(() => undefined);
      if (child && (await child.getState()) === "failed") return `${child.failedReason} (after ${child.attemptsMade} attempts)`;
    }
    return parentReason;
  }
}

/**
 * Connect to a cluster: Redis at `url` and the workers listening on its
 * queue (`npx causalscope-worker --redis URL`). Pass the result as the
 * `cluster` option of any 4-D analysis, and `close()` it when done. A URL
 * string given directly as `cluster` opens and closes a connection per run.
 */
export function connectCluster(url: string, options?: ClusterOptions): Cluster {
  return new Cluster(url, options);
}
