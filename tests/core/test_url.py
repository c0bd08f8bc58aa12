"""megfile_core.url: the one scheme splitter and the one URL masker of core and plugins."""

from __future__ import annotations

import importlib

import pytest

from megfile_core import errors, url
from megfile_core.url import mask_url, split_scheme


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # the password, whatever it holds
        ("sftp://user:secret@host//x", "sftp://user:***@host//x"),
        ("sftp://user:p@ss@host//x", "sftp://user:***@host//x"),
        ("sftp://user:se:cr@et@host:22/x?y#z", "sftp://user:***@host:22/x?y#z"),
        ("sftp://user:pa/ss@host//x", "sftp://user:***@host//x"),
        ("sftp://user:a/b@c:d@host:22//x", "sftp://user:***@host:22//x"),
        ("https://user:pa?ss@host/x", "https://user:***@host/x"),
        ("s3+prof://key:secret@bucket/k", "s3+prof://key:***@bucket/k"),
        ("https://u:@h/", "https://u:***@h/"),
        # what is not a password stays
        ("sftp://user@host//x", "sftp://user@host//x"),
        ("sftp://a@h:22//x:y@z", "sftp://a@h:22//x:y@z"),
        ("https://h/a:b@c", "https://h/a:b@c"),
        ("https://h:8080/pkg@1.0", "https://h:8080/pkg@1.0"),
        ("/local/a:b@c", "/local/a:b@c"),
        ("plain text: no url", "plain text: no url"),
        # secret query values, other values as written
        ("https://h/a?X-Amz-Signature=zz&y=2", "https://h/a?X-Amz-Signature=***&y=2"),
        ("https://h/a?token=t&sig=s#frag", "https://h/a?token=***&sig=***#frag"),
        ("https://h/a?b=%20c&key=", "https://h/a?b=%20c&key="),
        ("/local/a?token=t", "/local/a?token=t"),
        # every URL of a message, up to its end
        (
            "failed: http://u:pw@h/x and https://v:pw2@g/",
            "failed: http://u:***@h/x and https://v:***@g/",
        ),
        ("cannot open 'sftp://u:p/w@h//x': denied", "cannot open 'sftp://u:***@h//x': denied"),
        ("https://h/?next=sftp://a:b@c&auth=x", "https://h/?next=sftp://a:***@c&auth=***"),
    ],
)
def test_mask_url(text: str, masked: str) -> None:
    assert mask_url(text) == masked


def test_one_masker_everywhere() -> None:
    assert errors.mask_url is url.mask_url
    http_errors = importlib.import_module("megfile_http.errors")
    sftp_url = importlib.import_module("megfile_sftp.url")
    for module in (http_errors, sftp_url):
        assert not hasattr(module, "mask_text") and not hasattr(module, "mask"), module
        assert getattr(module, "mask_url", url.mask_url) is url.mask_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s3+p://b/k", ("s3+p", "b/k")),
        ("S3://b/k", ("s3", "b/k")),
        ("/a/b", ("", "/a/b")),
        ("://x", ("", "://x")),
        ("1s3://b", ("", "1s3://b")),
        ("a b://x", ("", "a b://x")),
    ],
)
def test_split_scheme(text: str, expected: tuple[str, str]) -> None:
    assert split_scheme(text) == expected


def test_url_module_imports_nothing_from_core() -> None:
    source = importlib.util.find_spec("megfile_core.url").origin  # type: ignore[union-attr]
    with open(source) as f:  # type: ignore[arg-type]
        assert "megfile_core" not in "".join(
            line for line in f if line.startswith(("import", "from"))
        )
