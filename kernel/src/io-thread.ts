/**
 * The kernel's I/O thread: the heartbeat and the iopub socket, run in a
 * worker so that both keep working while a cell blocks the main thread.
 *
 * - Heartbeat: a REP socket echoing every ping (the protocol's liveness check).
 * - iopub: an XPUB socket. The main thread posts ready-made, signed frames
 *   (`{ type: "iopub", frames }`); `postMessage` is delivered here even while
 *   the main thread runs a long synchronous computation, so prints and
 *   progress updates reach the notebook live. Frames are sent in the order
 *   posted. Each new subscription is answered with `iopub_welcome` (JEP 65).
 * - `{ type: "close" }` sends what is queued, closes both sockets and exits.
 */
import { parentPort, workerData } from "node:worker_threads";
import * as zmq from "zeromq";

import { encode, makeHeader, Signer } from "./wire";

interface IoWorkerData {
  hbUrl: string;
  iopubUrl: string;
  key: string;
  scheme: string;
  session: string;
}

async function main(): Promise<void> {
  const data = workerData as IoWorkerData;
  const signer = new Signer(data.key, data.scheme);
  const hb = new zmq.Reply({ linger: 0 });
  const iopub = new zmq.XPublisher({ linger: 1000, verbosity: "allSubs", sendHighWaterMark: 100000 });
  await hb.bind(data.hbUrl);
  await iopub.bind(data.iopubUrl);

  let chain: Promise<void> = Promise.resolve();
  const send = (frames: Buffer[]) => {
    chain = chain.then(
      () => iopub.send(frames),
      () => iopub.send(frames),
    );
    chain.catch((e) => process.stderr.write(`[causalscope-kernel] iopub send failed: ${(e as Error).message}\n`));
  };

  parentPort!.on("message", (m: { type: string; frames?: Uint8Array[] }) => {
    if (m.type === "iopub" && m.frames) {
      send(m.frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength)));
    } else if (m.type === "close") {
      void chain
        .catch(() => undefined)
        .then(() => {
          hb.close();
          iopub.close();
          parentPort!.postMessage("closed");
          process.exit(0);
        });
    }
  });
  parentPort!.postMessage("ready");

  const heartbeat = (async () => {
    for await (const frames of hb) await hb.send(frames);
  })();
  const subscriptions = (async () => {
    for await (const [frame] of iopub) {
      if (frame.length > 0 && frame[0] === 1) {
        const topic = frame.subarray(1).toString("utf8");
        const header = makeHeader("iopub_welcome", data.session);
        const frames = encode({ header, parent_header: {}, metadata: {}, content: { subscription: topic }, buffers: [] }, signer);
        send(topic ? [Buffer.from(topic), ...frames] : frames);
      }
    }
  })();
  await Promise.all([heartbeat, subscriptions]).catch(() => undefined);
}

main().catch((e) => {
  parentPort?.postMessage(`error: ${(e as Error).message}`);
});
