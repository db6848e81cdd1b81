// Redis for the 4D-STEM cluster runner's tests and benchmark (src/stem4d/cluster/).
//
//   node scripts/redis.mjs ensure         installs Debian's redis-server when missing (root or sudo,
//                                         non-interactive, as scripts/ensure-chromium.sh does for
//                                         Chromium); prints the server's path; exit 1 with the reason
//                                         when it is missing and cannot be installed
//   node scripts/redis.mjs serve [PORT]   runs a throwaway server in the foreground: bound to
//                                         127.0.0.1, no persistence (no RDB, no AOF), on PORT or a
//                                         free port; prints its URL once it accepts connections
//
// As a module: ensureRedis() and startRedis({ port }) -> { url, port, child, stop() }.
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";

const SERVER = "/usr/bin/redis-server";

function works(bin) {
  try { execFileSync(bin, ["--version"], { stdio: "ignore" }); return true; } catch { return false; }
}

/** Path of redis-server, installing Debian's package first when it is missing; throws with the reason when it cannot. */
export function ensureRedis() {
  if (existsSync(SERVER) && works(SERVER)) return SERVER;
  let sudo = [];
  if (process.getuid && process.getuid() !== 0) {
    try { execFileSync("sudo", ["-n", "true"], { stdio: "ignore" }); sudo = ["sudo", "-n"]; } catch {
      throw new Error(`${SERVER} is missing and this user cannot install packages (not root, no password-less sudo); install Debian's redis-server package`);
    }
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const apt = (...args) => {
    const [cmd, ...rest] = [...sudo, "apt-get", ...args];
    execFileSync(cmd, rest, { stdio: ["ignore", "ignore", "inherit"], env });
  };
  apt("update", "-qq");
  apt("install", "-y", "-qq", "--no-install-recommends", "redis-server");
  if (!works(SERVER)) throw new Error(`apt-get installed redis-server but ${SERVER} does not run`);
  return SERVER;
}

/** A free TCP port on 127.0.0.1 (the OS's choice). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** Arguments of a throwaway server: loopback only, no persistence, no background saving. */
export function serverArgs(port) {
  return ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "notice"];
}

/**
 * Start redis-server (see serverArgs) and resolve once it accepts connections.
 * `stop()` ends it (SIGTERM) and resolves when it has exited.
 */
export async function startRedis({ port } = {}) {
  const bin = ensureRedis();
  port ??= await freePort();
  const child = spawn(bin, serverArgs(port), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  await new Promise((resolve, reject) => {
    const onData = (d) => {
      out += d;
      if (/ready to accept connections/i.test(out)) { child.stdout.off("data", onData); resolve(); }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (d) => { out += d; });
    child.once("exit", (code) => reject(new Error(`redis-server on port ${port} exited with code ${code}: ${out.trim()}`)));
  });
  const exited = new Promise((r) => child.once("exit", r));
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    child,
    stop: async () => { if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM"); await exited; },
  };
}

const [cmd, arg] = process.argv.slice(2);
if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    if (cmd === "ensure") console.log(ensureRedis());
    else if (cmd === "serve") {
      const r = await startRedis({ port: arg ? Number(arg) : undefined });
      console.log(r.url);
      for (const s of ["SIGINT", "SIGTERM"]) process.once(s, () => { void r.stop().then(() => process.exit(0)); });
      r.child.once("exit", (code) => process.exit(code ?? 1));
    } else {
      console.error("usage: node scripts/redis.mjs ensure | serve [PORT]");
      process.exit(2);
    }
  } catch (e) {
    console.error(`scripts/redis.mjs: ${e.message}`);
    process.exit(1);
  }
}
