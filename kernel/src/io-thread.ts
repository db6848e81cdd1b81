/**
 * The kernel's I/O thread: every socket, run in a worker so that they keep
 * working while a cell blocks the main thread.
 *
 * - Heartbeat: a REP socket echoing every ping (the protocol's liveness check).
 * - iopub: an XPUB socket; each new subscription is answered with
 *   `iopub_welcome` (JEP 65).
 * - shell, control, stdin: ROUTER sockets. Each request is checked here
 *   (HMAC signature, and replay: a signature seen before is dropped, see
 *   wire.ts ReplayGuard) and posted to the main thread decoded
 *   (`{ type: "recv", channel, msg }`), except `interrupt_request`, which
 *   is handled here at once: the shared interrupt count is raised (cell code
 *   checks it at every await and awaiting loop, so even a microtask loop
 *   that never yields to the event loop stops), the main thread is told
 *   (`{ type: "interrupt" }`, for a cell that awaits something that never
 *   settles), and if the main thread has not handled it within
 *   SIGNAL_GRACE_MS (it is running synchronous code), a SIGINT stops that
 *   code under vm breakOnSigint. Then interrupt_reply, bracketed by
 *   busy/idle (sent at once, not after the grace period).
 * - The main thread posts ready-made, signed frames
 *   (`{ type: "send", channel, frames }`); `postMessage` is delivered here
 *   even while the main thread computes, so prints and progress updates
 *   reach the notebook live. Frames go out in the order posted, per socket.
 * - `{ type: "close" }` sends what is queued, closes every socket and exits.
 */
import { parentPort, workerData } from "node:worker_threads";
import * as zmq from "zeromq";

import { HANDLED, INTERRUPTS, SIGNAL_GRACE_MS, SIGNALLED } from "./interrupt";
import { decode, encode, makeHeader, ReplayGuard, signatureOf, Signer, type Message } from "./wire";

/** The sockets' names, as the main thread addresses them. */
export type Channel = "shell" | "control" | "stdin" | "iopub";

/** What the main thread hands the I/O thread. */
export interface IoWorkerData {
  urls: { hb: string; iopub: string; shell: string; control: string; stdin: string };
  key: string;
  scheme: string;
  session: string;
  /** Shared interrupt state (interrupt.ts). */
  interrupts: Int32Array;
  /** Pid of the supervisor (supervisor.ts) when there is one: if it dies, so does this process. */
  supervisor?: number;
}

async function main(): Promise<void> {
  const data = workerData as IoWorkerData;
  const signer = new Signer(data.key, data.scheme);
  const replays = new ReplayGuard();
  const hb = new zmq.Reply({ linger: 0 });
  const iopub = new zmq.XPublisher({ linger: 1000, verbosity: "allSubs", sendHighWaterMark: 100000 });
  const routers = {
    shell: new zmq.Router({ linger: 1000 }),
    control: new zmq.Router({ linger: 1000 }),
    stdin: new zmq.Router({ linger: 0 }),
  };
  const sockets: Record<Channel, zmq.Router | zmq.XPublisher> = { ...routers, iopub };
  await hb.bind(data.urls.hb);
  await iopub.bind(data.urls.iopub);
  for (const name of ["shell", "control", "stdin"] as const) await routers[name].bind(data.urls[name]);

  const log = (text: string) => parentPort!.postMessage({ type: "log", text });
  const chains = new Map<Channel, Promise<void>>();
  const send = (channel: Channel, frames: Buffer[]) => {
    const sock = sockets[channel];
    const next = (chains.get(channel) ?? Promise.resolve()).then(() => sock.send(frames));
    chains.set(
      channel,
      next.catch((e) => log(`${channel} send failed: ${(e as Error).message}`)),
    );
  };
  const publish = (msgType: string, content: Record<string, unknown>, parent: Message | undefined) => {
    const header = makeHeader(msgType, data.session);
    const frames = encode({ header, parent_header: parent?.header ?? {}, metadata: {}, content, buffers: [] }, signer);
    send("iopub", [Buffer.from(`kernel.${data.session}.${msgType}`), ...frames]);
  };

  const interrupt = (req: Message) => {
    publish("status", { execution_state: "busy" }, req);
    const requested = Atomics.add(data.interrupts, INTERRUPTS, 1) + 1;
    parentPort!.postMessage({ type: "interrupt" });
    signalUnlessHandled(requested, Date.now() + SIGNAL_GRACE_MS);
    const header = makeHeader("interrupt_reply", data.session, req.header.username ?? "kernel");
    send("control", encode({ identities: req.identities, header, parent_header: req.header, metadata: {}, content: { status: "ok" }, buffers: [] }, signer));
    publish("status", { execution_state: "idle" }, req);
  };

  /** Send the SIGINT only if the main thread has not handled interrupt number `requested` by `deadline`. */
  const signalUnlessHandled = (requested: number, deadline: number) => {
    if (Atomics.load(data.interrupts, HANDLED) >= requested) return;
    if (Date.now() < deadline) {
      setTimeout(() => signalUnlessHandled(requested, deadline), 2);
      return;
    }
    Atomics.store(data.interrupts, SIGNALLED, 1);
    process.kill(process.pid, "SIGINT");
  };

  const receive = async (channel: "shell" | "control" | "stdin") => {
    for await (const frames of routers[channel]) {
      let msg: Message;
      try {
        msg = decode(frames as Buffer[], signer);
      } catch (e) {
        log(`dropped a ${channel} message: ${(e as Error).message}`);
        continue;
      }
      if (!replays.fresh(signatureOf(frames as Buffer[]))) {
        log(`dropped a replayed ${channel} message (${msg.header.msg_type}, msg_id ${msg.header.msg_id}): its signature was seen before`);
        continue;
      }
      if (channel === "control" && msg.header.msg_type === "interrupt_request") interrupt(msg);
      else parentPort!.postMessage({ type: "recv", channel, msg });
    }
  };

  parentPort!.on("message", (m: { type: string; channel?: Channel; frames?: Uint8Array[] }) => {
    if (m.type === "send" && m.channel && m.frames) {
      send(
        m.channel,
        m.frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength)),
      );
    } else if (m.type === "close") {
      void Promise.all(chains.values()).then(() => {
        hb.close();
        for (const s of Object.values(sockets)) s.close();
        parentPort!.postMessage({ type: "closed" });
        process.exit(0);
      });
    }
  });
  parentPort!.postMessage({ type: "ready" });
  if (data.supervisor !== undefined) {
    // The main thread hears the supervisor's death (IPC disconnect) only when
    // it is free; a cell stuck in a loop would outlive it. Checked from here.
    setInterval(() => {
      if (process.ppid !== data.supervisor) process.kill(process.pid, "SIGKILL");
    }, 1000).unref();
  }

  const heartbeat = (async () => {
    for await (const frames of hb) await hb.send(frames);
  })();
  const subscriptions = (async () => {
    for await (const [frame] of iopub) {
      if (frame.length > 0 && frame[0] === 1) {
        const topic = frame.subarray(1).toString("utf8");
        const header = makeHeader("iopub_welcome", data.session);
        const frames = encode({ header, parent_header: {}, metadata: {}, content: { subscription: topic }, buffers: [] }, signer);
        send("iopub", topic ? [Buffer.from(topic), ...frames] : frames);
      }
    }
  })();
  await Promise.all([heartbeat, subscriptions, receive("shell"), receive("control"), receive("stdin")]).catch(() => undefined);
}

main().catch((e) => {
  parentPort?.postMessage({ type: "error", text: (e as Error).message });
});
