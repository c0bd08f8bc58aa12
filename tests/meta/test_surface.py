"""megfile_core's public surface against megfile 5.0.18's, recorded in
``data/megfile_surface.json`` by ``scripts/record_megfile_surface.py``: every name
megfile exports exists here, every submodule a megfile user imports from exists, and
every call that binds on a megfile function (by position or by keyword) binds here.
Differences made on purpose are listed below with the reason."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import io
import json
import pathlib
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

import megfile_core

DATA = json.loads((pathlib.Path(__file__).parent / "data" / "megfile_surface.json").read_text())

#: names of megfile 5.0.18 that raise ImportError here: no plugin of this project
#: provides the protocol (the message names the plugin that would)
NEEDS_ABSENT_PLUGIN = {"HdfsPath": "megfile-hdfs", "Sftp2Path": "megfile-sftp2"}
#: provided by a plugin another issue adds; ImportError naming it until installed
WEBDAV = "megfile_webdav"

#: (submodule, name) of megfile's submodules not provided, and why
ABSENT_IN_SUBMODULE = {
    # megfile's internal caching and file-protocol helper classes, not part of the
    # path/function API; megfile_core has no such object to re-export
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
    # boto3 sessions and endpoint lookup stay inside megfile_s3.client (profiles
    # and redirects are resolved there); get_s3_client is provided
    ("s3_path", "get_endpoint_url"),
    ("s3_path", "get_s3_session"),
}

#: every signature difference from megfile's, on purpose ("param: what"). The
#: openers' encoding/errors: text modes, which megfile's openers take through a
#: wrapper whose own signature inspect does not show.
_TEXT = {"extra encoding", "extra errors"}
SIGNATURE_DIFFERENCES: dict[str, set[str]] = {
    # mode defaults to "rb" here (megfile requires it): calls without it also work
    "s3_open": _TEXT | {"mode: default None -> 'rb'"},
    "s3_buffered_open": _TEXT | {"mode: default None -> 'rb'"},
    "s3_cached_open": _TEXT,
    "s3_memory_open": _TEXT,
    "s3_pipe_open": _TEXT,
    "s3_prefetch_open": _TEXT,
    "s3_share_cache_open": _TEXT,
    # a key object can be trusted without connecting (tests, provisioning)
    "sftp_add_host_key": {"extra key"},
    # None stands for the S3 plugin's own opener, which core cannot name without
    # importing the plugin (megfile's default is its s3_open)
    # ... and compression= is ours (transparent .gz/.bz2/.xz/.zst, off by default)
    "smart_open": {"s3_open_func: default <object> -> None", "extra compression"},
    # None stands for smart_open (defined in the same module: no forward default)
    "smart_combine_open": {"open_func: default <object> -> None"},
    # megfile 4's parameter, kept for code written against it
    "smart_remove": {"extra followlinks"},
    # max_workers, executor, dry_run, progress (megfile_core's sync options)
    "smart_sync": {"extra options"},
}


def _default(text: str | None) -> str | None:
    """A default as compared: objects (functions, classes) print with an address."""
    return "<object>" if text is not None and text.startswith("<") else text


def _differences(func: Callable[..., Any], recorded: list[dict[str, Any]]) -> set[str]:
    ours = inspect.signature(func).parameters
    found = set()
    for param in recorded:
        mine = ours.get(param["name"])
        if mine is None:
            found.add(f"{param['name']}: absent")
            continue
        if mine.kind.name != param["kind"]:
            found.add(f"{param['name']}: kind {param['kind']} -> {mine.kind.name}")
        own = None if mine.default is mine.empty else _default(repr(mine.default))
        if own != _default(param["default"]):
            found.add(f"{param['name']}: default {_default(param['default'])} -> {own}")
    names = {p["name"] for p in recorded}
    found.update(f"extra {name}" for name in ours if name not in names)
    return found


def _call_problems(func: Callable[..., Any], recorded: list[dict[str, Any]]) -> list[str]:
    """Why a call that binds on megfile's function would not bind on ``func``."""
    ours = inspect.signature(func).parameters
    own = list(ours.values())
    var_keyword = any(p.kind is p.VAR_KEYWORD for p in own)
    problems = []
    for index, param in enumerate(recorded):
        mine, kind = ours.get(param["name"]), param["kind"]
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
        optional = param.default is not param.empty or param.kind in (
            param.VAR_POSITIONAL,
            param.VAR_KEYWORD,
        )
        if param.name not in names and not optional:
            problems.append(f"extra required parameter {param.name}")
    return problems


