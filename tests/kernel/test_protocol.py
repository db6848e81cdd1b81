"""Protocol behaviour of the causalscope kernel beyond jupyter_kernel_test:
comms both ways, interrupt, restart, errors back to back, 10 MB of output,
exceptions and type errors with positions, display updates, stdin, the
preloaded library and ES-module imports.

Each test talks to a real kernel through the venv's jupyter_client.
"""
import base64
import os
import pathlib
import queue
import signal
import time
import uuid

import pytest
from jupyter_client.manager import start_new_kernel

TIMEOUT = 60


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_new_kernel(kernel_name="causalscope", startup_timeout=TIMEOUT)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=False)


def drain_iopub(kc):
    while True:
        try:
            kc.get_iopub_msg(timeout=0.2)
        except queue.Empty:
            return


def collect(kc, msg_id, timeout=TIMEOUT):
    """All iopub messages of request msg_id up to and including its idle status."""
    out = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
        except queue.Empty:
            break
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        out.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return out
    raise AssertionError(f"no idle status for {msg_id} within {timeout}s; got {[m['msg_type'] for m in out]}")


def shell_reply(kc, msg_id, timeout=TIMEOUT):
    deadline = time.time() + timeout
    while time.time() < deadline:
        msg = kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg
    raise AssertionError(f"no reply to {msg_id}")


def run(kc, code, timeout=TIMEOUT, **kw):
    """Execute code; return (reply content, iopub messages of the request)."""
    drain_iopub(kc)
    msg_id = kc.execute(code, **kw)
    reply = shell_reply(kc, msg_id, timeout)
    return reply["content"], collect(kc, msg_id, timeout)


def result_text(msgs):
    res = [m for m in msgs if m["msg_type"] == "execute_result"]
    assert len(res) == 1, [m["msg_type"] for m in msgs]
    return res[0]["content"]["data"]["text/plain"]


def stdout_of(msgs):
    return "".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")


def send_shell(kc, msg_type, content):
    msg = kc.session.msg(msg_type, content)
    kc.shell_channel.send(msg)
    return msg["header"]["msg_id"]


BRIDGE = '(globalThis as any)[Symbol.for("causalscope.kernelBridge")]'


def start_running(kc, code, timeout=TIMEOUT):
    """Execute code that first prints "running"; return its msg_id once that print arrived
    (type checking can take seconds on a loaded machine; an interrupt before the cell runs stops it unrun)."""
    drain_iopub(kc)
    msg_id = kc.execute('console.log("running");\n' + code)
    deadline = time.time() + timeout
    while time.time() < deadline:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream" and "running" in msg["content"]["text"]:
            return msg_id
    raise AssertionError(f"{code!r} did not start within {timeout}s")


def test_kernel_info_language(kernel):
    _, kc = kernel
    msg_id = kc.kernel_info()
    reply = shell_reply(kc, msg_id)["content"]
    assert reply["status"] == "ok"
    assert reply["implementation"] == "causalscope"
    assert tuple(int(x) for x in reply["protocol_version"].split(".")) >= (5, 3)
    info = reply["language_info"]
    assert info["name"] == "typescript"
    assert info["file_extension"] == ".ts"
    assert info["mimetype"] == "text/typescript"
    assert info["codemirror_mode"] == "typescript"


def test_last_expression_is_execute_result(kernel):
    _, kc = kernel
    reply, msgs = run(kc, "const answer: number = 6 * 7;\nanswer")
    assert reply["status"] == "ok"
    assert result_text(msgs) == "42"
    # Values declared in one cell are typed and visible in the next.
    reply, msgs = run(kc, "answer + 1")
    assert result_text(msgs) == "43"
    # A cell ending in a statement has no execute_result.
    reply, msgs = run(kc, "let unused = 1;")
    assert reply["status"] == "ok"
    assert not [m for m in msgs if m["msg_type"] == "execute_result"]


def test_shorthand_property_naming_an_earlier_cells_variable(kernel):
    _, kc = kernel
    run(kc, "const shortA = 5;\nlet shortB = { k: 1 };")
    reply, msgs = run(kc, "JSON.stringify({ shortA, shortB, c: 3 })")
    assert reply["status"] == "ok", reply
    assert result_text(msgs) == "'{\"shortA\":5,\"shortB\":{\"k\":1},\"c\":3}'"
    # As a destructuring assignment target it assigns the earlier cell's variable.
    reply, msgs = run(kc, "({ shortB } = { shortB: { k: 2 } });\nshortB.k")
    assert reply["status"] == "ok", reply
    assert result_text(msgs) == "2"


