"""Redraw every chart of docs/performance.md from the recorded results.

    python benchmarks/plot_docs.py [--out DIR]

Bar charts of the tables in ``docs/results/summary/`` (``plot_tables.py``) and the
throughput-against-memory charts of the fifth session's S3 runs
(``plot_tradeoff.py``). Each PNG goes next to its Markdown file, or into ``--out``
(the test suite draws them into a temporary directory). Needs matplotlib (the
``docs`` extra); headless.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:  # run as a script or imported
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import plot_tables
import plot_tradeoff

RESULTS = Path(__file__).resolve().parent.parent / "docs" / "results"
#: (recorded results, chart, title) of the memory/throughput charts
TRADEOFFS = [
    (
        ["fifth/quiet/bench_s3.md"],
        "fifth/quiet/bench_s3-tradeoff.png",
        "S3 sequential 512 MiB, fifth session run C (quiet machine): MiB/s against peak RSS",
    ),
    (
        ["fifth/bench_s3.md"],
        "fifth/bench_s3-tradeoff.png",
        "S3 sequential 512 MiB, fifth session run B (busy machine): MiB/s against peak RSS",
    ),
]


def charts(out: Path | None = None) -> list[Path]:
    """Draw every chart; returns the PNGs written."""
    written = []
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    for markdown in sorted((RESULTS / "summary").glob("*.md")):
        for title, name, header, rows in plot_tables.parse(markdown.read_text(encoding="utf-8")):
            target = (out or markdown.parent) / name
            plot_tables.plot(title, header, rows, target)
            written.append(target)
    for sources, chart, title in TRADEOFFS:
        found = [p for source in sources for p in plot_tradeoff.points(RESULTS / source)]
        target = out / chart.replace("/", "-") if out else RESULTS / chart
        plot_tradeoff.plot(found, target, title)
        written.append(target)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None, help="directory for the PNGs")
    args = parser.parse_args()
    for target in charts(args.out):
        print(f"chart: {target}")


if __name__ == "__main__":
    main()
