"""What a megfile 5.0.18 user sees, checked name by name (issue 11).

Each expectation below was read off megfile 5.0.18 itself; the deliberate
differences (where megfile is wrong) are in docs/moving-from-megfile.md and
asserted here as such.
"""

from __future__ import annotations

import io
import os

import pytest

import megfile_core as megfile
from megfile_core import smart
from megfile_core.errors import ProtocolNotFoundError, UnsupportedError
from megfile_core.smart_path import SmartPath
from megfile_core.types import Access


@pytest.mark.parametrize(
    ("url", "protocol"),
    [
        ("s3://b/k", "s3"),
        ("s3+p1://b/k", "s3+p1"),
        ("http://h/a/b", "http"),
        ("https://h/a/b", "https"),
        ("sftp://u@h//a/b", "sftp"),
        ("file:///tmp/a", "file"),
        ("/tmp/a", "file"),
        ("rel/dir/f", "file"),
    ],
)
def test_path_is_the_whole_string_and_protocol_keeps_the_variant(url: str, protocol: str):
    path = SmartPath(url)
    assert path.path == url
    assert path.protocol == protocol


@pytest.mark.parametrize(
    ("url", "parent", "parents", "name"),
    [
        ("s3://b/dir/", "s3://b/dir", ["s3://b/dir", "s3://b", "s3://"], ""),
        ("s3+p1://b/dir/", "s3+p1://b/dir", ["s3+p1://b/dir", "s3+p1://b", "s3+p1://"], ""),
        ("s3://b/k", "s3://b", ["s3://b", "s3://"], "k"),
        ("http://h/a/", "http://h/a", ["http://h/a", "http://h", "http://"], ""),
        ("sftp://u@h//a/b", "sftp://u@h//a", ["sftp://u@h//a", "sftp://u@h//", ""], "b"),
        ("sftp://u@h//a/", "sftp://u@h//a", ["sftp://u@h//a", "sftp://u@h//", ""], ""),
        ("rel/dir/f", "rel/dir", ["rel/dir", "rel", ""], "f"),
        ("rel/dir/", "rel", ["rel", ""], "dir"),
        ("/tmp/a", "/tmp", ["/tmp", "/"], "a"),
        ("file:///tmp/a", "/tmp", ["/tmp", "/"], "a"),
        (".", "", [], ""),
    ],
)
def test_parent_parents_and_name(url: str, parent: str, parents: list[str], name: str):
    path = SmartPath(url)
    assert str(path.parent) == parent
    assert [str(p) for p in path.parents] == parents
    assert all(isinstance(p, SmartPath) for p in path.parents)
    assert path.name == name


def test_sftp_root_and_anchor_are_the_bare_scheme():
    path = SmartPath("sftp://u@h//a/b")
    assert path.root == path.anchor == "sftp://"
    assert path.parts == ("sftp://u@h//", "a", "b")
    last = path.parents[-1]
    assert str(last) == "" and last.protocol == "file"


@pytest.mark.parametrize(
    ("url", "with_name", "with_suffix", "with_stem"),
    [
        ("s3://b/dir/", "s3://b/dir/z", "s3://b/dir/.z", "s3://b/dir/z"),
        ("http://h/a/", "http://h/a/z", "http://h/a/.z", "http://h/a/z"),
        ("sftp://u@h//a/", "sftp://u@h//a/z", "sftp://u@h//a/.z", "sftp://u@h//a/z"),
        ("s3://b/k.txt", "s3://b/z", "s3://b/k.z", "s3://b/z.txt"),
        ("file:///tmp/a.txt", "file:///tmp/z", "file:///tmp/a.z", "file:///tmp/z.txt"),
    ],
)
def test_with_name_and_suffix_on_trailing_slash_paths(
    url: str, with_name: str, with_suffix: str, with_stem: str
):
    path = SmartPath(url)
    assert str(path.with_name("z")) == with_name
    assert str(path.with_suffix(".z")) == with_suffix
    assert str(path.with_stem("z")) == with_stem


def test_the_root_still_has_no_name_to_replace():
    with pytest.raises(ValueError, match="empty name"):
        SmartPath("s3://").with_name("z")


@pytest.mark.parametrize(
    ("parts", "joined"),
    [
        (("relative/dir", "..", "f.txt"), "relative/f.txt"),
        (("/a/b", "../c"), "/a/c"),
        (("a", "./b"), "a/b"),
        (("a//b", "c"), "a/b/c"),
        (("file:///tmp/a", "b"), "/tmp/a/b"),
        (("file:///tmp/a", "..", "b"), "/tmp/b"),
        (("file:///tmp/a", "/b"), "/b"),
        (("file://rel", "x"), "rel/x"),
        (("", "a"), "a"),
        # a URL keeps ".." (an object key may hold it) and ignores a leading "/"
        (("s3://b/a", "../c"), "s3://b/a/../c"),
        (("s3://b/a", "/c"), "s3://b/a/c"),
        (("sftp://u@h//a", "b"), "sftp://u@h//a/b"),
    ],
)
def test_smart_path_join(parts: tuple[str, ...], joined: str):
    assert smart.smart_path_join(*parts) == joined


def test_file_url_joins_and_parents_are_plain_local_paths():
    path = SmartPath("file:///tmp/a")
    assert str(path / "x") == "/tmp/a/x"
    assert str(path.joinpath("x")) == "/tmp/a/x"
    assert str(path.parent) == "/tmp"
    assert str(path) == "file:///tmp/a"
    assert str(SmartPath(".") / "x") == "x"


