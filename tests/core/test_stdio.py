"""The ``stdio`` backend, driven in real subprocesses so the real streams are used."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from megfile_core import SmartPath, smart_open
from megfile_core.builtin.stdio import StdioPath


def run(code: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    return result


BINARY = bytes(range(256)) * 3 + b"\r\n\x00end"


@pytest.mark.parametrize("url", ["stdio://-", "stdio://0"])
def test_read_stdin_binary(url):
    result = run(
        f"""
        import sys
        from megfile_core import smart_open
        with smart_open({url!r}, "rb") as handle:
            data = handle.read()
        sys.stdout.buffer.write(repr(data).encode())
    """,
        stdin=BINARY,
    )
    assert result.stdout == repr(BINARY).encode()


@pytest.mark.parametrize("url", ["stdio://-", "stdio://0"])
def test_read_stdin_text(url):
    text = "héllo\nwörld\nlast"
    result = run(
        f"""
        from megfile_core import smart_open
        with smart_open({url!r}, "r") as handle:
            lines = list(handle)
        print(repr(lines))
    """,
        stdin=text.encode(),
    )
    assert result.stdout.decode().strip() == repr(["héllo\n", "wörld\n", "last"])


def test_read_stdin_in_chunks_and_keep_stdin_open():
    result = run(
        """
        import sys
        from megfile_core import smart_open
        handle = smart_open("stdio://0", "rb")
        first = handle.read(3)
        handle.close()
        print(first, sys.stdin.closed)
    """,
        stdin=b"abcdef",
    )
    assert result.stdout.decode().split() == ["b'abc'", "False"]


@pytest.mark.parametrize(
    ("url", "stream"),
    [
        ("stdio://-", "stdout"),
        ("stdio://1", "stdout"),
        ("stdio://2", "stderr"),
    ],
)
@pytest.mark.parametrize("binary", [True, False], ids=["binary", "text"])
def test_write_stream(url, stream, binary):
    payload = "dätä\n"
    write = f"handle.write({payload.encode()!r})" if binary else f"handle.write({payload!r})"
    result = run(f"""
        import sys
        from megfile_core import smart_open
        print("before", flush=True)
        print("err-before", file=sys.stderr, flush=True)
        with smart_open({url!r}, {"wb" if binary else "w"!r}) as handle:
            {write}
        # the real streams still work after the handle closed
        print("after")
        print("err-after", file=sys.stderr)
        print(sys.stdout.closed, sys.stderr.closed)
    """)
    out, err = result.stdout.decode(), result.stderr.decode()
    if stream == "stdout":
        assert out == "before\ndätä\nafter\nFalse False\n"
        assert err == "err-before\nerr-after\n"
    else:
        assert out == "before\nafter\nFalse False\n"
        assert err == "err-before\ndätä\nerr-after\n"


def test_text_write_with_encoding_and_newline():
    result = run("""
        from megfile_core import smart_open
        with smart_open("stdio://1", "w", encoding="latin-1", newline="\\r\\n") as h:
            h.write("é\\n")
    """)
    assert result.stdout == b"\xe9\r\n"


def test_explicit_close_then_print():
    result = run("""
        from megfile_core import smart_open
        handle = smart_open("stdio://-", "wb")
        handle.write(b"one\\n")
        handle.close()
        handle.close()
        print("two")
    """)
    assert result.stdout == b"one\ntwo\n"


@pytest.mark.parametrize(
    ("url", "mode"),
    [
        ("stdio://0", "w"),
        ("stdio://0", "wb"),
        ("stdio://1", "r"),
        ("stdio://1", "rb"),
        ("stdio://2", "r"),
        ("stdio://2", "rb"),
    ],
)
def test_wrong_direction_raises_value_error(url, mode):
    with pytest.raises(ValueError, match=r"stdio://\d is (read|write)-only"):
        smart_open(url, mode)


@pytest.mark.parametrize("mode", ["r+", "rb+", "w+", "wb+", "a+"])
@pytest.mark.parametrize("url", ["stdio://-", "stdio://0", "stdio://1"])
def test_plus_modes_raise_value_error(url, mode):
    with pytest.raises(ValueError, match="reading and writing"):
        smart_open(url, mode)


@pytest.mark.parametrize(
    "url", ["stdio://3", "stdio://x", "stdio://", "stdio://--", "stdio://-/a", "stdio://01"]
)
def test_unknown_stream_raises_at_construction(url):
    with pytest.raises(ValueError, match="not a standard stream"):
        SmartPath(url)
    with pytest.raises(ValueError, match="not a standard stream"):
        StdioPath(url)


@pytest.mark.parametrize("mode", ["rw", "q", ""])
def test_invalid_mode(mode):
    with pytest.raises(ValueError, match=repr(mode)):
        smart_open("stdio://-", mode)


def test_stdio_is_not_a_local_path():
    path = SmartPath("stdio://-")
    assert path.protocol == "stdio"
    assert str(path) == "stdio://-"


def test_smart_copy_to_stdout(tmp_path):
    source = tmp_path / "f.bin"
    source.write_bytes(BINARY)
    result = run(f"""
        from megfile_core import smart_copy
        smart_copy({str(source)!r}, "stdio://1")
        print("done")
    """)
    assert result.stdout == BINARY + b"done\n"


def test_smart_copy_from_stdin(tmp_path):
    target = tmp_path / "out.bin"
    run(
        f"""
        from megfile_core import smart_copy
        smart_copy("stdio://-", {str(target)!r})
    """,
        stdin=BINARY,
    )
    assert target.read_bytes() == BINARY
