"""Plot throughput against peak memory, per library, from recorded results.

    python benchmarks/plot_tradeoff.py RESULTS.md [RESULTS.md ...] -o OUT.png [--title T]

Reads the tables ``benchmarks/bench_s3.py`` wrote (``docs/results/...``) that have
both a throughput column and a peak-RSS column for one direction and one server
(``read MiB/s, rclone`` with ``peak RSS reading MiB, rclone``; likewise ``write``).
Every row becomes a point: x = peak RSS of the process in MiB, y = MiB/s; colour =
library, marker = server; one panel per direction and setting. Up and to the left
is better: the picture shows what each library pays in memory for its speed. With
several files, each file is a run and its points are drawn alike (runs are not
averaged: the recorded runs come from a shared, noisy machine).

Needs matplotlib (the ``docs`` extra); draws headless (Agg). ``points()`` is the
parsing, without matplotlib, for tests.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:  # run as a script or imported
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from plot_tables import _number, parse

DIRECTIONS = {"read": "peak RSS reading MiB", "write": "peak RSS writing MiB"}
MARKERS = ["o", "s", "^", "D", "v", "P"]


@dataclass(frozen=True)
class Point:
    direction: str  # read / write
    setting: str
    library: str
    server: str
    rss_mib: float
    mib_per_s: float
    run: str


def points(markdown: Path) -> list[Point]:
    """Every (throughput, peak RSS) pair of the tables of one results file."""
    found = []
    for _title, _png, header, rows in parse(markdown.read_text(encoding="utf-8")):
        if "setting" not in header or "library" not in header:
            continue
        setting_at, library_at = header.index("setting"), header.index("library")
        for direction, rss_name in DIRECTIONS.items():
            for column, name in enumerate(header):
                metric, _, server = name.rpartition(", ")
                if metric != f"{direction} MiB/s" or f"{rss_name}, {server}" not in header:
                    continue
                rss_at = header.index(f"{rss_name}, {server}")
                for row in rows:
                    speed = _number(row[column]) if column < len(row) else None
                    rss = _number(row[rss_at]) if rss_at < len(row) else None
                    if speed is None or rss is None:
                        continue
                    found.append(
                        Point(
                            direction,
                            row[setting_at],
                            row[library_at],
                            server,
                            rss,
                            speed,
                            markdown.parent.name,
                        )
                    )
    return found


def plot(all_points: list[Point], target: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not all_points:
        raise ValueError("no table has both a throughput and a peak RSS column")
    directions = [d for d in DIRECTIONS if any(p.direction == d for p in all_points)]
    settings = list(dict.fromkeys(p.setting for p in all_points))
    libraries = list(dict.fromkeys(p.library for p in all_points))
    servers = list(dict.fromkeys(p.server for p in all_points))
    colours = plt.get_cmap("tab10")
    figure, axes = plt.subplots(
        len(directions),
        len(settings),
        figsize=(4.2 * len(settings) + 1.5, 3.6 * len(directions)),
        squeeze=False,
    )
    for row, direction in enumerate(directions):
        for column, setting in enumerate(settings):
            axis = axes[row][column]
            for point in all_points:
                if point.direction != direction or point.setting != setting:
                    continue
                axis.scatter(
                    point.rss_mib,
                    point.mib_per_s,
                    color=colours(libraries.index(point.library) % 10),
                    marker=MARKERS[servers.index(point.server) % len(MARKERS)],
                    s=36,
                    alpha=0.85,
                )
            axis.set_title(f"{direction}, {setting}", fontsize=9)
            axis.set_xlabel(f"{DIRECTIONS[direction]} (lower is better)", fontsize=8)
            axis.set_ylabel(f"{direction} MiB/s (higher is better)", fontsize=8)
            axis.tick_params(labelsize=7)
            axis.grid(alpha=0.3)
            axis.set_xlim(left=0)
            axis.set_ylim(bottom=0)
    handles = [
        plt.Line2D([], [], color=colours(i % 10), marker="o", linestyle="", label=name)
        for i, name in enumerate(libraries)
    ] + [
        plt.Line2D([], [], color="grey", marker=MARKERS[i % len(MARKERS)], linestyle="", label=name)
        for i, name in enumerate(servers)
    ]
    figure.legend(handles=handles, loc="lower center", ncol=min(len(handles), 6), fontsize=8)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout(rect=(0, 0.07, 1, 1))
    figure.savefig(target, dpi=100)
    plt.close(figure)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+", type=Path, help="results Markdown files")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the PNG to write")
    parser.add_argument("--title", default="Throughput against peak memory")
    args = parser.parse_args(argv)
    collected = [point for markdown in args.results for point in points(markdown)]
    plot(collected, args.output, args.title)
    print(f"chart: {args.output} ({len(collected)} points)")


if __name__ == "__main__":
    main()
