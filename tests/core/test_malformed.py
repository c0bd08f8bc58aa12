"""Malformed input fails fast with a builtin ValueError/TypeError/OSError family error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from megfile_core import smart
from megfile_core.smart_path import SmartPath

ALLOWED = (ValueError, TypeError, OSError)

url_text = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda s, r: f"{s}://{r}",
        st.text(alphabet="abcxyz+-._09AZ:/ %", max_size=10),
        st.text(max_size=20),
    ),
    st.sampled_from(
        [
            "://",
            "s3+://b",
            "+://",
            "memory+://a",
            "stdio://",
            "stdio://9",
            "file://",
            "a:b://c",
            "\x00",
            "memory://\x00",
            "{",
            "[",
            "**{a,",
        ]
    ),
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=url_text)
def test_any_string_either_works_or_raises_a_builtin_family_error(memory_root, text):
    try:
        path = SmartPath(text)
        str(path.parent)
        path.name  # noqa: B018
    except ALLOWED:
        return
    except Exception as error:  # pragma: no cover - the assertion reports it
        pytest.fail(f"SmartPath({text!r}) raised {type(error).__name__}: {error}")


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mode=st.text(max_size=5))
def test_any_mode_either_opens_or_raises_value_error(memory_root, mode):
    try:
        handle = smart.smart_open("memory://root/fuzz", mode)
    except ALLOWED:
        return
    handle.close()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pattern=st.text(alphabet="ab*?[]{},!/.", max_size=14))
def test_glob_patterns_never_crash(tmp_path, pattern):
    (tmp_path / "a").mkdir(exist_ok=True)
    (tmp_path / "a" / "b").write_text("x")
    try:
        smart.smart_glob(str(tmp_path) + "/" + pattern)
    except ALLOWED:
        pass


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: smart.smart_open("/tmp/x", "r", bogus_option=1), TypeError),
        (lambda: smart.smart_sync("/nonexistent-src-dir", "/tmp/y"), FileNotFoundError),
        (lambda: smart.smart_load_content("/tmp/x", 3, 1), ValueError),
        (lambda: SmartPath("stdio://7"), ValueError),
        (lambda: SmartPath("nosuchproto://a"), ValueError),
        (lambda: smart.smart_listdir("/nonexistent-dir-xyz"), FileNotFoundError),
    ],
)
def test_specific_malformed_calls(call, error):
    with pytest.raises(error):
        call()
