"""Record megfile's public surface (names and function signatures) as JSON.

Run once, with megfile installed (``/work/megref/bin/python``), to regenerate
``tests/meta/data/megfile_surface.json``; ``tests/meta/test_surface.py`` compares
megfile_core with that file. Nothing imports this script.

    python scripts/record_megfile_surface.py > tests/meta/data/megfile_surface.json
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from typing import Any

#: megfile's submodules a user imports names from (megfile 5 has these)
SUBMODULES = (
    "fs_path",
    "http_path",
    "interfaces",
    "s3_path",
    "sftp_path",
    "stdio_path",
)
#: names megfile's top level has outside its ``__all__`` that user code imports
EXTRA_TOP = ("Sftp2Path",)


def _default(value: Any) -> str | None:
    if value is inspect.Parameter.empty:
        return None
    return repr(value)


def _signature(func: Any) -> list[dict[str, Any]]:
    return [
        {"name": p.name, "kind": p.kind.name, "default": _default(p.default)}
        for p in inspect.signature(func).parameters.values()
    ]


def _kind(value: Any) -> str:
    if inspect.isclass(value):
        return "class"
    if inspect.isfunction(value):
        return "function"
    return "other"


def record() -> dict[str, Any]:
    import megfile

    # megfile 5.0.18's __all__ lists stdio_open, which it does not define: skipped
    top = sorted(n for n in {*megfile.__all__, *EXTRA_TOP} if hasattr(megfile, n))
    functions = {
        name: _signature(getattr(megfile, name))
        for name in top
        if inspect.isfunction(getattr(megfile, name))
    }
    modules = {}
    for sub in SUBMODULES:
        module = importlib.import_module(f"megfile.{sub}")
        modules[sub] = {name: _kind(getattr(module, name)) for name in sorted(module.__all__)}
    return {
        "megfile_version": megfile.version.VERSION,
        "names": {name: _kind(getattr(megfile, name)) for name in top},
        "functions": functions,
        "submodules": modules,
    }


if __name__ == "__main__":
    json.dump(record(), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
