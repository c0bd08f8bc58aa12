"""Project rules enforced by tests: hooks documented, imports light, API complete."""

from __future__ import annotations

import importlib.util
import inspect
import subprocess
import sys
from importlib import metadata

import pytest

import megfile_core
from megfile_core import hookspecs

HEAVY = ("boto3", "botocore", "paramiko", "requests", "dask", "distributed")


def _hookspecs():
    return [
        (name, obj)
        for name, obj in vars(hookspecs).items()
        if name.startswith("megfile_") and callable(obj)
    ]


def test_one_hook_exists():
    assert [name for name, _ in _hookspecs()] == ["megfile_register"]


def test_plugin_layer_stays_small():
    """The sizes issue 12 set: the plugin layer is a small door, not a subsystem."""
    import pathlib

    root = pathlib.Path(megfile_core.__file__).parent
    assert len((root / "plugins.py").read_text().splitlines()) <= 150
    assert len((root / "hookspecs.py").read_text().splitlines()) <= 100
    for module in [m for m in _plugin_modules() if m.endswith(".plugin")]:
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None
        lines = pathlib.Path(spec.origin).read_text().splitlines()
        assert len(lines) <= 40, f"{module} has {len(lines)} lines"


@pytest.mark.parametrize(("name", "spec"), _hookspecs())
def test_every_hookspec_is_documented_and_typed(name, spec):
    doc = inspect.getdoc(spec) or ""
    signature = inspect.signature(spec)
    assert len(doc.splitlines()) >= 8, f"{name} needs a real docstring"
    for param in signature.parameters:
        assert f":param {param}:" in doc, f"{name} does not document {param}"
    assert "Example" in doc and "Called" in doc and "versionadded" in doc
    assert signature.return_annotation in ("None", None)
    for param in signature.parameters.values():
        assert param.annotation is not inspect.Parameter.empty


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


def test_import_megfile_core_is_light():
    loaded = _run(
        "import sys, megfile_core\n"
        "print(' '.join(m for m in ('boto3','botocore','paramiko','requests','pluggy',"
        "'importlib.metadata','click','concurrent.futures','zstandard','fsspec','pandas',"
        "'pyarrow','dask','distributed') if m in sys.modules))"
    )
    assert loaded == ""


def test_local_smart_open_stays_light(tmp_path):
    target = tmp_path / "f.txt"
    target.write_text("x")
    loaded = _run(
        "import sys\n"
        "from megfile_core import smart_open, smart_listdir, SmartPath\n"
        f"smart_open({str(target)!r}).read(); smart_listdir({str(tmp_path)!r})\n"
        "SmartPath('stdio://1')\n"
        "print(' '.join(m for m in ('boto3','botocore','paramiko','requests','pluggy',"
        "'importlib.metadata','zstandard','gzip','bz2','lzma') if m in sys.modules))"
    )
    assert loaded == ""


def _plugin_modules():
    names = []
    for ep in metadata.entry_points(group="megfile"):
        names.append(ep.value.partition(":")[0])
    return sorted(set(names))


@pytest.mark.parametrize("module", _plugin_modules())
def test_plugin_entry_modules_are_import_light(module):
    loaded = _run(
        f"import sys, {module}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    assert loaded == "", f"{module} imports {loaded} at import time"


def test_star_import_works():
    namespace: dict[str, object] = {}
    exec("from megfile_core import *", namespace)
    missing = [name for name in megfile_core.__all__ if name not in namespace]
    assert missing == []


# megfile 5.0.18's own names that a megfile user's code calls: the specification we
# are held to (read off megfile, not a copy of our list, which is smart.__all__)
MEGFILE_NAMES = [
    "smart_access",
    "smart_cache",
    "smart_combine_open",
    "smart_concat",
    "smart_copy",
    "smart_exists",
    "smart_getmd5",
    "smart_getmtime",
    "smart_getsize",
    "smart_glob",
    "smart_glob_stat",
    "smart_iglob",
    "smart_isdir",
    "smart_isfile",
    "smart_islink",
    "smart_listdir",
    "smart_load_content",
    "smart_load_from",
    "smart_load_text",
    "smart_lstat",
    "smart_makedirs",
    "smart_move",
    "smart_open",
    "smart_path_join",
    "smart_readlink",
    "smart_realpath",
    "smart_remove",
    "smart_rename",
    "smart_save_as",
    "smart_save_content",
    "smart_save_text",
    "smart_scan",
    "smart_scan_stat",
    "smart_scandir",
    "smart_stat",
    "smart_symlink",
    "smart_sync",
    "smart_touch",
    "smart_unlink",
    "smart_walk",
    "smart_abspath",
    "smart_relpath",
    "smart_isabs",
    "smart_ismount",
    "smart_sync_with_progress",
    "register_copy_func",
    "StatResult",
    "FileEntry",
    "Access",
    "SmartPath",
    "hookimpl",
    "ProtocolNotFoundError",
    "ProtocolExistsError",
    "UnsupportedError",
    "SameFileError",
]


def test_megfile_names_exist_at_top_level():
    assert len([n for n in MEGFILE_NAMES if n.startswith("smart_")]) == 45
    for name in MEGFILE_NAMES:
        assert name in megfile_core.__all__, name
        assert getattr(megfile_core, name) is not None


def test_core_names_no_backend():
    """Core knows no backend by name outside the install-hint table."""
    import pathlib

    root = pathlib.Path(megfile_core.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "megfile_names.py":
            # the install-hint table of megfile's plugin-provided names (S3Path ->
            # megfile_s3): naming them is its job (test_surface.py checks that
            # importing it and megfile's submodules loads no plugin)
            continue
        text = path.read_text()
        for word in ("boto3", "paramiko", "import requests", "S3Path", "SftpPath"):
            if word in text:
                offenders.append(f"{path.relative_to(root)}: {word}")
    assert offenders == []


def test_unknown_attribute_is_attribute_error():
    with pytest.raises(AttributeError):
        megfile_core.definitely_not_a_name  # noqa: B018


def test_public_names_live_in_one_place():
    """The façade's names are smart.__all__, the errors' errors.__all__ (each
    listed once, where they are defined); megfile_core re-exports them and its own
    short table of the rest, and every name resolves."""
    from megfile_core import _LAZY, errors, smart

    names = megfile_core.__all__
    assert len(names) == len(set(names))
    assert set(smart.__all__) <= set(names)
    assert set(errors.__all__) <= set(names)
    assert not set(_LAZY) & (set(smart.__all__) | set(errors.__all__))
    for name in names:
        assert getattr(megfile_core, name) is not None, name