def test_image_value_shows_as_picture(kernel):
    _, kc = kernel
    reply, msgs = run(kc, "cs.makeImage([0, 1, 2, 3], 2, 2)")
    assert reply["status"] == "ok", reply
    (res,) = [m for m in msgs if m["msg_type"] == "execute_result"]
    data = res["content"]["data"]
    assert base64.b64decode(data["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert data["text/plain"].startswith("Image 2×2 px")


def test_rich_execute_result_bundle(kernel):
    _, kc = kernel
    code = 'const sym = Symbol.for("causalscope.mimeBundle");\n({ [sym]: async () => ({ "image/svg+xml": "<svg/>", "text/plain": "a picture" }) })'
    reply, msgs = run(kc, code)
    assert reply["status"] == "ok"
    (res,) = [m for m in msgs if m["msg_type"] == "execute_result"]
    assert res["content"]["data"] == {"image/svg+xml": "<svg/>", "text/plain": "a picture"}
    assert res["content"]["execution_count"] == reply["execution_count"]


def test_throwing_cell(kernel):
    _, kc = kernel
    reply, msgs = run(kc, 'function inner() { throw new RangeError("radius must be positive, got -1"); }\ninner()')
    assert reply["status"] == "error"
    assert reply["ename"] == "RangeError"
    assert reply["evalue"] == "radius must be positive, got -1"
    errors = [m for m in msgs if m["msg_type"] == "error"]
    assert len(errors) == 1
    tb = "\n".join(errors[0]["content"]["traceback"])
    assert "RangeError: radius must be positive, got -1" in tb
    # frames point into the cell's own TypeScript lines, with the source line shown
    count = reply["execution_count"]
    assert f"at inner (In[{count}]:1:26)" in tb
    assert f"at In[{count}]:2:1" in tb
    assert f"In[{count}], line 1:" in tb
    assert 'throw new RangeError("radius must be positive, got -1")' in tb
    # the kernel's own frames are not shown
    assert "kernel/dist" not in tb and "node:vm" not in tb


def test_library_frames_point_at_typescript_sources(kernel):
    """The kernelspec runs node --enable-source-maps: library frames show src/*.ts lines; the cell frame its own line."""
    _, kc = kernel
    reply, _ = run(kc, 'const missing = await cs.readImage("no-such-file.npy");')
    assert reply["status"] == "error"
    assert "no-such-file.npy" in reply["evalue"]
    tb = reply["traceback"]
    assert any("/src/" in line and ".ts:" in line for line in tb), tb
    count = reply["execution_count"]
    assert f"In[{count}]:1:26" in "\n".join(tb), tb  # the readImage call, columns of the cell itself


def test_thrown_non_error_value(kernel):
    _, kc = kernel
    reply, _ = run(kc, 'throw { code: 7 }')
    assert reply["status"] == "error"
    assert "code: 7" in reply["evalue"]


def test_background_errors_do_not_kill_the_kernel(kernel):
    _, kc = kernel
    reply, msgs = run(kc, 'setTimeout(() => { throw new Error("late failure"); }, 10);\nPromise.reject(new Error("unhandled one"));\nawait new Promise((r) => setTimeout(r, 100));')
    assert reply["status"] == "ok"
    err = "".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream" and m["content"]["name"] == "stderr")
    assert "uncaught exception: Error: late failure" in err
    assert "unhandled promise rejection: Error: unhandled one" in err
    reply, msgs = run(kc, '"alive"')
    assert result_text(msgs) == "'alive'"


def test_type_error_reports_line_and_column(kernel):
    _, kc = kernel
    reply, msgs = run(kc, 'const ok = 1;\nconst n: number = "text";')
    assert reply["status"] == "error"
    assert reply["ename"] == "TypeScriptError"
    assert reply["evalue"].startswith("2:7 - TS2322:"), reply["evalue"]
    tb = reply["traceback"]
    assert tb[0].startswith("2:7 - error TS2322")
    assert tb[1].strip() == 'const n: number = "text";'
    assert tb[2].index("^") == tb[1].index("n:")


def test_errors_back_to_back_then_good_cell(kernel):
    """Three requests sent without waiting: every one gets its reply (nothing dropped or aborted)."""
    _, kc = kernel
    drain_iopub(kc)
    ids = [
        kc.execute('throw new Error("first")'),
        kc.execute('const wrong: string = 1;'),
        kc.execute('"third ran"'),
    ]
    replies = [shell_reply(kc, i) for i in ids]
    assert [r["content"]["status"] for r in replies] == ["error", "error", "ok"]
    assert replies[0]["content"]["evalue"] == "first"
    assert replies[1]["content"]["ename"] == "TypeScriptError"
    msgs = collect(kc, ids[2])
    assert result_text(msgs) == "'third ran'"


def test_error_immediately_followed_by_cell(kernel):
    """tslab dropped requests arriving within 200 ms of an error; ours runs them."""
    _, kc = kernel
    for _ in range(3):
        reply, _ = run(kc, 'throw new Error("again")')
        assert reply["status"] == "error"
        reply, msgs = run(kc, "1 + 1")
        assert reply["status"] == "ok"
        assert result_text(msgs) == "2"


def test_display_with_update(kernel):
    _, kc = kernel
    reply, msgs = run(kc, 'const h = display("first", { displayId: "progress-1" });\nh.update("second");\ndisplay({ "text/html": "<b>raw</b>" }, { raw: true });')
    assert reply["status"] == "ok"
    shown = [m for m in msgs if m["msg_type"] in ("display_data", "update_display_data")]
    assert [m["msg_type"] for m in shown] == ["display_data", "update_display_data", "display_data"]
    assert shown[0]["content"]["data"]["text/plain"] == "'first'"
    assert shown[0]["content"]["transient"] == {"display_id": "progress-1"}
    assert shown[1]["content"]["data"]["text/plain"] == "'second'"
    assert shown[1]["content"]["transient"] == {"display_id": "progress-1"}
    # raw bundles go out exactly as given
    assert shown[2]["content"]["data"] == {"text/html": "<b>raw</b>"}


def test_library_bridge_display_and_output_order(kernel):
    _, kc = kernel
    code = (
        'console.log("before");\n'
        f'{BRIDGE}.display({{ "text/plain": "from library" }}, {{ displayId: "lib-1" }});\n'
        f'{BRIDGE}.display({{ "text/plain": "updated" }}, {{ displayId: "lib-1", update: true }});\n'
        'console.log("after");'
    )
    reply, msgs = run(kc, code)
    assert reply["status"] == "ok"
    kinds = [(m["msg_type"], m["content"].get("text", m["content"].get("data", {}).get("text/plain"))) for m in msgs if m["msg_type"] in ("stream", "display_data", "update_display_data")]
    assert kinds == [("stream", "before\n"), ("display_data", "from library"), ("update_display_data", "updated"), ("stream", "after\n")]


def test_clear_output(kernel):
    _, kc = kernel
    reply, msgs = run(kc, 'console.log("x"); clearOutput(true); console.log("y");')
    types = [m["msg_type"] for m in msgs if m["msg_type"] in ("stream", "clear_output")]
    assert types == ["stream", "clear_output", "stream"]
    assert [m for m in msgs if m["msg_type"] == "clear_output"][0]["content"] == {"wait": True}


def test_stdout_stderr_streams(kernel):
    _, kc = kernel
    reply, msgs = run(kc, 'console.log("to out"); console.error("to err"); process.stdout.write("raw\\n");')
    streams = [(m["content"]["name"], m["content"]["text"]) for m in msgs if m["msg_type"] == "stream"]
    assert ("stderr", "to err\n") in streams
    assert "".join(t for n, t in streams if n == "stdout") == "to out\nraw\n"


def test_ten_megabytes_of_output(kernel):
    _, kc = kernel
    n = 10 * 1024 * 1024
    reply, msgs = run(kc, f'console.log("y".repeat({n}));', timeout=120)
    assert reply["status"] == "ok"
    chunks = [m["content"]["text"] for m in msgs if m["msg_type"] == "stream"]
    assert len(chunks) > 1, "10 MB must be split into several stream messages"
    assert max(len(c) for c in chunks) <= 256 * 1024
    assert sum(len(c) for c in chunks) == n + 1
    reply, msgs = run(kc, '"still alive"')
    assert result_text(msgs) == "'still alive'"


def test_comm_opened_by_frontend(kernel):
    _, kc = kernel
    reply, _ = run(
        kc,
        f'{BRIDGE}.registerCommTarget("echo", (id: string, data: any, send: (d: unknown) => void) => {{\n'
        '  send({ opened: data });\n'
        '  return (msg: any) => send({ echo: msg });\n'
        '});',
    )
    assert reply["status"] == "ok"
    drain_iopub(kc)
    comm_id = uuid.uuid4().hex
    open_id = send_shell(kc, "comm_open", {"comm_id": comm_id, "target_name": "echo", "data": {"hello": 1}})
    msgs = collect(kc, open_id)
    sent = [m["content"] for m in msgs if m["msg_type"] == "comm_msg"]
    assert sent == [{"comm_id": comm_id, "data": {"opened": {"hello": 1}}}]

    msg_id = send_shell(kc, "comm_msg", {"comm_id": comm_id, "data": {"x": [1, 2]}})
    msgs = collect(kc, msg_id)
    sent = [m["content"] for m in msgs if m["msg_type"] == "comm_msg"]
    assert sent == [{"comm_id": comm_id, "data": {"echo": {"x": [1, 2]}}}]

    info_id = kc.comm_info(target_name="echo")
    comms = shell_reply(kc, info_id)["content"]["comms"]
    assert comms[comm_id] == {"target_name": "echo"}

    close_id = send_shell(kc, "comm_close", {"comm_id": comm_id, "data": {}})
    collect(kc, close_id)
    info_id = kc.comm_info()
    assert comm_id not in shell_reply(kc, info_id)["content"]["comms"]


def test_interrupt_runaway_comm_handler(kernel):
    km, kc = kernel
    reply, _ = run(kc, f'{BRIDGE}.registerCommTarget("spin", () => (msg: any) => {{ while (msg.forever) {{}} }});')
    assert reply["status"] == "ok"
    drain_iopub(kc)
    comm_id = uuid.uuid4().hex
    collect(kc, send_shell(kc, "comm_open", {"comm_id": comm_id, "target_name": "spin", "data": {}}))
    msg_id = send_shell(kc, "comm_msg", {"comm_id": comm_id, "data": {"forever": True}})
    time.sleep(1.5)
    km.interrupt_kernel()
    msgs = collect(kc, msg_id, timeout=30)
    err = "".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream" and m["content"]["name"] == "stderr")
    assert "KeyboardInterrupt: stopped a running comm spin" in err
    reply, msgs = run(kc, '"responsive"')
    assert result_text(msgs) == "'responsive'"


def test_comm_open_to_unknown_target_is_closed(kernel):
    _, kc = kernel
    drain_iopub(kc)
    comm_id = uuid.uuid4().hex
    open_id = send_shell(kc, "comm_open", {"comm_id": comm_id, "target_name": "no-such-target", "data": {}})
    msgs = collect(kc, open_id)
    assert [m["content"]["comm_id"] for m in msgs if m["msg_type"] == "comm_close"] == [comm_id]


def test_comm_opened_by_kernel(kernel):
    _, kc = kernel
    reply, msgs = run(kc, f'const probe = {BRIDGE}.openComm("probe", {{ a: 1 }}, (d: unknown) => {{ (globalThis as any).received = d; }});\nprobe')
    assert reply["status"] == "ok"
    (opened,) = [m["content"] for m in msgs if m["msg_type"] == "comm_open"]
    assert opened["target_name"] == "probe"
    assert opened["data"] == {"a": 1}
    comm_id = opened["comm_id"]
    assert result_text(msgs) == repr(comm_id)

    msg_id = send_shell(kc, "comm_msg", {"comm_id": comm_id, "data": {"b": 2}})
    collect(kc, msg_id)
    reply, msgs = run(kc, "JSON.stringify((globalThis as any).received)")
    assert result_text(msgs) == "'{\"b\":2}'"

    reply, msgs = run(kc, f'{BRIDGE}.sendComm(probe, {{ c: 3 }}, [new Uint8Array([1, 2, 255])]);\n{BRIDGE}.closeComm(probe);')
    assert reply["status"] == "ok"
    sent = [m for m in msgs if m["msg_type"] == "comm_msg"]
    assert [m["content"] for m in sent] == [{"comm_id": comm_id, "data": {"c": 3}}]
    assert [bytes(b) for b in sent[0]["buffers"]] == [b"\x01\x02\xff"]
    assert [m["content"]["comm_id"] for m in msgs if m["msg_type"] == "comm_close"] == [comm_id]


def test_interrupt_busy_loop(kernel):
    km, kc = kernel
    drain_iopub(kc)
    msg_id = kc.execute("while (true) {}")
    time.sleep(2)
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, timeout=30)["content"]
    assert reply["status"] == "error"
    assert reply["ename"] == "KeyboardInterrupt"
    reply, msgs = run(kc, '"after interrupt"')
    assert result_text(msgs) == "'after interrupt'"


def test_interrupt_busy_loop_after_an_await(kernel):
    """Synchronous code that runs after a top-level await (from the microtask queue) is interruptible too."""
    km, kc = kernel
    drain_iopub(kc)
    msg_id = kc.execute("const loaded = await Promise.resolve(1);\nlet spins = 0;\nwhile (loaded > 0) { spins++; }")
    time.sleep(2)
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, timeout=30)["content"]
    assert reply["status"] == "error"
    assert reply["ename"] == "KeyboardInterrupt"
    reply, msgs = run(kc, "spins > 0")
    assert result_text(msgs) == "true"


