"""smart_sync on a real Dask LocalCluster (2 worker processes) against moto, and the
``megfile sync --scheduler`` option. The workers reach moto through the AWS_*
variables they inherit from this process."""

from __future__ import annotations

import faulthandler
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from megfile_core import smart
from megfile_core.distributed import DaskExecutor, dask_executor

MEGFILE = str(Path(sys.executable).with_name("megfile"))
COUNT = 2000


def _payload(index: int) -> bytes:
    return f"object {index}\n".encode() * (1 + index % 5)


def _split(url: str) -> tuple[str, str]:
    bucket, _, key = url.removeprefix("s3://").partition("/")
    return bucket, key


def _put_objects(moto: Any, url: str, count: int) -> dict[str, bytes]:
    bucket, prefix = _split(url)
    client = moto.client()
    objects = {f"d{i % 10}/o{i:05d}.txt": _payload(i) for i in range(count)}

    def put(item: tuple[str, bytes]) -> None:
        client.put_object(Bucket=bucket, Key=f"{prefix}/{item[0]}", Body=item[1])

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, objects.items()))
    return objects


def _read_objects(moto: Any, url: str) -> dict[str, bytes]:
    bucket, prefix = _split(url)
    client = moto.client()
    keys = []
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix + "/"
    ):
        keys.extend(entry["Key"] for entry in page.get("Contents", []))

    def get(key: str) -> tuple[str, bytes]:
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        return key[len(prefix) + 1 :], body

    with ThreadPoolExecutor(16) as pool:
        return dict(pool.map(get, keys))


def _read_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def cluster(s3_root: str) -> Iterator[DaskExecutor]:
    """Two worker processes, started after s3_root set the AWS_* variables."""
    with dask_executor("local:2", threads_per_worker=4) as executor:
        # a test that hangs shows where each worker stood: pytest-timeout prints only
        # this process's threads, the workers' stderr is captured with the test's
        executor.client.run(faulthandler.dump_traceback_later, _DUMP_AFTER, exit=False)
        yield executor
        executor.client.run(faulthandler.cancel_dump_traceback_later)


#: seconds after which each worker prints its threads' stacks (the test's timeout
#: is longer): moto answers ~150 requests/s, so the 2,000-object test needs 50-70 s
_DUMP_AFTER = 200


@pytest.mark.slow
@pytest.mark.timeout(_DUMP_AFTER + 60)
def test_sync_moto_to_local_and_back_on_two_workers(
    moto: Any, s3_root: str, cluster: DaskExecutor, tmp_path: Path
) -> None:
    assert len(cluster.client.scheduler_info()["workers"]) == 2
    objects = _put_objects(moto, s3_root + "/src", COUNT)
    pids = set(cluster.client.run(os.getpid).values())
    assert len(pids) == 2 and os.getpid() not in pids  # two processes, neither is this one

    copied: list[str] = []
    down = smart.smart_sync(
        s3_root + "/src",
        str(tmp_path / "down"),
        executor=cluster,
        callback_after_copy_file=lambda source, target: copied.append(target),
    )
    assert down.copied == COUNT and len(set(copied)) == COUNT  # each file counted once
    assert down.bytes == sum(map(len, objects.values()))
    assert _read_tree(tmp_path / "down") == objects

    copied.clear()
    up = smart.smart_sync(
        str(tmp_path / "down"),
        s3_root + "/up",
        executor=cluster,
        callback_after_copy_file=lambda source, target: copied.append(target),
    )
    assert up.copied == COUNT and len(set(copied)) == COUNT
    assert _read_objects(moto, s3_root + "/up") == objects
    again = smart.smart_sync(str(tmp_path / "down"), s3_root + "/up", executor=cluster)
    assert again.copied == 0 and again.skipped == COUNT

    # pairs on an executor around a client we own: shutting it down leaves the client open
    pairs = [(f"{s3_root}/src/{key}", str(tmp_path / "pairs" / key)) for key in list(objects)[:50]]
    with dask_executor(cluster.client) as shared:
        copies = smart.smart_copy_many(pairs, executor=shared)
    assert copies.copied == 50 and cluster.client.status == "running"
    assert _read_tree(tmp_path / "pairs") == {key: objects[key] for key in list(objects)[:50]}


#: run in each worker process: every copy there first sleeps (this test's hook only)
_SLOW_COPIES = """
import time
import megfile_core.sync_batches as batches
_copy = batches.copy_item
def _slow(item, _copy=_copy):
    time.sleep({seconds})
    return _copy(item)
batches.copy_item = _slow
"""


def test_a_worker_killed_mid_way_is_survived(
    moto: Any, s3_root: str, cluster: DaskExecutor, tmp_path: Path
) -> None:
    count = 600
    source = tmp_path / "src"
    objects = {f"d{i % 10}/f{i:04d}.txt": _payload(i) for i in range(count)}
    for relative, data in objects.items():
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        (source / relative).write_bytes(data)
    # 8 threads x 600 copies x 50 ms: some seconds, so the kill lands mid-way
    cluster.client.run(exec, _SLOW_COPIES.format(seconds=0.05), {})  # a namespace of its own
    pids = cluster.client.run(os.getpid)
    done = threading.Event()
    copied: list[str] = []
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = smart.smart_sync(
                str(source),
                s3_root + "/up",
                executor=cluster,
                callback_after_copy_file=lambda src, target: copied.append(target),
            )
        except BaseException as error:
            outcome["error"] = error
        finally:
            done.set()

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 60
    while len(copied) < 50 and not done.is_set() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not done.is_set() and len(copied) < count / 2  # the kill lands mid-way
    victim = next(iter(pids.values()))
    os.kill(victim, signal.SIGKILL)
    thread.join(120)
    assert not thread.is_alive()
    assert "error" not in outcome, outcome.get("error")
    assert outcome["result"].copied == count and len(set(copied)) == count
    assert _read_objects(moto, s3_root + "/up") == objects
    assert victim not in cluster.client.run(os.getpid).values()


def test_cli_sync_with_a_local_scheduler(
    moto: Any, s3_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    # the command itself: the group's logging set-up would outlive this test
    from megfile_core.cli.transfer import sync_command

    objects = _put_objects(moto, s3_root + "/src", 300)
    sent: list[str] = []  # what reached the cluster (the real submit runs)
    submit = DaskExecutor.submit

    def spy(self: DaskExecutor, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        sent.append(fn.__name__)
        return submit(self, fn, *args, **kwargs)

    monkeypatch.setattr(DaskExecutor, "submit", spy)
    done = CliRunner().invoke(
        sync_command, ["--scheduler", "local:2", s3_root + "/src", str(tmp_path / "down")]
    )
    assert done.exit_code == 0, done.output
    assert "300 files copied" in done.output
    assert sent and set(sent) == {"copy_batch"} and len(sent) < 300
    assert _read_tree(tmp_path / "down") == objects


@pytest.mark.parametrize("scheduler", ["local:0", "local:x"])
def test_cli_rejects_a_bad_local_scheduler(scheduler: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [MEGFILE, "sync", "--scheduler", scheduler, str(tmp_path), str(tmp_path / "d")],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert b"write local:N with N worker processes" in done.stderr


def test_an_unreachable_scheduler_says_what_to_check() -> None:
    import socket

    with socket.socket() as unused:  # a free port nobody listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(OSError, match="could not reach the Dask scheduler at .*check the address"):
        dask_executor(f"tcp://127.0.0.1:{port}", connect_timeout=1)