# -- errors --------------------------------------------------------------------------
def test_protocol_not_found_is_a_value_error():
    with pytest.raises(ValueError) as caught:
        smart.smart_open("nosuchproto://x")
    assert isinstance(caught.value, ProtocolNotFoundError)
    assert "nosuchproto" in str(caught.value)


def test_unsupported_is_what_io_raises_for_an_unsupported_operation():
    error = UnsupportedError("write", "http://h/x")
    for family in (io.UnsupportedOperation, OSError, ValueError, NotImplementedError):
        assert isinstance(error, family)
    assert str(error) == "write is not supported on http://h/x"


# -- bad input -----------------------------------------------------------------------
BAD_PATHS = [38717943250, -1, 2**64, b"/tmp", None, 1.5, ["/tmp"], True, object()]
FORBIDDEN = (OverflowError, IndexError, KeyError, AttributeError, RecursionError)
ONE_PATH = [
    name
    for name in smart.__all__
    if name.startswith("smart_")
    and name
    not in (
        "smart_copy",
        "smart_move",
        "smart_rename",
        "smart_sync",
        "smart_sync_with_progress",
        "smart_symlink",
        "smart_save_as",
        "smart_concat",
        "smart_combine_open",
        "smart_cache",
        "smart_save_content",
        "smart_save_text",
    )
]
TWO_PATHS = ["smart_copy", "smart_move", "smart_rename", "smart_sync", "smart_symlink"]


def _call_is_refused_cleanly(call, value):
    """The error a call raises (None if it returns): a TypeError, ValueError or
    OSError, never another class."""
    try:
        result = call()
        if hasattr(result, "__next__"):
            list(result)
    except Exception as error:
        if isinstance(error, FORBIDDEN) or not isinstance(error, (TypeError, ValueError, OSError)):
            pytest.fail(f"{call} with {value!r} raised {type(error).__name__}: {error}")
        return error
    return None


@pytest.mark.parametrize("name", ONE_PATH)
@pytest.mark.parametrize("value", BAD_PATHS, ids=repr)
def test_wrong_paths_raise_builtin_families_naming_the_argument(name, value, tmp_path):
    if value is None and name in ("smart_listdir", "smart_scandir"):
        return  # megfile: no path lists the working directory
    function = getattr(smart, name)
    extra = (Access.READ,) if name == "smart_access" else ()
    error = _call_is_refused_cleanly(lambda: function(value, *extra), value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31:
        return  # a file descriptor: EBADF is the answer
    assert error is not None, f"{name}({value!r}) did not refuse"
    if not isinstance(error, OSError):
        assert "path" in str(error), f"{name}({value!r}): {error}"


@pytest.mark.parametrize("name", TWO_PATHS)
@pytest.mark.parametrize("value", BAD_PATHS, ids=repr)
def test_wrong_paths_of_two_path_functions(name, value, tmp_path):
    function = getattr(smart, name)
    good = str(tmp_path / "f")
    with open(good, "w") as handle:
        handle.write("x")
    for args, argument in (((value, str(tmp_path / "g")), "src_path"), ((good, value), "dst_path")):
        error = _call_is_refused_cleanly(lambda args=args: function(*args), value)
        assert error is not None, f"{name}{args!r} did not refuse"
        if isinstance(error, (TypeError, ValueError)) and not isinstance(error, OSError):
            assert argument in str(error), f"{name}{args!r}: {error}"
    assert os.path.exists(good)


def test_huge_int_is_no_overflow():
    with pytest.raises(ValueError, match="path: 38717943250 is no file descriptor"):
        smart.smart_stat(38717943250)
    with pytest.raises(ValueError, match="no file descriptor"):
        SmartPath(38717943250)
    assert not smart.smart_exists(2**31 - 1)  # in range, not open: no such file


def test_out_of_range_arguments_are_value_or_type_errors(tmp_path, memory_root):
    path = str(tmp_path / "f")
    smart.smart_save_content(path, b"abc")
    assert smart.smart_load_content(path, 2**62) == b""
    assert smart.smart_load_content(path, -(2**62)) == b"abc"
    for start, stop, name in (
        (2**70, None, "start"),
        (None, 2**70, "stop"),
        (-(2**70), None, "start"),
    ):
        with pytest.raises(ValueError, match=f"{name} .* out of range"):
            smart.smart_load_content(path, start, stop)
    for bad in ("1", 1.5, True):
        with pytest.raises(TypeError, match="start"):
            smart.smart_load_content(path, bad)  # type: ignore[arg-type]
    for buffering in (2**70, -(2**70), -2):
        with pytest.raises(ValueError, match="buffering"):
            smart.smart_open(path, "rb", buffering=buffering)
        with pytest.raises(ValueError, match="buffering"):
            smart.smart_open("memory://root/x", "wb", buffering=buffering)
    with pytest.raises(TypeError, match="buffering"):
        smart.smart_open(path, "rb", buffering="8")


def test_access_prints_as_megfiles():
    assert str(Access.READ) == "Access.READ"
    assert f"{Access.WRITE}" == "Access.WRITE"
    assert Access.READ == 1  # and still compares as the int it was


def test_one_line_move_over():
    assert megfile.SmartPath is SmartPath
    assert megfile.smart_path_join("a", "..", "b") == "b"
