"""Pure path operations, URL parsing and dispatch (no server)."""

from __future__ import annotations

import pytest

import megfile_core as megfile
from megfile_webdav import is_webdav
from megfile_webdav.path import WebdavPath, WebdavsPath

URL = "webdav://u:p%40w@host:8080/a/b.txt"


def test_the_server_is_the_first_part_as_in_megfile() -> None:
    path = WebdavPath(URL)
    assert path.parts == ("webdav://u:p%40w@host:8080", "a", "b.txt")
    assert WebdavPath("webdav://host").parts == ("webdav://host",)
    assert WebdavPath("webdav://host/a/").parts == ("webdav://host", "a", "")
    assert path.name == "b.txt" and path.suffix == ".txt" and path.stem == "b"
    assert str(path) == URL
    assert path.path_with_protocol == URL
    assert path.path_without_protocol == URL[len("webdav://") :]


def test_parents_stop_at_the_server() -> None:
    assert str(WebdavPath(URL).parent) == "webdav://u:p%40w@host:8080/a"
    assert str(WebdavPath("webdav://host/a").parent) == "webdav://host"
    assert str(WebdavPath("webdav://host").parent) == "webdav://host"
    assert str(WebdavPath("webdav://host/a/").parent) == "webdav://host/a"
    assert [str(p) for p in WebdavPath("webdav://host/a/b").parents] == [
        "webdav://host/a",
        "webdav://host",
    ]


def test_derived_paths_keep_scheme_and_server() -> None:
    path = WebdavsPath("webdavs://h:1/d/f.txt")
    assert isinstance(path.parent, WebdavsPath)
    assert str(path.with_suffix(".bin")) == "webdavs://h:1/d/f.bin"
    assert str(path.with_name("g")) == "webdavs://h:1/d/g"
    assert str(path.parent / "x y") == "webdavs://h:1/d/x y"
    assert str(path.joinpath("a", "b")) == "webdavs://h:1/d/f.txt/a/b"
    assert str(path.relative_to("webdavs://h:1/d")) == "f.txt"
    with pytest.raises(ValueError, match="empty name"):
        WebdavPath("webdav://host").with_name("x")


def test_secrets_are_masked() -> None:
    path = WebdavPath("webdav://user:s3cr3t-pw@host/x")
    assert "s3cr3t-pw" not in repr(path)
    assert "s3cr3t-pw" not in path.display_name
    assert "s3cr3t-pw" not in repr(path.server)
    assert path.server.password == "s3cr3t-pw"


def test_server_and_remote() -> None:
    path = WebdavPath("webdav://u:p%40w@host:8080/a b/#x?.txt")
    assert (path.server.username, path.server.password) == ("u", "p@w")
    assert path.server.base_url == "http://host:8080"
    assert path.remote == "/a b/#x?.txt"
    assert path.server.url(path.remote) == "http://host:8080/a%20b/%23x%3F.txt"
    assert WebdavsPath("webdavs://[::1]/x").server.base_url == "https://[::1]"
    assert WebdavPath("webdav://h/x").server.username is None


@pytest.mark.parametrize(
    "url",
    ["webdav://host:0/x", "webdav://host:port/x", "webdav://[::1/x", "webdav:///x"],
)
def test_bad_netlocs(url: str) -> None:
    with pytest.raises(ValueError):
        WebdavPath(url).server  # noqa: B018 - parsing is the point


def test_same_backend_needs_same_server_and_credentials() -> None:
    a = WebdavPath("webdav://u:p@h:1/x")
    assert a._same_backend(WebdavPath("webdav://u:p@h:1/y/z"))
    assert not a._same_backend(WebdavPath("webdav://u:q@h:1/x"))
    assert not a._same_backend(WebdavPath("webdav://u:p@h:2/x"))
    assert not a._same_backend(WebdavsPath("webdavs://u:p@h:1/x"))


def test_dispatch_and_is_webdav() -> None:
    assert type(megfile.SmartPath("webdav://h/x").pathlike) is WebdavPath
    assert type(megfile.SmartPath("webdavs://h/x").pathlike) is WebdavsPath
    assert is_webdav("webdav://h/x") and is_webdav("WEBDAVS://h/x")
    assert not is_webdav("http://h/x") and not is_webdav("/local/webdav://x")
    assert str(megfile.SmartPath("webdav://h/a/b").parent) == "webdav://h/a"
