/**
 * The heartbeat channel, run in a worker thread so that the kernel keeps
 * answering pings while a cell blocks the main thread (a long synchronous
 * computation). Echoes every message on a REP socket, as the protocol asks.
 * The main thread posts "close" to stop it.
 */
import { parentPort, workerData } from "node:worker_threads";
import * as zmq from "zeromq";

async function main(): Promise<void> {
  const sock = new zmq.Reply({ linger: 0 });
  await sock.bind(workerData.url as string);
  parentPort!.postMessage("ready");
  parentPort!.on("message", (m) => {
    if (m === "close") {
      sock.close();
      parentPort!.postMessage("closed");
      process.exit(0);
    }
  });
  try {
    for await (const frames of sock) await sock.send(frames);
  } catch {
    /* socket closed */
  }
}

main().catch((e) => {
  parentPort?.postMessage(`error: ${(e as Error).message}`);
});
