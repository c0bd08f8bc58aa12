"""The charts of docs/performance.md are redrawn from the recorded results."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def benchmarks() -> Iterator[dict[str, ModuleType]]:
    saved = list(sys.path)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        yield {name: importlib.import_module(name) for name in ("plot_docs", "plot_tradeoff")}
    finally:  # the scripts put benchmarks/ on sys.path too: leave no trace
        sys.path[:] = saved
        for name in ("plot_docs", "plot_tradeoff", "plot_tables"):
            sys.modules.pop(name, None)


def test_tradeoff_points_come_from_the_recorded_table(benchmarks: dict[str, ModuleType]) -> None:
    tradeoff = benchmarks["plot_tradeoff"]
    found = tradeoff.points(ROOT / "docs/results/fifth/quiet/bench_s3.md")
    # 2 settings x 4 libraries x 2 servers, reading and writing
    assert len(found) == 32
    ours = [
        p
        for p in found
        if p.library == "megfile-s3 (ours)"
        and p.server == "rclone"
        and p.setting == "plain loopback"
    ]
    assert {(p.direction, p.mib_per_s, p.rss_mib) for p in ours} == {
        ("read", 319.0, 117.0),
        ("write", 226.0, 71.0),
    }


def test_every_chart_is_redrawn_from_recorded_data(
    benchmarks: dict[str, ModuleType], tmp_path: Path
) -> None:
    written = benchmarks["plot_docs"].charts(tmp_path)
    names = {path.name for path in written}
    assert names == {
        "startup.png",
        "sftp.png",
        "s3-peers.png",
        "fifth-quiet-bench_s3-tradeoff.png",
        "fifth-bench_s3-tradeoff.png",
    }
    for path in written:
        assert path.parent == tmp_path
        assert path.read_bytes()[:8] == PNG_MAGIC and path.stat().st_size > 10_000


def test_the_performance_page_embeds_committed_charts() -> None:
    page = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", page)
    assert "results/fifth/quiet/bench_s3-tradeoff.png" in images
    assert len(images) >= 5
    for image in images:
        assert (ROOT / "docs" / image).read_bytes()[:8] == PNG_MAGIC, image
