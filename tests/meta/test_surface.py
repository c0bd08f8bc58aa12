"""megfile_core's public surface against megfile 5.0.18's, recorded in
``data/megfile_surface.json`` by ``scripts/record_megfile_surface.py``: every name
megfile exports exists here, every submodule a megfile user imports from exists, and
every call that works on a megfile function (by position or by keyword) binds the
same way here. Differences made on purpose are listed, with the reason, below."""

from __future__ import annotations

import importlib
import inspect
import json
import pathlib
from typing import Any

import pytest

import megfile_core

DATA = json.loads((pathlib.Path(__file__).parent / "data" / "megfile_surface.json").read_text())

#: names that exist in megfile 5.0.18 and raise ImportError here on purpose: no
#: plugin in this project provides the protocol (the message names the plugin)
NEEDS_ABSENT_PLUGIN = {"HdfsPath", "Sftp2Path"}

#: (module, name) pairs of megfile's submodules not provided, and why
ABSENT_IN_SUBMODULE = {
    # megfile's internal caching and protocol helper classes, not part of the
    # path/function API; megfile_core has no equivalent object to re-export
    ("interfaces", "Closable"),
    ("interfaces", "FileCacher"),
    ("interfaces", "FileLike"),
    ("interfaces", "NullCacher"),
    ("interfaces", "PathLike"),
    ("interfaces", "Readable"),
    ("interfaces", "Seekable"),
    ("interfaces", "URIPath"),
    ("interfaces", "Writable"),
    ("interfaces", "fullname"),
    ("s3_path", "S3Cacher"),
    # boto3 sessions and endpoints are built by megfile_s3.client; their
    # megfile signatures expose boto3 objects this plugin does not hand out
    ("s3_path", "get_endpoint_url"),
    ("s3_path", "get_s3_session"),
}

#: function -> parameters of megfile's left different on purpose, and why
SIGNATURE_EXCEPTIONS: dict[str, set[str]] = {}


def _ours(name: str) -> Any:
    return getattr(megfile_core, name)


def test_recorded_from_megfile_5_0_18():
    assert DATA["megfile_version"] == "5.0.18"
    assert len(DATA["names"]) >= 75 and len(DATA["functions"]) >= 60


@pytest.mark.parametrize("name", sorted(DATA["names"]))
def test_every_megfile_name_exists(name):
    if name in NEEDS_ABSENT_PLUGIN:
        with pytest.raises(ImportError, match="plugin"):
            _ours(name)
        return
    assert name in megfile_core.__all__
    assert _ours(name) is not None
    if DATA["names"][name] == "class":
        assert inspect.isclass(_ours(name)), name
    if DATA["names"][name] == "function":
        assert callable(_ours(name)), name


def _problems(name: str, recorded: list[dict[str, Any]]) -> list[str]:
    """Why a call that binds on megfile's function would not bind on ours."""
    ours = inspect.signature(_ours(name)).parameters
    own = list(ours.values())
    var_keyword = any(p.kind is p.VAR_KEYWORD for p in own)
    problems = []
    for index, param in enumerate(recorded):
        mine = ours.get(param["name"])
        kind = param["kind"]
        if kind in ("VAR_POSITIONAL", "VAR_KEYWORD"):
            if not any(p.kind.name == kind for p in own):
                problems.append(f"no {kind} like {param['name']}")
            continue
        if mine is None:
            if not (kind == "KEYWORD_ONLY" and var_keyword):
                problems.append(f"no parameter {param['name']}")
            continue
        if kind == "POSITIONAL_OR_KEYWORD" and (
            mine.kind is not mine.POSITIONAL_OR_KEYWORD or own.index(mine) != index
        ):
            problems.append(f"{param['name']} is not positional #{index} or keyword")
        if kind == "KEYWORD_ONLY" and mine.kind not in (
            mine.KEYWORD_ONLY,
            mine.POSITIONAL_OR_KEYWORD,
        ):
            problems.append(f"{param['name']} cannot be passed by keyword")
        if param["default"] is not None and mine.default is mine.empty:
            problems.append(f"{param['name']} is optional in megfile, required here")
    names = {p["name"] for p in recorded}
    for param in own:
        required = param.default is param.empty and param.kind not in (
            param.VAR_POSITIONAL,
            param.VAR_KEYWORD,
        )
        if param.name not in names and required:
            problems.append(f"extra required parameter {param.name}")
    allowed = SIGNATURE_EXCEPTIONS.get(name, set())
    return [p for p in problems if not any(a in p for a in allowed)]


@pytest.mark.parametrize("name", sorted(DATA["functions"]))
def test_signature_accepts_megfile_calls(name):
    if name in NEEDS_ABSENT_PLUGIN:
        return
    assert _problems(name, DATA["functions"][name]) == []


@pytest.mark.parametrize("module", sorted(DATA["submodules"]))
def test_megfile_submodules_export_megfile_names(module):
    sub = importlib.import_module(f"megfile_core.{module}")
    for name in DATA["submodules"][module]:
        if (module, name) in ABSENT_IN_SUBMODULE:
            continue
        assert name in sub.__all__, f"{module}.{name}"
        assert getattr(sub, name) is not None, f"{module}.{name}"
