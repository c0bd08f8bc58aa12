"""Where benchmark scripts put their tables: one Markdown file per script run, with
a PNG chart of every table beside it (drawn by ``benchmarks/plot_tables.py``).

    from results import Table, save_tables
    save_tables("bench_s3", [Table("seq", "Sequential, 512 MiB", lines)], results_dir)

writes ``results_dir/bench_s3.md``: per table a heading, the image link
``![title](bench_s3-seq.png)`` and the table; then the charts. matplotlib is a
benchmark dependency only (``benchmarks/setup_peers.sh`` puts it into
``benchmarks/.peers``): the plotter runs in this interpreter when it has matplotlib,
else in the peers' one, else the charts are skipped with a note. The library never
imports any of this.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DEFAULT_RESULTS_DIR", "Table", "save_tables"]

HERE = Path(__file__).resolve().parent
PEERS_PYTHON = HERE / ".peers" / "bin" / "python"
PLOTTER = HERE / "plot_tables.py"
#: docs/benchmarks.md links the charts here with relative paths
DEFAULT_RESULTS_DIR = HERE.parent / "docs" / "results"


@dataclass
class Table:
    """``slug`` names the PNG (``NAME-SLUG.png``); ``lines`` is the Markdown table."""

    slug: str
    title: str
    lines: list[str]
    notes: list[str] = field(default_factory=list)


def _plot_python() -> str | None:
    if importlib.util.find_spec("matplotlib") is not None:
        return sys.executable
    if PEERS_PYTHON.exists():
        return str(PEERS_PYTHON)
    return None


def save_tables(name: str, tables: list[Table], results_dir: Path | str, header: str = "") -> Path:
    """Write ``results_dir/NAME.md`` and one ``NAME-SLUG.png`` per table; returns
    the Markdown file."""
    out = Path(results_dir)
    out.mkdir(parents=True, exist_ok=True)
    text = [
        f"# {name}",
        "",
        f"Written {time.strftime('%Y-%m-%d %H:%M')} by `benchmarks/{name}.py`.",
        "",
    ]
    if header:
        text += [header, ""]
    for table in tables:
        text += [
            f"## {table.title}",
            "",
            f"![{table.title}]({name}-{table.slug}.png)",
            "",
            *table.lines,
            "",
        ]
        if table.notes:
            text += [*table.notes, ""]
    markdown = out / f"{name}.md"
    markdown.write_text("\n".join(text))
    python = _plot_python()
    if python is None:
        print(
            f"(no matplotlib: charts skipped; run benchmarks/setup_peers.sh, then "
            f"python benchmarks/plot_tables.py {markdown})"
        )
    else:
        subprocess.run([python, str(PLOTTER), str(markdown)], check=True, timeout=300)
    print(f"results: {markdown}")
    return markdown