def test_interrupt_runaway_timer_callback(kernel):
    """A timer started by a cell whose callback never returns is stopped by an interrupt."""
    km, kc = kernel
    reply, _ = run(kc, "setTimeout(() => { while (true) {} }, 200);")
    assert reply["status"] == "ok"
    time.sleep(1.5)
    km.interrupt_kernel()
    deadline = time.time() + 30
    seen = ""
    while time.time() < deadline and "KeyboardInterrupt" not in seen:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        if msg["msg_type"] == "stream" and msg["content"]["name"] == "stderr":
            seen += msg["content"]["text"]
    assert "KeyboardInterrupt: stopped a running callback" in seen
    reply, msgs = run(kc, "const timerPromise = await new Promise<string>((r) => setTimeout(() => r('timers still work'), 10));\ntimerPromise")
    assert result_text(msgs) == "'timers still work'"


def test_interrupt_awaiting_cell(kernel):
    km, kc = kernel
    drain_iopub(kc)
    msg_id = kc.execute("await new Promise(() => {});")
    time.sleep(1.5)
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, timeout=30)["content"]
    assert reply["status"] == "error"
    assert reply["ename"] == "KeyboardInterrupt"
    reply, msgs = run(kc, "2 + 2")
    assert result_text(msgs) == "4"


