"""AskDB in a kernel: ``%load_ext askdb``, then ``%askdb connect ...`` and ``%%askdb``.

The magics talk to the AskDB REST API of the Jupyter server that started the kernel, or, in
plain IPython, to the AskDB managers in-process on the same embedded store.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("jupyter-askdb")
except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
    __version__ = "0.0.0"

__all__ = ["__version__", "load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ip: Any) -> None:
    """Register ``%askdb``/``%%askdb`` in the shell ``ip`` (``%load_ext askdb``)."""
    from .magics import AskDBMagics

    ip.register_magics(AskDBMagics(ip))


def unload_ipython_extension(ip: Any) -> None:
    """Close the magic's client (``%unload_ext askdb``)."""
    magics = ip.magics_manager.registry.get("AskDBMagics")
    if magics is not None:
        magics.close()
