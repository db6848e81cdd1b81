/**
 * A cluster worker: takes "partition" and "merge" jobs of 4-D UDF runs
 * from a BullMQ queue on Redis (see ./protocol.ts for what they hold).
 * A partition job reads its frames from the file named in the run's plan
 * (storage shared with the client), runs every UDF's `process` on them
 * (../partition.ts `processPartition`, the code single-machine runs use) and
 * returns the partition's buffers; a merge job merges them in partition
 * order. A worker killed mid-job loses its lock; after `lockMs` another
 * worker takes the job again (BullMQ's stalled-job check), and only one
 * completion of a job is ever recorded. A partition runs in the process's
 * main thread (one job at a time by default: start one process per core),
 * so it must take less than `lockMs`, or its lock lapses and another worker
 * computes it too (still recorded once); raise `--lock-ms` for slow UDFs.
 *
 * Started by `npx causalscope-worker --redis redis://host:port` (./cli.ts).
 */
import * as os from "node:os";
import { Job, Queue, Worker } from "bullmq";
import { processPartition, type PartitionUDF } from "../partition";
// The process functions of the common analyses (virtual images, centre of mass, mean/max
// patterns), loaded when the worker starts rather than on its first job, where loading would
// hold the event loop (and the job's lock) for as long as it takes.
import "../analyses";
import { encodeValue } from "./codec";
import { DEFAULT_QUEUE, decodeUDFs, mergePartitions, type MergeResult, type PartData, type PartResult, type RunPlan } from "./protocol";

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  /** Redis URL, e.g. "redis://10.0.0.5:6379". */
  redis: string;
  /** Queue name (default "causalscope"); the client's `queue` option must match. */
  queue?: string;
  /** Jobs this process runs at once (default 1: run one worker process per core). */
  concurrency?: number;
  /** Lock time of a job in ms (default 30 000): a job whose worker died is taken again after about this long. */
  lockMs?: number;
  /** Called with one line of text per event worth logging (default: none). */
  log?: (line: string) => void;
}

/** A running worker; `close()` finishes the jobs in hand and disconnects. */
export interface ClusterWorker {
  readonly id: string;
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** How many runs a worker keeps the decoded plan of (a partition job reads its run's plan from the parent job once). */
const PLAN_CACHE = 4;

/**
 * Start a worker process's job loop on `options.redis`. Cost per partition:
 * one file read of the partition plus the UDFs' process time, and one
 * Redis write of its buffers.
 */
export function startWorker(options: WorkerOptions): ClusterWorker {
  const log = options.log ?? (() => undefined);
  const name = options.queue ?? DEFAULT_QUEUE;
  const lockMs = options.lockMs ?? 30000;
  if (!(Number.isInteger(lockMs) && lockMs >= 100)) throw new RangeError(`causalscope-worker: lockMs must be an integer >= 100, got ${lockMs}`);
  const concurrency = options.concurrency ?? 1;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new RangeError(`causalscope-worker: concurrency must be a positive integer, got ${concurrency}`);
  const id = `${os.hostname()}:${process.pid}`;
  const connection = { url: options.redis, maxRetriesPerRequest: null };
  const queue = new Queue(name, { connection });
  const plans = new Map<string, { plan: RunPlan; udfs: PartitionUDF[] }>();

  async function planOf(job: Job): Promise<{ plan: RunPlan; udfs: PartitionUDF[] }> {
    const run = (job.data as PartData).run;
    const cached = plans.get(run);
    if (cached) return cached;
    const parentId = job.parent?.id;
    const parent = parentId ? await Job.fromId(queue, parentId) : undefined;
    if (!parent) throw new Error(`cluster run ${run}: the plan (merge job ${parentId}) is gone from Redis`);
    const plan = parent.data as RunPlan;
    const entry = { plan, udfs: decodeUDFs(plan.udfs) };
    plans.set(run, entry);
    if (plans.size > PLAN_CACHE) plans.delete(plans.keys().next().value!);
    return entry;
  }

  async function partition(job: Job): Promise<PartResult> {
    const { plan, udfs } = await planOf(job);
    const { part, start, n } = job.data as PartData;
    let buffers: Record<string, Float64Array>[];
    try {
      buffers = processPartition({ meta: plan.meta, start, n, spec: plan.spec, udfs });
    } catch (e) {
      const err = e as Error;
      err.message = `partition ${part} (frames ${start}..${start + n - 1}) of ${plan.spec.path}, on worker ${id}: ${err.message}`;
      throw err;
    }
    return { part, buffers: encodeValue(buffers, `partition ${part}`), worker: id, attempt: job.attemptsStarted };
  }

  async function merge(job: Job): Promise<MergeResult> {
    const plan = job.data as RunPlan;
    const values = (await job.getChildrenValues<PartResult>()) ?? {};
    const result = mergePartitions(plan, Object.values(values));
    plans.delete(plan.run);
    log(`run ${plan.run}: merged ${plan.nParts} partitions`);
    return result;
  }

  const worker = new Worker(name, async (job: Job) => {
    if (job.name === "partition") return partition(job);
    if (job.name === "merge") return merge(job);
    throw new Error(`causalscope-worker: unknown job ${JSON.stringify(job.name)} on queue ${name}`);
  }, { connection, concurrency, lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 3, autorun: true });
  worker.on("failed", (job, err) => log(`job ${job?.id} failed (attempt ${job?.attemptsStarted}): ${err.message}`));
  worker.on("error", (err) => log(`error: ${err.message}`));
  queue.on("error", (err) => log(`error: ${err.message}`));

  return {
    id,
    ready: async () => { await worker.waitUntilReady(); await queue.waitUntilReady(); },
    close: async () => { await worker.close(); await queue.close(); },
  };
}