def test_interrupt_async_loop_stops_it(kernel):
    """One interrupt stops a loop awaiting short timers (its await and loop checks see the shared interrupt count)."""
    km, kc = kernel
    for attempt in range(3):
        msg_id = start_running(kc, "(globalThis as any).ticks = 0;\nwhile (true) { (globalThis as any).ticks++; await new Promise((r) => setTimeout(r, 5)); }")
        time.sleep(0.3)
        km.interrupt_kernel()
        reply = shell_reply(kc, msg_id, timeout=10)["content"]
        assert reply["ename"] == "KeyboardInterrupt"
        _, msgs = run(kc, "(globalThis as any).ticks")
        first = int(result_text(msgs))
        assert first > 5
        time.sleep(0.3)
        reply, msgs = run(kc, "(globalThis as any).ticks")
        assert int(result_text(msgs)) == first, "the interrupted loop kept running"


def test_interrupts_never_reach_the_next_cell(kernel):
    """Interrupts of awaiting cells, of synchronous loops and of an idle kernel with timers running never stop
    the cell after them (a stray SIGINT used to stop its synchronous part with a spurious KeyboardInterrupt)."""
    km, kc = kernel
    g = "(globalThis as any)"
    busy = "let s = 0; const t0 = Date.now(); while (Date.now() - t0 < 30) s++; s > 0"
    for attempt in range(12):
        kind = attempt % 3
        if kind == 0:
            msg_id = start_running(kc, "await new Promise((r) => setTimeout(r, 5000));")
        elif kind == 1:
            msg_id = start_running(kc, "while (true) {}")
        else:
            msg_id = None
            run(kc, f"{g}.bg = setInterval(() => {{ let s = 0; for (let i = 0; i < 1e5; i++) s += i; }}, 1);")
        time.sleep(0.25)
        km.interrupt_kernel()
        if msg_id is not None:
            assert shell_reply(kc, msg_id, timeout=10)["content"]["ename"] == "KeyboardInterrupt"
        reply, msgs = run(kc, busy)
        assert reply["status"] == "ok", (attempt, reply)
        assert result_text(msgs) == "true"


