"""A process's first open sends its probe before the client is built
(megfile_s3.early): used only when it is the request the client would have sent,
dropped (and the probe sent as before) otherwise."""

from __future__ import annotations

import http.client
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from test_s3_errors import CuttingProxy

import megfile_s3.client
from megfile_core import smart
from megfile_s3 import early, lean
from megfile_s3.config import resolve
from megfile_s3.readers import PROBE_SIZE, probe_range
from megfile_s3.wire import Wire

DATA = os.urandom(3 * PROBE_SIZE // 2)  # more than the probe: a second GET follows


class Spy:
    """What happened, in order: ``sent`` (an early GET went out), ``build`` (a
    client was built), ``used`` / ``dropped`` (the early answer), ``probe`` (the
    reader sent its first GET itself)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[str] = []
        real_start = Wire.start
        real_build = megfile_s3.client._build
        real_answer = early.EarlyGet.answer
        real_get = lean.get

        def start(wire: Wire, request: Any) -> Any:
            self.events.append("sent")
            return real_start(wire, request)

        def build(settings: Any) -> Any:
            self.events.append("build")
            return real_build(settings)

        def answer(get: early.EarlyGet, client: Any, first: int, last: int) -> Any:
            result = real_answer(get, client, first, last)
            self.events.append("used" if result is not None else "dropped")
            return result

        def lean_get(client: Any, bucket: str, key: str, *args: Any) -> Any:
            if args and args[0] == 0:
                self.events.append("probe")
            return real_get(client, bucket, key, *args)

        monkeypatch.setattr(Wire, "start", start)
        monkeypatch.setattr(megfile_s3.client, "_build", build)
        monkeypatch.setattr(early.EarlyGet, "answer", answer)
        monkeypatch.setattr(lean, "get", lean_get)


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[Spy]:
    """A process with no S3 client yet (as at its start), and a spy."""
    monkeypatch.setenv("MEGFILE_S3_CLIENT_CACHE_MODE", "process_local")
    megfile_s3.client.clear_cache()
    yield Spy(monkeypatch)
    megfile_s3.client.clear_cache()


@pytest.fixture
def stored(bucket: str, s3: Any) -> str:
    """An object put with a plain boto3 client (ours stays unbuilt)."""
    s3.put_object(Bucket=bucket, Key="obj.bin", Body=DATA)
    return f"s3://{bucket}/obj.bin"


def _read(url: str, **options: Any) -> bytes:
    with smart.smart_open(url, "rb", **options) as handle:
        data: bytes = handle.read()
    return data


def _no_early_threads() -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if not any(t.name == "megfile-s3-early" for t in threading.enumerate()):
            return True
        time.sleep(0.01)
    return False


def test_the_first_open_sends_its_probe_while_the_client_is_built(fresh: Spy, stored: str) -> None:
    assert _read(stored) == DATA
    # sent before the client was built, its answer used: the reader sent no probe
    assert fresh.events == ["sent", "build", "used"]
    assert _no_early_threads()


def test_later_opens_do_not(fresh: Spy, stored: str) -> None:
    assert _read(stored) == DATA
    fresh.events.clear()
    assert _read(stored) == DATA
    assert fresh.events == ["probe"]  # the client exists: nothing to win


def test_the_client_takes_over_the_early_connection(fresh: Spy, stored: str) -> None:
    adopted: list[tuple[Wire, Wire]] = []
    real_adopt = Wire.adopt

    def adopt(wire: Wire, other: Wire) -> None:
        adopted.append((wire, other))
        real_adopt(wire, other)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Wire, "adopt", adopt)
        assert _read(stored) == DATA
    assert fresh.events == ["sent", "build", "used"]
    # (moto closes every connection; test_s3_wire checks that adopt hands them over)
    [(wire, other)] = adopted
    state = lean.state_of(megfile_s3.client.get_client(None))
    assert state is not None and wire is state.wire and other is not wire


def test_the_request_is_the_one_the_client_signs(fresh: Spy, bucket: str) -> None:
    settings = resolve(None)
    guessed = early.guess(settings, bucket)
    assert guessed is not None
    target, credentials = guessed
    when = time.gmtime(1_700_000_000)
    ours = lean.sign(
        target,
        credentials,
        lambda day: lean.signing_key(credentials[1], day, target),
        "a dir/k+é.bin",
        0,
        99,
        when,
    )
    client = megfile_s3.client.get_client(None)
    theirs = lean.signed_request(client, bucket, "a dir/k+é.bin", 0, 99, when)
    assert theirs is not None
    assert ours.url == theirs.url
    assert dict(ours.headers) == dict(theirs.headers)  # Authorization included


def test_a_wrong_guess_is_dropped_and_the_probe_sent_again(
    fresh: Spy, stored: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the client signs for the region of its profile; the guess only reads the
    # variable, which is unset: us-east-1
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    os.makedirs(os.path.dirname(os.environ["AWS_CONFIG_FILE"]), exist_ok=True)
    with open(os.environ["AWS_CONFIG_FILE"], "w") as config:
        config.write("[default]\nregion = eu-west-1\n")
    assert _read(stored) == DATA
    assert fresh.events == ["sent", "build", "dropped", "probe"]
    assert _no_early_threads()


def test_a_failed_early_request_leaves_the_probe_to_the_normal_path(
    fresh: Spy, stored: str, moto_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    host, port = moto_server.endpoint.rpartition("/")[2].split(":")
    proxy = CuttingProxy((host, int(port)), cuts=1, mode="reset")
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{proxy.port}")
        assert _read(stored) == DATA
    finally:
        proxy.close()
    assert fresh.events == ["sent", "build", "dropped", "probe"]
    assert _no_early_threads()


def test_a_missing_object_raises_as_before(fresh: Spy, bucket: str) -> None:
    with pytest.raises(FileNotFoundError):
        _read(f"s3://{bucket}/missing.bin")
    assert fresh.events[:2] == ["sent", "build"]
    assert "used" not in fresh.events
    assert _no_early_threads()


@pytest.mark.parametrize(
    "change",
    [
        {"AWS_S3_ADDRESSING_STYLE": "virtual"},
        {"HTTP_PROXY": "http://127.0.0.1:9"},
        {"MEGFILE_S3_WIRE": "0"},
        {"MEGFILE_READER_LAZY_PREFETCH": "1"},
        {"AWS_S3_REDIRECT": "1"},
    ],
)
def test_not_sent_when_the_settings_do_not_tell(
    fresh: Spy, stored: str, monkeypatch: pytest.MonkeyPatch, change: dict[str, str]
) -> None:
    for name, value in change.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NO_PROXY", "")
    bucket, key = stored.split("/")[2:4]
    if "MEGFILE_READER_LAZY_PREFETCH" in change:
        assert probe_range({}) is None  # a HEAD at open: no probe to send early
    else:
        assert early.start(None, bucket, key, 0, PROBE_SIZE - 1) is None
    if "HTTP_PROXY" not in change:  # (nothing listens at the proxy)
        assert _read(stored) == DATA
    assert "sent" not in fresh.events


def test_odd_buckets_and_missing_keys_are_not_guessed(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = resolve(None)
    assert early.guess(settings, "plain-bucket.name") is not None
    for bucket in ("arn:aws:s3:us-east-1:123:accesspoint/x", "b--x-s3", "with space", ""):
        assert early.guess(settings, bucket) is None
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    assert early.guess(resolve(None), "plain-bucket") is None  # AWS's own endpoints


class _Arrivals:
    """A body that comes as ``pieces``: (bytes, seconds to wait before they are
    there); one ``readinto1`` returns every byte already there (the kernel's
    buffer), as a socket read does."""

    def __init__(self, pieces: list[tuple[int, float]]) -> None:
        self.data = os.urandom(sum(size for size, _ in pieces))
        began = time.monotonic()
        self._due: list[tuple[float, int]] = []
        at, offset = began, 0
        for size, wait in pieces:
            at += wait
            offset += size
            self._due.append((at, offset))
        self._sent = 0
        self.closed = False

    def readinto1(self, view: memoryview) -> int:
        if not self._due:
            return 0
        time.sleep(max(0.0, self._due[0][0] - time.monotonic()))
        there = max(end for at, end in self._due if at <= time.monotonic())
        self._due = [(at, end) for at, end in self._due if end > there]
        count = min(there - self._sent, view.nbytes)
        view[:count] = self.data[self._sent : self._sent + count]
        self._sent += count
        return count

    def close(self) -> None:
        self.closed = True


def test_an_early_body_is_timed_from_its_first_read() -> None:
    """A thread that got the interpreter late finds 1 MiB waiting, then the rest
    comes at ~20 MiB/s: the rate says the arrivals after the first read (timing
    the whole body would have said ~30 MiB/s, and more the later the thread)."""
    MiB = 1 << 20
    body = _Arrivals([(MiB, 0.0)] + [(MiB // 8, 0.00625)] * 16)
    data, seconds = early.read_arrivals(body, 3 * MiB)  # type: ignore[arg-type]
    assert data == body.data
    assert seconds is not None
    rate = 3 * MiB / seconds
    assert 12 * MiB < rate < 21 * MiB, rate / MiB


def test_an_early_body_that_came_at_once_gives_no_rate() -> None:
    MiB = 1 << 20
    body = _Arrivals([(2 * MiB, 0.0), (MiB // 2, 0.01)])
    data, seconds = early.read_arrivals(body, 2 * MiB + MiB // 2)  # type: ignore[arg-type]
    assert data == body.data
    assert seconds is None  # under MIN_SAMPLE after the first read: no measure
    cut = _Arrivals([(MiB, 0.0)])
    with pytest.raises(http.client.IncompleteRead):
        early.read_arrivals(cut, 2 * MiB)  # type: ignore[arg-type]
    assert cut.closed
