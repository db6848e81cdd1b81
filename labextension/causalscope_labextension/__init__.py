"""causalscope's JupyterLab extension: interactive atom overlays and causal graphs.

The package only carries the prebuilt extension; JupyterLab finds it in
``share/jupyter/labextensions/causalscope-labextension``.
"""
try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    __version__ = "dev"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "causalscope-labextension"}]