@pytest.mark.parametrize(
    "code",
    [
        "while (true) { await null; }",
        "for (;;) { await Promise.resolve(); }",
        "while (true) { try { await null; } catch { /* swallows the interrupt */ } }",
        "async function spin(): Promise<never> { await null; return spin(); }\nawait spin();",
        "async function loop() { let n = 0; while (true) { n++; await Promise.resolve(n); } }\nawait loop();",
    ],
    ids=["await-null", "for-resolve", "catching", "recursion", "in-function"],
)
def test_interrupt_microtask_loop(kernel, code):
    """Loops that only ever await settled promises never yield to the event loop; one interrupt stops them."""
    km, kc = kernel
    msg_id = start_running(kc, code)
    time.sleep(0.3)
    assert km.is_alive()
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, timeout=10)["content"]
    assert reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt", reply
    reply, msgs = run(kc, '"after microtask loop"')
    assert result_text(msgs) == "'after microtask loop'"


def test_interrupt_clears_the_cells_timers(kernel):
    """setInterval and pending setTimeouts created by the interrupted cell (also from its callbacks) stop."""
    km, kc = kernel
    g = "(globalThis as any)"
    reply, _ = run(kc, f"{g}.keepTicks = 0;\nsetInterval(() => {g}.keepTicks++, 5);")
    assert reply["status"] == "ok"
    msg_id = start_running(
        kc,
        f"{g}.ivTicks = 0; {g}.late = 0;\n"
        f"setInterval(() => {g}.ivTicks++, 5);\n"
        f"setTimeout(() => {{ {g}.late++; }}, 1200);\n"
        f"setTimeout(() => setTimeout(() => {{ {g}.late++; }}, 1000), 10);\n"
        "await new Promise(() => {});"
    )
    time.sleep(0.5)
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, timeout=10)["content"]
    assert reply["ename"] == "KeyboardInterrupt"
    _, msgs = run(kc, f"[{g}.ivTicks, {g}.keepTicks]")
    before = [int(x) for x in result_text(msgs).strip("[ ]").split(",")]
    assert before[0] > 5
    time.sleep(1.2)
    _, msgs = run(kc, f"[{g}.ivTicks, {g}.late, {g}.keepTicks]")
    after = [int(x) for x in result_text(msgs).strip("[ ]").split(",")]
    assert after[0] == before[0], "the interrupted cell's setInterval kept running"
    assert after[1] == 0, "a pending setTimeout of the interrupted cell fired"
    assert after[2] > before[1], "an earlier, finished cell's interval is not the interrupted cell's"
    # An interrupt while no cell runs stops the background timers cells left behind.
    km.interrupt_kernel()
    time.sleep(0.3)
    _, msgs = run(kc, f"{g}.keepTicks")
    stopped = int(result_text(msgs))
    time.sleep(0.3)
    _, msgs = run(kc, f"{g}.keepTicks")
    assert int(result_text(msgs)) == stopped


