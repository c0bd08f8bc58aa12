"""Start-up cost: `import megfile_core` and `megfile ls DIR`, against the peers.

    bash benchmarks/setup_peers.sh            # once: megfile 5.0.18, fsspec ... in .peers
    .venv/bin/python benchmarks/bench_startup.py [--runs 21]

Each figure is the median wall time of fresh processes; "import" figures are reported
over a bare interpreter started the same way. Byte-code caches are warm (one untimed
run first), as for any installed package. The table is printed and written to
``--results-dir`` (default ``docs/results``) as ``bench_startup.md`` with a PNG chart
(``benchmarks/results.py``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS = HERE / ".peers" / "bin" / "python"
sys.path.insert(0, str(HERE))

from results import DEFAULT_RESULTS_DIR, Table, save_tables  # noqa: E402


def timed(cmd: list[str], runs: int, env: dict[str, str]) -> float:
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument(
        "--results-dir",
        default=str(DEFAULT_RESULTS_DIR),
        help="where bench_startup.md and its PNG chart go",
    )
    parser.add_argument("--label", default="", help="a line written above the table")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    ours = sys.executable
    megfile_cli = str(Path(ours).parent / "megfile")
    rows = []
    bare = timed([ours, "-c", "pass"], args.runs, env)
    rows.append(("bare interpreter (ours)", bare, 0.0))
    for label, code in (
        ("import megfile_core", "import megfile_core"),
        (
            "from megfile_core import smart_open",
            "from megfile_core import smart_open, smart_listdir; smart_listdir('.')",
        ),
    ):
        value = timed([ours, "-c", code], args.runs, env)
        rows.append((label, value, value - bare))
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(50):
            Path(tmp, f"file{index:03d}.txt").write_text("x" * index)
        ls_ours = timed([megfile_cli, "ls", tmp], args.runs, env)
        rows.append(("megfile_core: megfile ls DIR", ls_ours, 0.0))
        cat_ours = timed([megfile_cli, "cat", str(Path(tmp, "file010.txt"))], args.runs, env)
        rows.append(("megfile_core: megfile cat FILE", cat_ours, 0.0))
        if PEERS.exists():
            peer_bare = timed([str(PEERS), "-c", "pass"], args.runs, env)
            for label, code in (
                ("import megfile (5.0.18)", "import megfile"),
                ("import fsspec", "import fsspec"),
            ):
                value = timed([str(PEERS), "-c", code], args.runs, env)
                rows.append((label, value, value - peer_bare))
            peer_cli = str(PEERS.parent / "megfile")
            ls_peer = timed([peer_cli, "ls", tmp], args.runs, env)
            cat_peer = timed([peer_cli, "cat", str(Path(tmp, "file010.txt"))], args.runs, env)
            rows.append(("megfile 5.0.18: megfile ls DIR", ls_peer, 0.0))
            rows.append(("megfile 5.0.18: megfile cat FILE", cat_peer, 0.0))
            rows.append(("ratio ls ours/megfile", ls_ours / ls_peer, 0.0))
            rows.append(("ratio cat ours/megfile", cat_ours / cat_peer, 0.0))
        else:
            print("(peers missing: run benchmarks/setup_peers.sh for side-by-side figures)")
    print(f"{'measure':42} {'median ms':>10} {'over bare':>10}")
    lines = ["| measure | median ms | over bare interpreter, ms |", "|---|---|---|"]
    notes = []
    for label, value, over in rows:
        if label.startswith("ratio"):
            print(f"{label:42} {value:10.2f}")
            notes.append(f"{label}: {value:.2f}")
        else:
            print(f"{label:42} {value:10.1f} {over:10.1f}")
            lines.append(
                f"| {label} | {value:.1f} | {over:.1f} |"
                if over
                else f"| {label} | {value:.1f} | - |"
            )
    save_tables(
        "bench_startup",
        [Table("startup", f"Start-up, medians of {args.runs} fresh processes", lines, notes)],
        args.results_dir,
        header=args.label,
    )


if __name__ == "__main__":
    main()