def test_recorded_from_megfile_5_0_18() -> None:
    assert DATA["megfile_version"] == "5.0.18"
    assert len(DATA["names"]) >= 75 and len(DATA["functions"]) >= 60


@pytest.mark.parametrize("name", sorted(DATA["names"]))
def test_every_megfile_name_exists(name: str) -> None:
    if name in NEEDS_ABSENT_PLUGIN:
        with pytest.raises(
            ImportError, match=f"{name} needs the {NEEDS_ABSENT_PLUGIN[name]} plugin"
        ):
            getattr(megfile_core, name)
        return
    if name == "WebdavPath" and importlib.util.find_spec(WEBDAV) is None:
        with pytest.raises(ImportError, match="megfile-webdav plugin"):
            megfile_core.WebdavPath  # noqa: B018
        return
    assert name in megfile_core.__all__
    value = getattr(megfile_core, name)
    assert value is not None
    kind = DATA["names"][name]
    assert kind != "class" or inspect.isclass(value), name
    assert kind != "function" or callable(value), name


@pytest.mark.parametrize("name", sorted(DATA["functions"]))
def test_megfile_calls_bind(name: str) -> None:
    assert _call_problems(getattr(megfile_core, name), DATA["functions"][name]) == []


@pytest.mark.parametrize("name", sorted(DATA["functions"]))
def test_signature_differences_are_the_listed_ones(name: str) -> None:
    found = _differences(getattr(megfile_core, name), DATA["functions"][name])
    assert found == SIGNATURE_DIFFERENCES.get(name, set())


def test_the_comparison_sees_a_renamed_or_missing_keyword() -> None:
    """The checks above fail on what issue 17 found (keywords named differently)."""
    recorded = DATA["functions"]["s3_copy"]

    def renamed(src: Any, dst: Any, callback: Any = None, followlinks: bool = False) -> None: ...

    problems = _call_problems(renamed, recorded)
    assert "no parameter src_url" in problems and "no parameter overwrite" in problems
    assert "src_url: absent" in _differences(renamed, recorded)

    def keyword_only(src_url: Any, *, dst_url: Any) -> None: ...

    assert any("dst_url is not positional" in p for p in _call_problems(keyword_only, recorded))


@pytest.mark.parametrize("module", sorted(DATA["submodules"]))
def test_megfile_submodules_export_megfile_names(module: str) -> None:
    sub = importlib.import_module(f"megfile_core.{module}")
    for name in DATA["submodules"][module]:
        if (module, name) in ABSENT_IN_SUBMODULE:
            continue
        assert name in sub.__all__, f"{module}.{name}"
        assert getattr(sub, name) is not None, f"{module}.{name}"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("s3", "s3_path"),
        ("fs", "fs_path"),
        ("sftp", "sftp_path"),
        ("http", "http_path"),
        ("stdio", "stdio_path"),
    ],
)
def test_megfile_4_module_names_are_the_same_modules(old: str, new: str) -> None:
    before = importlib.import_module(f"megfile_core.{old}")
    after = importlib.import_module(f"megfile_core.{new}")
    assert before.__all__ == after.__all__
    for name in after.__all__:
        assert getattr(before, name) is getattr(after, name)


def test_submodule_unknown_name_is_attribute_error() -> None:
    from megfile_core import s3_path

    with pytest.raises(AttributeError, match="megfile_core.s3_path"):
        s3_path.s3_no_such_function  # noqa: B018
    assert "S3Path" in dir(s3_path)