def test_interrupt_hanging_mime_bundle(kernel):
    """A value whose async toMimeBundle() never settles does not wedge the kernel."""
    km, kc = kernel
    drain_iopub(kc)
    msg_id = kc.execute("({ toMimeBundle: () => new Promise<Record<string, unknown>>(() => {}) })")
    time.sleep(1.5)
    km.interrupt_kernel()
    reply = shell_reply(kc, msg_id, timeout=30)["content"]
    assert reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt"
    reply, msgs = run(kc, '"unwedged"')
    assert result_text(msgs) == "'unwedged'"


def test_output_is_live_during_a_synchronous_loop(kernel):
    """Prints from a blocking computation reach the front end while it runs (iopub lives in the I/O thread)."""
    _, kc = kernel
    drain_iopub(kc)
    msg_id = kc.execute(
        "for (let i = 0; i < 3; i++) {\n"
        "  console.log(`step ${i}`);\n"
        "  const t = Date.now(); while (Date.now() - t < 1000) {}\n"
        "}"
    )
    start = time.time()
    first_step = None
    while time.time() - start < 30:
        msg = kc.get_iopub_msg(timeout=30)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
            first_step = time.time() - start
            assert msg["content"]["text"].startswith("step 0")
            break
    reply = shell_reply(kc, msg_id)
    done = time.time() - start
    assert first_step is not None
    assert reply["content"]["status"] == "ok"
    assert done - first_step > 1.5, f"first print arrived at {first_step:.2f}s, cell ended at {done:.2f}s"
    collect(kc, msg_id)


def test_heartbeat_while_cell_blocks(kernel):
    km, kc = kernel
    drain_iopub(kc)
    msg_id = kc.execute("const t0 = Date.now(); while (Date.now() - t0 < 4000) {}")
    time.sleep(3)
    assert km.is_alive()
    assert kc.hb_channel.is_beating(), "heartbeat must answer while the main thread is busy"
    assert shell_reply(kc, msg_id)["content"]["status"] == "ok"


def test_stdin_input(kernel):
    _, kc = kernel
    drain_iopub(kc)
    msg_id = kc.execute('const name = await input("name? ");\n"hello " + name', allow_stdin=True)
    req = kc.get_stdin_msg(timeout=TIMEOUT)
    assert req["msg_type"] == "input_request"
    assert req["content"]["prompt"] == "name? "
    kc.input("Ada")
    assert shell_reply(kc, msg_id)["content"]["status"] == "ok"
    assert result_text(collect(kc, msg_id)) == "'hello Ada'"


def test_input_without_stdin_is_a_clear_error(kernel):
    _, kc = kernel
    reply, _ = run(kc, 'await input("x")', allow_stdin=False)
    assert reply["status"] == "error"
    assert "allow_stdin" in reply["evalue"]


def test_library_preloaded_as_cs(kernel):
    _, kc = kernel
    reply, msgs = run(kc, 'import * as lib from "causalscope";\n[typeof cs, typeof lib.display.kernelBridge, cs.display.kernelBridge() !== undefined, lib.display.MIME_BUNDLE === cs.display.MIME_BUNDLE]')
    assert reply["status"] == "ok", reply
    assert result_text(msgs) == "[ 'object', 'function', true, true ]"
    # cs is type-checked against the library's declarations
    reply, _ = run(kc, "cs.noSuchFunctionAnywhere()")
    assert reply["status"] == "error"
    assert reply["ename"] == "TypeScriptError"
    assert "noSuchFunctionAnywhere" in reply["evalue"]


def test_esm_only_packages(kernel):
    _, kc = kernel
    reply, msgs = run(kc, 'import * as vl from "vega-lite";\nconst spec = vl.compile({ mark: "point", data: { values: [] }, encoding: {} }).spec;\ntypeof spec', timeout=120)
    assert reply["status"] == "ok", reply
    assert result_text(msgs) == "'object'"
    reply, msgs = run(kc, 'import h5wasm from "h5wasm/node";\nawait h5wasm.ready;\ntypeof h5wasm.File', timeout=120)
    assert reply["status"] == "ok", reply
    assert result_text(msgs) == "'function'"
    # the dynamic-import form recommended in DEVELOPERS.md keeps its type for later cells
    reply, msgs = run(kc, 'const vega = await import("vega");')
    assert reply["status"] == "ok", reply
    reply, msgs = run(kc, "typeof vega.View")
    assert result_text(msgs) == "'function'"


def test_user_expressions_and_silent(kernel):
    _, kc = kernel
    run(kc, "const uex = 5;")
    drain_iopub(kc)
    msg_id = kc.execute("uex * 2", silent=True, user_expressions={"double": "uex * 2", "bad": "noSuchName"})
    reply = shell_reply(kc, msg_id)["content"]
    msgs = collect(kc, msg_id)
    assert reply["status"] == "ok"
    assert [m["msg_type"] for m in msgs] == ["status", "status"], "silent execution broadcasts no output"
    assert reply["user_expressions"]["double"]["data"]["text/plain"] == "10"
    assert reply["user_expressions"]["bad"]["status"] == "error"


