"""pandas, pyarrow and dask through fsspec's ``megfile://`` filesystem, on the moto
S3 server (an ``s3+PROFILE://`` URL) and on a real sshd."""

from __future__ import annotations

import subprocess
import sys

import dask.dataframe as dd
import fsspec
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyarrow.fs import FSSpecHandler, PyFileSystem

from megfile_core import smart
from megfile_core.io.prefetch import PrefetchReader
from megfile_core.io.writer import PartWriter

FRAME = pd.DataFrame({"n": [1, 2, 3], "word": ["alpha", "béta", "gamma"]})


@pytest.fixture
def profile_root(s3_root: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """``s3+backup://<bucket>/root``, reachable through the profile's variables only."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    return s3_root.replace("s3://", "s3+backup://", 1)


@pytest.fixture
def fsspec_registry():
    from fsspec.registry import _registry, known_implementations

    saved = dict(_registry), {k: dict(v) for k, v in known_implementations.items()}
    yield
    _registry.clear()
    _registry.update(saved[0])
    known_implementations.clear()
    known_implementations.update(saved[1])


def _roots(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(request.param))


@pytest.fixture(params=["profile_root", "sftp_root"])
def root(request: pytest.FixtureRequest) -> str:
    """A fresh remote directory as a megfile URL: S3 through a profile, or SFTP."""
    return _roots(request)


def test_pandas_csv_round_trip(root):
    url = f"megfile://{root}/frames/a.csv"
    FRAME.to_csv(url, index=False)
    assert smart.smart_load_text(f"{root}/frames/a.csv").splitlines()[0] == "n,word"
    pd.testing.assert_frame_equal(pd.read_csv(url), FRAME)
    pd.testing.assert_frame_equal(
        pd.read_csv(url, storage_options={"use_listings_cache": False}), FRAME
    )


def test_pyarrow_parquet_through_fsspec_handler(root):
    fs = fsspec.filesystem("megfile")
    arrow_fs = PyFileSystem(FSSpecHandler(fs))
    table = pa.table({"x": list(range(1000)), "y": [f"v{i}" for i in range(1000)]})
    pq.write_table(table, f"{root}/t.parquet", filesystem=arrow_fs)
    assert smart.smart_load_content(f"{root}/t.parquet", 0, 4) == b"PAR1"
    assert pq.read_table(f"{root}/t.parquet", filesystem=arrow_fs).equals(table)
    # the URL fsspec would be given works as well
    assert pq.read_table(f"megfile://{root}/t.parquet", filesystem=arrow_fs).equals(table)
    # a directory of parts, discovered through ls/find
    pq.write_table(table.slice(0, 400), f"{root}/ds/part-0.parquet", filesystem=arrow_fs)
    pq.write_table(table.slice(400), f"{root}/ds/part-1.parquet", filesystem=arrow_fs)
    assert pq.read_table(f"{root}/ds", filesystem=arrow_fs).sort_by("x").equals(table)


def test_pandas_parquet_round_trip(root):
    url = f"megfile://{root}/p.parquet"
    FRAME.to_parquet(url)
    assert smart.smart_getsize(f"{root}/p.parquet") > 100
    pd.testing.assert_frame_equal(pd.read_parquet(url), FRAME)


def test_dask_read_csv_over_a_glob(root):
    for i in range(3):
        part = FRAME.assign(n=FRAME.n + 10 * i)
        smart.smart_save_text(f"{root}/parts/p{i}.csv", part.to_csv(index=False))
    smart.smart_save_text(f"{root}/parts/skip.txt", "not,csv\n")
    frame = dd.read_csv(f"megfile://{root}/parts/p*.csv").compute()
    assert sorted(frame.n) == [1, 2, 3, 11, 12, 13, 21, 22, 23]
    assert list(frame.columns) == ["n", "word"]


def test_open_uses_prefetch_reader_and_part_writer(root):
    fs = fsspec.filesystem("megfile")
    data = bytes(range(256)) * 4096
    with fs.open(f"megfile://{root}/big.bin", "wb", block_size=12345) as f:
        assert isinstance(f, PartWriter)
        f.write(data)
    with fs.open(f"{root}/big.bin", "rb", block_size=2**16, cache_options={}) as f:
        assert isinstance(f, PrefetchReader)
        f.seek(1000)
        assert f.read(10) == data[1000:1010]
    assert fs.cat_file(f"{root}/big.bin", 5, 9) == data[5:9]


def test_ls_and_info_dicts(root):
    fs = fsspec.filesystem("megfile")
    smart.smart_save_content(f"{root}/d/f.txt", b"12345")
    smart.smart_save_content(f"{root}/d/sub/g.txt", b"1")
    listing = fs.ls(f"megfile://{root}/d", detail=True)
    # a directory's size is the backend's (0 on S3, the inode's 4096 on SFTP), as in
    # fsspec's own s3fs and sftp filesystems
    assert [(e["name"], e["type"], e["size"]) for e in listing] == [
        (f"{root}/d/f.txt", "file", 5),
        (f"{root}/d/sub", "directory", smart.smart_stat(f"{root}/d/sub").size),
    ]
    assert listing[0]["mtime"] > 0
    assert fs.info(f"{root}/d/f.txt") == listing[0]
    assert fs.info(f"megfile://{root}/d/sub")["type"] == "directory"
    assert fs.find(f"{root}/d") == [f"{root}/d/f.txt", f"{root}/d/sub/g.txt"]
    assert fs.find(f"{root}/d/f.txt") == [f"{root}/d/f.txt"]
    assert fs.find(f"{root}/d", withdirs=True) == [
        f"{root}/d",
        f"{root}/d/f.txt",
        f"{root}/d/sub",
        f"{root}/d/sub/g.txt",
    ]
    assert fs.glob(f"megfile://{root}/d/**/*.txt") == [f"{root}/d/f.txt", f"{root}/d/sub/g.txt"]
    fs.cp_file(f"{root}/d/f.txt", f"{root}/d/copy.txt")
    fs.mv(f"{root}/d/copy.txt", f"{root}/e/moved.txt")
    assert fs.cat_file(f"{root}/e/moved.txt") == b"12345"
    fs.rm(f"{root}/d", recursive=True)
    assert not fs.exists(f"{root}/d/f.txt") and not fs.exists(f"{root}/d")


def test_pandas_finds_megfile_with_no_import(profile_root):
    """A fresh interpreter: pandas -> fsspec -> entry point -> megfile_core.fsspec."""
    smart.smart_save_text(f"{profile_root}/a.csv", FRAME.to_csv(index=False))
    code = (
        "import sys, pandas\n"
        f"frame = pandas.read_csv({'megfile://' + profile_root + '/a.csv'!r})\n"
        "print(frame.n.sum(), 'megfile_core.fsspec' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.split() == ["6", "True"]


def test_opt_in_serves_plain_s3(fsspec_registry, s3_root):
    from megfile_core.fsspec import MegfileFileSystem, register

    smart.smart_save_text(f"{s3_root}/a.csv", FRAME.to_csv(index=False))
    with pytest.raises(ValueError, match="overwrite=True"):
        register(["s3"])  # s3 is s3fs's name in fsspec, installed or not
    register(["s3"], overwrite=True)
    fs = fsspec.filesystem("s3")
    assert isinstance(fs, MegfileFileSystem)
    pd.testing.assert_frame_equal(pd.read_csv(f"{s3_root}/a.csv"), FRAME)
    bucket = s3_root.split("/")[2]
    assert fs.ls(f"s3://{bucket}", detail=False) == [f"{bucket}/root"]
    assert fs.unstrip_protocol(f"{bucket}/root/a.csv") == f"{s3_root}/a.csv"


def test_register_a_profile_name_fsspec_does_not_know(fsspec_registry, profile_root):
    from megfile_core.fsspec import register

    smart.smart_save_text(f"{profile_root}/a.csv", FRAME.to_csv(index=False))
    register(["s3+backup"])  # no overwrite needed: fsspec has no such name
    pd.testing.assert_frame_equal(pd.read_csv(f"{profile_root}/a.csv"), FRAME)
    frame = dd.read_csv(f"{profile_root}/*.csv").compute()
    assert list(frame.n) == [1, 2, 3]


def test_pandas_and_pyarrow_read_over_http(http_files):
    base, directory = http_files
    (directory / "a.csv").write_text(FRAME.to_csv(index=False))
    pq.write_table(pa.Table.from_pandas(FRAME), str(directory / "t.parquet"))
    pd.testing.assert_frame_equal(pd.read_csv(f"megfile://{base}/a.csv"), FRAME)
    pd.testing.assert_frame_equal(pd.read_parquet(f"megfile://{base}/t.parquet"), FRAME)
    with fsspec.open(f"megfile://{base}/t.parquet", "rb") as f:
        assert isinstance(f, PrefetchReader)


def test_dask_writes_and_reads_parquet(root):
    frame = dd.from_pandas(pd.DataFrame({"a": range(100)}), npartitions=3)
    frame.to_parquet(f"megfile://{root}/dpq")
    assert sorted(smart.smart_listdir(f"{root}/dpq")) == [
        "part.0.parquet",
        "part.1.parquet",
        "part.2.parquet",
    ]
    assert dd.read_parquet(f"megfile://{root}/dpq").a.sum().compute() == sum(range(100))
