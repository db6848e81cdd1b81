import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { WorkerPool, type Task } from "../../src/core/pool";

const TASKS = path.join(__dirname, "pool-tasks.ts");
const task = (name: string, ...args: unknown[]): Task => ({ module: TASKS, export: name, args });

describe("WorkerPool", () => {
  const pool = new WorkerPool({ size: 2, idleMs: 60_000 });
  afterAll(() => pool.terminate());

  test("many tasks finishing out of order: map and each give task order", async () => {
    // Later tasks finish first (shorter delays); results must still come back in task order.
    const n = 24;
    const tasks = Array.from({ length: n }, (_, i) => task("delayed", i * 10, (n - i) * 3));
    expect(await pool.map<number>(tasks)).toEqual(Array.from({ length: n }, (_, i) => i * 10));
    const seen: number[] = [];
    await pool.each<number>(tasks, (r, i) => { expect(r).toBe(i * 10); seen.push(i); }, { concurrency: 2 });
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(pool.threads).toBe(2);
  });

  test("a task that throws rejects with its class, message and the worker's stack", async () => {
    const err = await pool.run(task("fail", 7)).catch((e: Error) => e);
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toBe("bad value 7");
    expect((err as Error).stack).toMatch(/pool-tasks\.ts/);
    expect((err as Error).stack).toMatch(/task fail of .*pool-tasks\.ts/);
    // In a batch, the first failure rejects the batch; the pool stays usable.
    await expect(pool.map([task("square", 2), task("fail", 3), task("square", 4)])).rejects.toThrow("bad value 3");
    expect(await pool.run(task("square", 5))).toBe(25);
  });

  test("unknown module or export: errors that name them", async () => {
    await expect(pool.run(task("noSuchExport"))).rejects.toThrow(/pool-tasks\.ts has no exported function "noSuchExport"/);
    await expect(pool.run({ module: "no-such-package-xyz", export: "f", args: [] })).rejects.toThrow(/cannot resolve module "no-such-package-xyz"/);
    await expect(pool.run({ module: path.join(os.tmpdir(), "missing-causalscope-task.js"), export: "f", args: [] })).rejects.toThrow(/Cannot find module .*missing-causalscope-task\.js/);
  });

  test("typed arrays move both ways; plain JavaScript modules work too", async () => {
    const { values, thread } = await pool.run<{ values: Float64Array; thread: number }>(task("ramp", 1000));
    // (structured clone makes it in Node's realm, not jest's: compare the tag, not instanceof)
    expect(Object.prototype.toString.call(values)).toBe("[object Float64Array]");
    expect(values[999]).toBe(999);
    expect(thread).toBeGreaterThan(0);
    const a = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(await pool.run({ ...task("total", a), transfer: [a.buffer] })).toBe(5050);
    expect(a.length).toBe(0); // moved, not copied
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cs-pool-"));
    const js = path.join(dir, "triple.js");
    fs.writeFileSync(js, "exports.triple = (x) => 3 * x;\n");
    expect(await pool.map([1, 2, 3].map((x) => ({ module: js, export: "triple", args: [x] })))).toEqual([3, 6, 9]);
    fs.rmSync(dir, { recursive: true });
  });

  test("a thread that dies rejects its task; the pool replaces it", async () => {
    await expect(pool.run(task("exitThread", 3))).rejects.toThrow(/exited with code 3/);
    expect(await pool.run(task("square", 6))).toBe(36);
  });

  test("terminate stops a running task at once and rejects queued ones", async () => {
    const t0 = Date.now();
    const running = pool.map([task("spin", 20_000), task("spin", 20_000), task("spin", 20_000)]);
    await new Promise((r) => setTimeout(r, 300));
    await pool.terminate("interrupted by test");
    await expect(running).rejects.toThrow("interrupted by test");
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(pool.threads).toBe(0);
    expect(await pool.run(task("square", 3))).toBe(9); // usable again
  });
});

test("idle threads exit after idleMs", async () => {
  const p = new WorkerPool({ size: 2, idleMs: 100 });
  expect(await p.map([task("square", 2), task("square", 3)])).toEqual([4, 9]);
  expect(p.threads).toBeGreaterThan(0);
  const t0 = Date.now();
  while (p.threads > 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
  expect(p.threads).toBe(0);
});

test("bad options name the argument", () => {
  expect(() => new WorkerPool({ size: 0 })).toThrow(/options\.size must be a positive integer, got 0/);
  expect(() => new WorkerPool({ idleMs: -1 })).toThrow(/options\.idleMs/);
});

test("an idle pool never keeps the process alive (a script using it exits by itself)", () => {
  const script = `
    const { WorkerPool } = require(${JSON.stringify(path.join(__dirname, "../../src/core/pool.ts"))});
    const pool = new WorkerPool({ size: 2, idleMs: 600000 });
    pool.map([2, 3].map((x) => ({ module: ${JSON.stringify(TASKS)}, export: "square", args: [x] }))).then((r) => console.log(JSON.stringify(r)));`;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), "-e", script], {
    encoding: "utf8", timeout: 90_000, env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, "../../src/tsconfig.json") },
  });
  expect(r.error).toBeUndefined(); // not killed by the timeout
  expect(r.stdout.trim()).toBe("[4,9]");
  expect(r.status).toBe(0);
  expect(Date.now() - t0).toBeLessThan(90_000);
});