def test_complete_inspect_is_complete(kernel):
    _, kc = kernel
    run(kc, "const microscopeVoltage = 300;")
    msg_id = kc.complete("microscopeVo")
    reply = shell_reply(kc, msg_id)["content"]
    assert reply["matches"] == ["microscopeVoltage"]
    assert (reply["cursor_start"], reply["cursor_end"]) == (0, len("microscopeVo"))
    # cursor positions are in code points (an astral character counts once)
    code = '"\U0001F52C"; Math.ab'
    msg_id = kc.complete(code, len(code))
    reply = shell_reply(kc, msg_id)["content"]
    assert reply["matches"] == ["Math.abs"]
    assert reply["cursor_start"] == code.index("Math")
    types = reply["metadata"]["_jupyter_types_experimental"]
    assert types == [{"start": reply["cursor_start"], "end": reply["cursor_end"], "text": "Math.abs", "type": "function"}]
    # file names complete inside strings
    logos = pathlib.Path(__file__).resolve().parents[2] / "kernel" / "logos"
    code = f'const f = "{logos}/logo-6'
    reply = shell_reply(kc, kc.complete(code, len(code)))["content"]
    assert reply["matches"] == [f"{logos}/logo-64x64.png"]
    assert reply["cursor_start"] == len('const f = "')
    msg_id = kc.inspect("microscopeVoltage", 5)
    reply = shell_reply(kc, msg_id)["content"]
    assert reply["found"] and "microscopeVoltage: 300" in reply["data"]["text/plain"]
    msg_id = kc.is_complete("for (let i = 0; i < 3; i++) {")
    reply = shell_reply(kc, msg_id)["content"]
    assert reply == {"status": "incomplete", "indent": "  "}


def test_history_records_inputs_and_outputs(kernel):
    _, kc = kernel
    run(kc, "const histMarker = 11 * 11;\nhistMarker")
    msg_id = kc.history(hist_access_type="search", pattern="*histMarker*", output=True, raw=True)
    hist = shell_reply(kc, msg_id)["content"]["history"]
    assert hist and hist[-1][2] == ["const histMarker = 11 * 11;\nhistMarker", "121"]


def test_history_persists_across_kernel_runs():
    marker = f"persisted_{uuid.uuid4().hex[:8]}"
    km, kc = start_new_kernel(kernel_name="causalscope", startup_timeout=TIMEOUT)
    try:
        run(kc, f"const {marker} = 1;")
        first = shell_reply(kc, kc.history(hist_access_type="tail", n=1, output=False, raw=True))["content"]["history"][-1]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    time.sleep(1.1)  # session numbers are kernel start times in seconds
    km, kc = start_new_kernel(kernel_name="causalscope", startup_timeout=TIMEOUT)
    try:
        hist = shell_reply(kc, kc.history(hist_access_type="search", pattern=f"*{marker}*", output=False, raw=True))["content"]["history"]
        assert [h[2] for h in hist] == [f"const {marker} = 1;"]
        assert hist[0][0] == first[0]
        old = shell_reply(kc, kc.history(hist_access_type="range", session=first[0], start=first[1], stop=first[1] + 1, output=False, raw=True))["content"]["history"]
        assert old == [first]
        run(kc, "1")
        now = shell_reply(kc, kc.history(hist_access_type="tail", n=1, output=False, raw=True))["content"]["history"]
        assert now[0][0] > first[0], "a new kernel run is a new session"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)


def test_restart():
    km, kc = start_new_kernel(kernel_name="causalscope", startup_timeout=TIMEOUT)
    try:
        reply, _ = run(kc, "(globalThis as any).beforeRestart = 1;")
        assert reply["status"] == "ok"
        old_pid = km.provisioner.process.pid
        km.restart_kernel(now=False)
        assert km.provisioner.process.pid != old_pid
        kc.wait_for_ready(timeout=TIMEOUT)
        reply, msgs = run(kc, "typeof (globalThis as any).beforeRestart")
        assert reply["status"] == "ok"
        assert result_text(msgs) == "'undefined'"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)


def test_clean_shutdown():
    km, kc = start_new_kernel(kernel_name="causalscope", startup_timeout=TIMEOUT)
    proc = km.provisioner.process
    kc.stop_channels()
    km.request_shutdown()
    deadline = time.time() + 20
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert proc.poll() == 0, f"kernel exited with {proc.poll()} after shutdown_request"
    km.cleanup_resources()


