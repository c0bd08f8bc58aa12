"""Built-in ``megfile`` commands; each works on every protocol a plugin provides."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

__all__ = ["install"]


def _human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if abs(size) < 1024 or unit == "PB":
            return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} PB"


def _has_magic(path: str) -> bool:
    return any(c in path for c in "*?[{")


def _long_line(path: str, stat: Any, human: bool) -> str:
    size = f"{_human(stat.size):>10}" if human else f"{stat.size:12d}"
    mtime = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stat.mtime))
    return f"{size} {mtime} {path}"


@click.command("ls")
@click.argument("path", default=".")
@click.option("-l", "--long", "long_format", is_flag=True, help="Size and mtime too.")
@click.option("-r", "--recursive", is_flag=True, help="List everything below PATH.")
@click.option("-h", "--human-readable", "human", is_flag=True, help="Sizes like 1.2 MB.")
@click.option("-f", "--full", "full", is_flag=True, help="Print full paths.")
def ls_command(path: str, long_format: bool, recursive: bool, human: bool, full: bool) -> None:
    """List PATH (a directory, a file or a glob pattern)."""
    _list(path, long_format, recursive, human, full)


@click.command("ll")
@click.argument("path", default=".")
@click.option("-r", "--recursive", is_flag=True, help="List everything below PATH.")
@click.option("-f", "--full", "full", is_flag=True, help="Print full paths.")
def ll_command(path: str, recursive: bool, full: bool) -> None:
    """List PATH in long format with human-readable sizes (ls -l -h)."""
    _list(path, True, recursive, True, full)


def _list(path: str, long_format: bool, recursive: bool, human: bool, full: bool) -> None:
    from megfile_core.smart import smart_glob_stat
    from megfile_core.smart_path import SmartPath

    base = SmartPath(path)
    if _has_magic(path):
        # like megfile, a pattern is always recursive (`**`); -r does not change it
        entries = sorted(smart_glob_stat(path, recursive=True, missing_ok=False),
                         key=lambda e: e.path)
        names = [(e.path, e.stat) for e in entries]
    elif recursive:
        names = [(e.path, e.stat) for e in base.scan_stat(missing_ok=False)]
        if not full:
            root = str(base).rstrip("/") + "/"
            names = [(p[len(root):] if p.startswith(root) else p, s) for p, s in names]
    else:
        stat = base.stat()
        if stat.is_dir():
            with base.scandir() as it:
                entries = sorted(it, key=lambda e: e.name)
            names = [(e.path if full else e.name, e.stat) for e in entries]
        else:
            names = [(str(base) if full else base.name, stat)]
    out = sys.stdout
    total = 0
    for name, stat in names:
        total += stat.size
        out.write((_long_line(name, stat, human) if long_format else name) + "\n")
    if long_format:
        out.write(f"total({len(names)}): {_human(total) if human else total}\n")


@click.command("cat")
@click.argument("paths", nargs=-1, required=True)
def cat_command(paths: tuple[str, ...]) -> None:
    """Write the files to standard output."""
    from megfile_core.smart import smart_open

    out = sys.stdout.buffer
    for path in paths:
        with smart_open(path, "rb") as handle:
            while True:
                chunk = handle.read(1 << 20)
                if not chunk:
                    break
                out.write(chunk)
    out.flush()


def _isdir(path: str) -> bool:
    """``smart_isdir``, but a path whose backend cannot stat (``stdio://-``) is no
    directory, so ``cp`` treats it as a file (``megfile cp file stdio://1``)."""
    from megfile_core.errors import UnsupportedError
    from megfile_core.smart import smart_isdir

    try:
        return smart_isdir(path)
    except UnsupportedError:
        return False


def _target(src: str, dst: str, no_target_directory: bool) -> str:
    from megfile_core.smart import smart_path_join
    from megfile_core.smart_path import SmartPath

    if no_target_directory:
        return dst
    if dst.endswith("/") or _isdir(dst):
        return smart_path_join(dst, SmartPath(src).name)
    return dst


def _progress(enabled: bool) -> Any:
    if not enabled:
        return None
    from megfile_core.sync import StderrProgress

    return StderrProgress()


@click.command("cp")
@click.argument("src")
@click.argument("dst")
@click.option("-r", "--recursive", is_flag=True, help="Copy directories recursively.")
@click.option("-T", "--no-target-directory", is_flag=True, help="Treat DST as a file.")
@click.option("-g", "--progress-bar", is_flag=True, help="Show progress.")
@click.option("--skip", is_flag=True, help="Do not overwrite existing files.")
def cp_command(src: str, dst: str, recursive: bool, no_target_directory: bool,
               progress_bar: bool, skip: bool) -> None:
    """Copy SRC to DST (any two protocols)."""
    from megfile_core.smart import smart_copy, smart_exists
    from megfile_core.sync import sync

    target = _target(src, dst, no_target_directory)
    progress = _progress(progress_bar)
    try:
        if _isdir(src):
            if not recursive:
                raise click.UsageError(f"{src} is a directory: use cp -r")
            sync(src, target, force=not skip, overwrite=not skip, progress=progress)
        else:
            kept = progress is not None and skip and smart_exists(target)
            smart_copy(src, target, overwrite=not skip,
                       callback=progress.on_bytes if progress else None)
            if progress is not None:  # count the file, not only its bytes
                progress.on_file("skipped" if kept else "copied", src, target, 0)
    finally:
        if progress is not None:
            progress.close()


@click.command("sync")
@click.argument("src")
@click.argument("dst")
@click.option("-f", "--force", is_flag=True, help="Copy even files that look current.")
@click.option("--skip", is_flag=True, help="Never overwrite an existing file.")
@click.option("-w", "--worker", type=int, default=-1, show_default=True,
              help="Parallel copies (-1: MEGFILE_MAX_WORKERS).")
@click.option("-g", "--progress-bar", is_flag=True, help="Show progress.")
@click.option("--dry-run", is_flag=True, help="Print what would be copied, copy nothing.")
@click.option("-q", "--quiet", is_flag=True, help="No summary line.")
def sync_command(src: str, dst: str, force: bool, skip: bool, worker: int,
                 progress_bar: bool, dry_run: bool, quiet: bool) -> None:
    """Make DST hold every file of SRC, copying only what differs."""
    from megfile_core.sync import sync

    if worker == 0 or worker < -1:
        raise click.BadParameter("must be -1 or at least 1", param_hint="--worker")
    progress = _progress(progress_bar)
    try:
        result = sync(src, dst, force=force, overwrite=not skip, dry_run=dry_run,
                      max_workers=None if worker == -1 else worker, progress=progress)
    finally:
        if progress is not None:
            progress.close()
    for source, target in result.planned:
        click.echo(f"would copy {source} -> {target}")
    if not quiet:
        click.echo(f"{'planned' if dry_run else 'copied'} "
                   f"{len(result.planned) if dry_run else result.copied} files, "
                   f"skipped {result.skipped}, {_human(result.bytes)} in "
                   f"{result.seconds:.2f}s", err=True)


@click.command("rm")
@click.argument("paths", nargs=-1, required=True)
@click.option("-r", "--recursive", is_flag=True, help="Remove directories and their content.")
@click.option("-f", "--force", is_flag=True, help="Ignore missing paths.")
def rm_command(paths: tuple[str, ...], recursive: bool, force: bool) -> None:
    """Remove files (and with -r, directories)."""
    from megfile_core.smart import smart_isdir, smart_remove, smart_unlink

    for path in paths:
        if smart_isdir(path):
            if not recursive:
                raise click.UsageError(f"{path} is a directory: use rm -r")
            smart_remove(path, missing_ok=force)
        else:
            smart_unlink(path, missing_ok=force)


@click.command("mkdir")
@click.argument("path")
def mkdir_command(path: str) -> None:
    """Create a directory and its parents (no error when it exists)."""
    from megfile_core.smart import smart_makedirs

    smart_makedirs(path, exist_ok=True)


@click.command("version")
def version_command() -> None:
    """Print the megfile-core version."""
    from megfile_core import __version__

    click.echo(__version__)


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def plugins_command(as_json: bool) -> None:
    """List installed plugins, their protocols and hooks, and broken ones."""
    from megfile_core import plugins

    listed = plugins.list_plugins()
    broken = plugins.broken_plugins()
    if as_json:
        click.echo(json.dumps({
            "plugins": listed,
            "broken": [{"name": b.name, "distribution": b.distribution,
                        "reason": b.reason, "traceback": b.traceback} for b in broken],
        }, indent=2))
        return
    for item in listed:
        origin = "built-in" if item["builtin"] else (item["distribution"] or item["module"])
        click.echo(f"{item['name']} {item['version'] or ''} ({origin})".replace("  ", " "))
        click.echo(f"  protocols: {', '.join(item['protocols']) or '-'}")
        click.echo(f"  hooks: {', '.join(item['hooks']) or '-'}")
    for bad in broken:
        click.echo(f"{bad.name} (broken, {bad.distribution or 'unknown distribution'})")
        click.echo(f"  reason: {bad.reason}")


def install(cli: click.Group, config: click.Group) -> None:
    for command in (ls_command, ll_command, cat_command, cp_command, sync_command,
                    rm_command,
                    mkdir_command, version_command, plugins_command):
        cli.add_command(command)
