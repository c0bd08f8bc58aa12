"""Draw a PNG bar chart for every Markdown table of a results file.

    python benchmarks/plot_tables.py RESULTS.md

A table is drawn when an image link ``![title](NAME.png)`` stands before it (what
``benchmarks/results.py`` writes); the PNG goes next to the Markdown file under that
name. Columns whose cells are all numbers (``1,234``, ``536 (455, 536, 569)`` and
``**0.91**`` count; ``-`` is a gap) are measures; the other columns label the rows.
Ratio columns (a header with `` / ``, as ``ours / this``) are left out: the bars
show them. A measure header ``what, SERVER`` (``read MiB/s, rclone`` beside ``read
MiB/s, s3rver``) becomes one panel with a bar per server. Needs matplotlib (a
benchmark dependency, see ``benchmarks/setup_peers.sh``); runs headless (Agg).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?")
_IMAGE = re.compile(r"^!\[(?P<title>[^\]]*)\]\((?P<file>[^)]+\.png)\)\s*$")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _number(cell: str) -> float | None:
    match = _NUMBER.match(cell.replace("*", "").replace(",", "").strip())
    return float(match.group()) if match else None


def parse(text: str) -> list[tuple[str, str, list[str], list[list[str]]]]:
    """(title, png name, header, rows) of every table preceded by an image link."""
    found = []
    pending: tuple[str, str] | None = None
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        image = _IMAGE.match(line.strip())
        if image:
            pending = (image["title"], image["file"])
        elif line.lstrip().startswith("|") and pending is not None:
            block = []
            while index < len(lines) and lines[index].lstrip().startswith("|"):
                block.append(lines[index])
                index += 1
            if len(block) >= 3:
                found.append(
                    (pending[0], pending[1], _cells(block[0]), [_cells(row) for row in block[2:]])
                )
            pending = None
            continue
        index += 1
    return found


def plot(title: str, header: list[str], rows: list[list[str]], target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    measures: list[int] = []
    labels: list[int] = []
    for column, name in enumerate(header):
        values = [row[column] if column < len(row) else "" for row in rows]
        numeric = [_number(v) for v in values if v not in ("", "-", "\u2013")]
        if numeric and all(n is not None for n in numeric):
            if " / " not in name:  # ratios (ours / this, this / boto3): the bars show them
                measures.append(column)
        else:
            labels.append(column)
    # "read MiB/s, rclone" + "read MiB/s, s3rver" -> panel "read MiB/s", series per server
    panels: dict[str, list[tuple[str, int]]] = {}
    for column in measures:
        name = header[column]
        metric, _, series = name.rpartition(", ")
        if not metric or sum(h.startswith(metric + ", ") for h in header) < 2:
            metric, series = name, ""
        panels.setdefault(metric, []).append((series, column))
    row_names = [" · ".join(row[c] for c in labels if c < len(row)) for row in rows]
    count = max(len(panels), 1)
    height = 0.8 + 0.28 * len(rows) * max((len(s) for s in panels.values()), default=1)
    figure, axes = plt.subplots(
        1, count, figsize=(5.2 * count + 2.5, height), squeeze=False, sharey=True
    )
    for axis, (metric, group) in zip(axes[0], panels.items(), strict=False):
        width = 0.8 / len(group)
        for number, (server, column) in enumerate(group):
            numbers = [_number(row[column]) if column < len(row) else None for row in rows]
            positions = [i - 0.4 + width * (number + 0.5) for i in range(len(rows))]
            bars = axis.barh(
                positions, [n or 0 for n in numbers], height=width * 0.92, label=server or None
            )
            axis.bar_label(
                bars,
                labels=["" if n is None else f"{n:,.4g}" for n in numbers],
                fontsize=7,
                padding=2,
            )
        axis.set_title(metric, fontsize=9)
        axis.tick_params(axis="x", labelsize=7)
        axis.margins(x=0.18)
        if any(server for server, _ in group):
            axis.legend(fontsize=7, loc="lower right")
    axes[0][0].set_yticks(range(len(rows)))
    axes[0][0].set_yticklabels(row_names, fontsize=7)
    axes[0][0].invert_yaxis()
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(target, dpi=110, bbox_inches="tight")
    plt.close(figure)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    markdown = Path(sys.argv[1])
    for title, name, header, rows in parse(markdown.read_text()):
        target = markdown.parent / name
        plot(title, header, rows, target)
        print(f"chart: {target}")


if __name__ == "__main__":
    main()