def test_replayed_signed_message_runs_once(kernel):
    """The exact same signed execute_request sent twice runs once (the kernel keeps a history of signatures)."""
    _, kc = kernel
    run(kc, "(globalThis as any).replayRuns = 0;")
    drain_iopub(kc)
    msg = kc.session.msg("execute_request", {"code": "(globalThis as any).replayRuns++;", "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False})
    frames = kc.session.serialize(msg)
    assert kc.session.key, "the test kernel signs its messages"
    kc.shell_channel.socket.send_multipart(frames)
    assert shell_reply(kc, msg["header"]["msg_id"])["content"]["status"] == "ok"
    kc.shell_channel.socket.send_multipart(frames)
    # a later, fresh request is answered; the replay got no reply and did not run
    reply, msgs = run(kc, "(globalThis as any).replayRuns")
    assert result_text(msgs) == "1"
    assert kc.shell_channel.msg_ready() is False


@pytest.mark.parametrize(
    "msg_type, content, field",
    [
        ("execute_request", {"code": 5, "silent": False}, "content.code must be a string, got number"),
        ("execute_request", {"silent": False}, "content.code is missing"),
        ("execute_request", {"code": "1", "user_expressions": {"a": 1}}, "content.user_expressions must be an object of strings"),
        ("complete_request", {"code": "Math.ab", "cursor_pos": "7"}, "content.cursor_pos must be an integer, got string"),
        ("inspect_request", {"code": None, "cursor_pos": 0}, "content.code must be a string, got null"),
        ("is_complete_request", {}, "content.code is missing"),
        ("history_request", {"hist_access_type": "tail", "n": "10", "output": False, "raw": True}, "content.n must be an integer, got string"),
        ("history_request", {"hist_access_type": "everything"}, "content.hist_access_type must be"),
    ],
)
def test_malformed_request_gets_an_error_reply(kernel, msg_type, content, field):
    _, kc = kernel
    drain_iopub(kc)
    msg_id = send_shell(kc, msg_type, content)
    reply = shell_reply(kc, msg_id, timeout=30)
    assert reply["msg_type"] == msg_type.replace("_request", "_reply")
    c = reply["content"]
    assert c["status"] == "error", c
    assert c["ename"] == "InvalidRequest"
    assert c["evalue"] == f"{msg_type}: {field}" or c["evalue"].startswith(f"{msg_type}: {field}"), c["evalue"]
    collect(kc, msg_id)


def test_unknown_request_and_bad_requests_leave_the_kernel_working(kernel):
    _, kc = kernel
    msg_id = send_shell(kc, "frobnicate_request", {"x": 1})
    c = shell_reply(kc, msg_id, timeout=30)["content"]
    assert (c["status"], c["ename"]) == ("error", "NotImplementedError")
    assert "frobnicate_request" in c["evalue"]
    before = shell_reply(kc, kc.execute("1"))["content"]["execution_count"]
    bad = send_shell(kc, "execute_request", {"code": {"not": "code"}})
    c = shell_reply(kc, bad, timeout=30)["content"]
    assert c["status"] == "error" and c["execution_count"] == before, "a refused request does not count as an execution"
    send_shell(kc, "comm_msg", {"data": {}})  # no comm_id: logged and ignored (comm messages get no reply)
    reply, msgs = run(kc, '"still serving"')
    assert result_text(msgs) == "'still serving'"


def test_out_of_heap_is_announced_and_the_kernel_exits_for_a_restart():
    """A cell that exhausts the V8 heap (256 MiB here) does not die silently: the front end gets a stderr
    message naming the limit, as output of that cell, and the kernel process exits (status 1) so that the
    Jupyter server's restarter restarts it (as test_restart shows, a restart gives a working kernel)."""
    km, kc = start_new_kernel(kernel_name="causalscope", startup_timeout=TIMEOUT, env={**os.environ, "CAUSALSCOPE_HEAP_MIB": "256"})
    try:
        reply, msgs = run(kc, "process.execArgv.filter((a) => a.startsWith('--max-old-space-size'))")
        assert result_text(msgs) == "[ '--max-old-space-size=256' ]"
        drain_iopub(kc)
        msg_id = kc.execute("const hog: number[][] = [];\nwhile (true) hog.push(new Array(1000000).fill(1.5));")
        proc = km.provisioner.process
        seen = ""
        deadline = time.time() + 90
        while time.time() < deadline and "ran out of memory" not in seen:
            try:
                msg = kc.get_iopub_msg(timeout=1)
            except queue.Empty:
                continue
            if msg["msg_type"] == "stream" and msg["parent_header"].get("msg_id") == msg_id:
                seen += msg["content"]["text"]
        assert "causalscope kernel ran out of memory (heap limit 256 MiB); restarting" in seen, seen
        while time.time() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert proc.poll() == 1, f"kernel exit status {proc.poll()}"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_kernel_dies_with_its_supervisor_even_when_busy():
    """The process Jupyter starts supervises the kernel; killing it alone (SIGKILL) ends a kernel stuck in a loop too."""
    km, kc = start_new_kernel(kernel_name="causalscope", startup_timeout=TIMEOUT)
    try:
        _, msgs = run(kc, "[process.pid, process.ppid]")
        child, parent = (int(x) for x in result_text(msgs).strip("[ ]").split(","))
        assert parent == km.provisioner.process.pid and child != parent
        start_running(kc, "while (true) {}")
        os.kill(parent, signal.SIGKILL)
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            os.kill(child, signal.SIGKILL)
            raise AssertionError("the kernel outlived its supervisor")
    finally:
        kc.stop_channels()
        km.cleanup_resources()