def test_utils_and_version_modules() -> None:
    from megfile_core import utils, version

    assert megfile_core.__version__ == version.VERSION
    # megfile's outputs, read off megfile 5.0.18
    sizes = {0: "0 B", 1023: "1023 B", 1024: "1.0 KB", 10**6: "976.56 KB", 5 * 2**30: "5.0 GB"}
    assert {size: utils.get_human_size(size) for size in sizes} == sizes
    modes = {"r": "rb", "w+": "wb+", "a+t": "ab+", "x": "xb"}
    assert {mode: utils.get_binary_mode(mode) for mode in modes} == modes
    data = io.BytesIO(b"abcdef")
    data.seek(2)
    assert utils.get_content_size(data) == 6 and data.tell() == 2
    assert utils.calculate_md5(io.BytesIO(b"abc")) == "900150983cd24fb0d6963f7d28e17f72"
    assert utils.necessary_params(lambda a, b=1: 0, a=1, c=2) == {"a": 1}
    assert utils.is_readable(data) and utils.is_writable(data) and utils.is_seekable(data)
    copied = io.BytesIO()
    seen: list[int] = []
    utils.copyfileobj(io.BytesIO(b"x" * 40), copied, seen.append, length=16)
    assert copied.getvalue() == b"x" * 40 and seen == [16, 16, 8]


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.strip()


def test_importing_megfile_submodules_loads_no_plugin() -> None:
    loaded = _run(
        "import sys\n"
        "import megfile_core.s3_path, megfile_core.sftp_path, megfile_core.http_path\n"
        "import megfile_core.interfaces, megfile_core.fs, megfile_core.utils\n"
        "import megfile_core.version, megfile_core.megfile_names\n"
        "from megfile_core import is_s3, is_sftp, is_webdav, is_hdfs, is_http\n"
        "print(' '.join(m for m in sys.modules if m.split('.')[0] in "
        "('megfile_s3', 'megfile_sftp', 'megfile_http', 'boto3', 'paramiko', 'requests', "
        "'pluggy')))"
    )
    assert loaded == ""


_BLOCK = "import sys\nfor name in {names!r}: sys.modules[name] = None\n"


@pytest.mark.parametrize(
    ("package", "statement", "hint"),
    [
        ("megfile_s3", "from megfile_core.s3_path import S3Path", "megfile_s3"),
        ("megfile_s3", "import megfile_core; megfile_core.s3_open", "megfile_s3"),
        ("megfile_sftp", "from megfile_core import sftp_copy", "megfile_sftp"),
        ("megfile_http", "from megfile_core.http_path import HttpPath", "megfile_http"),
        ("megfile_webdav", "from megfile_core import WebdavPath", "megfile_webdav"),
    ],
)
def test_a_missing_plugin_gives_an_import_error_with_the_install_hint(
    package: str, statement: str, hint: str
) -> None:
    """The plugin made unimportable in a child process (as if not installed)."""
    out = _run(
        _BLOCK.format(names=[package])
        + f"try:\n    {statement}\nexcept ImportError as error:\n    print(error)\n"
    )
    name = package.replace("_", "-")
    assert f"needs the {name} plugin: pip install ./plugins/{hint} (or {name})" in out


def test_a_missing_plugins_names_leave_all_and_the_checks_still_work() -> None:
    out = _run(
        _BLOCK.format(names=["megfile_s3"])
        + "import megfile_core\n"
        + "names = megfile_core.__all__\n"
        + "print('S3Path' in names, 's3_open' in names, 'SftpPath' in names,"
        + " megfile_core.is_s3('s3://b/k'))\n"
    )
    assert out == "False False True True"


@pytest.mark.parametrize(
    ("url", "checks"),
    [
        ("s3://b/k", {"is_s3"}),
        ("s3+prof://b/k", {"is_s3"}),
        ("sftp://u@h/x", {"is_sftp"}),
        ("sftp2://u@h/x", set()),
        ("https://h/x", {"is_http"}),
        ("http://h/x", {"is_http"}),
        ("webdav://h/x", {"is_webdav"}),
        ("webdavs://h/x", {"is_webdav"}),
        ("hdfs://p/x", {"is_hdfs"}),
        ("/local/s3://x", set()),
        ("relative", set()),
    ],
)
def test_is_checks_are_pure_url_checks(url: str, checks: set[str]) -> None:
    names = {"is_s3", "is_sftp", "is_http", "is_webdav", "is_hdfs"}
    assert {n for n in names if getattr(megfile_core, n)(url)} == checks
    assert {n for n in names if getattr(megfile_core, n)(pathlib.PurePosixPath(url))} <= checks
