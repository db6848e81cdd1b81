"""jupyter_kernel_test conformance suite for the causalscope kernel, with every
feature the installed jupyter_kernel_test (0.7.0) defines switched on."""
import pathlib
import sys
import unittest

import jupyter_kernel_test

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from kernelspec import install_kernelspec  # noqa: E402


def setUpModule():
    # unittest classes start their kernel in setUpClass, before pytest fixtures of other modules.
    install_kernelspec()


class CausalscopeKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "causalscope"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("something went wrong")'

    completion_samples = [
        {"text": "Math.ab", "matches": {"Math.abs"}},
        {"text": "const alpha_beta_gamma = 1;\nalpha_beta_g", "matches": {"alpha_beta_gamma"}},
        {"text": "JSON.stri", "matches": {"JSON.stringify"}},
    ]

    complete_code_samples = ["1 + 1", "const x = 1;", "function f(a: number) { return a; }", "class A {}\n", "for (const i of [1]) console.log(i)"]
    incomplete_code_samples = ["function f(a: number) {", "const a = [1, 2,", "if (x) {", "const s = `abc", "1 +", "/* comment"]
    invalid_code_samples = ["const = 1;", "}", "let 1x = 2;", "a b c"]

    code_page_something = "?Math.abs"

    code_generate_error = 'throw new Error("boom")'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": "'a' + 'b'", "result": "'ab'"},
        {"code": "[1, 2, 3].map((x) => x * 2)", "result": "[ 2, 4, 6 ]"},
        {"code": '({ toMimeBundle: () => ({ "text/html": "<b>rich</b>", "text/plain": "rich" }) })', "mime": "text/html", "result": "<b>rich</b>"},
    ]

    code_display_data = [
        {"code": 'display({ "text/html": "<b>hi</b>", "text/plain": "hi" }, { raw: true })', "mime": "text/html"},
        {"code": 'display({ toMimeBundle: () => ({ "image/svg+xml": "<svg xmlns=\'http://www.w3.org/2000/svg\'/>", "text/plain": "svg" }) })', "mime": "image/svg+xml"},
        {"code": 'display([1, 2, 3])', "mime": "text/plain"},
    ]

    code_history_pattern = "6*7"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.abs"

    code_clear_output = "clearOutput()"


class CausalscopeIopubWelcomeTests(jupyter_kernel_test.IopubWelcomeTests):
    kernel_name = "causalscope"
    support_iopub_welcome = True


if __name__ == "__main__":
    unittest.main()


def test_every_feature_of_the_suite_is_enabled():
    """Every feature switch jupyter_kernel_test defines (code_*, *_samples, history
    operations, iopub welcome) is set for our kernel, so no conformance test skips."""
    switches = [
        name
        for cls in (jupyter_kernel_test.KernelTests, jupyter_kernel_test.IopubWelcomeTests)
        for name in vars(cls)
        if name.startswith(("code_", "support")) or name.endswith("_samples") or name in ("language_name", "file_extension")
    ]
    assert len(switches) >= 15, switches
    ours = {**vars(CausalscopeKernelTests), **vars(CausalscopeIopubWelcomeTests)}
    missing = [name for name in switches if not ours.get(name)]
    assert not missing, f"conformance features left off: {missing}"
    assert set(CausalscopeKernelTests.supported_history_operations) == {"tail", "range", "search"}
