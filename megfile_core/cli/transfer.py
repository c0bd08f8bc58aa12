"""Commands that copy, move or remove: cp, mv, sync, rm, mkdir, touch."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from typing import Any

import click

import megfile_core
from megfile_core.cli.completion import complete_path
from megfile_core.cli.compressed import copy_compressed, required_codec
from megfile_core.cli.util import is_dir, target_path
from megfile_core.glob import has_magic
from megfile_core.progress import CliProgress

__all__ = [
    "cp_command",
    "mkdir_command",
    "mv_command",
    "rm_command",
    "sync_command",
    "touch_command",
]


def _progress(bar: bool, quiet: bool = False, verbose: bool = False) -> CliProgress | None:
    """``-g`` forces a bar; on a terminal a long tree copy shows one after a second."""
    if quiet:
        return None
    if bar:
        return CliProgress(force=True, verbose=verbose)
    if (sys.stdout.isatty() and sys.stderr.isatty()) or verbose:
        return CliProgress(delay=1.0, verbose=verbose)
    return None


def _glob_root(pattern: str) -> str:
    """The directory before the first wildcard: ``s3://b/d/*.txt`` -> ``s3://b/d``."""
    index = min(pattern.find(c) for c in "*?[{" if c in pattern)
    head = pattern[:index]
    return head[: head.rfind("/")] if "/" in head else "."


def _glob_entries(pattern: str) -> Iterator[Any]:
    for entry in megfile_core.smart_glob_stat(pattern, missing_ok=False):
        if entry.stat.is_dir():
            yield from megfile_core.smart_scan_stat(entry.path)
        else:
            yield entry


def _copy_tree(
    src: str,
    dst: str,
    progress: CliProgress | None,
    *,
    force: bool,
    skip: bool,
    workers: int | None = None,
    dry_run: bool = False,
    checksum: bool = False,
    resume: bool = False,
    executor: Any = None,
) -> Any:
    from megfile_core.sync import sync

    options: dict[str, Any] = {
        "force": force,
        "overwrite": not skip,
        "max_workers": workers,
        "progress": progress,
        "dry_run": dry_run,
        "checksum": checksum,
        "resume": resume,
        "executor": executor,
    }
    if has_magic(src):
        return sync(_glob_root(src), dst, src_file_stats=_glob_entries(src), **options)
    return sync(src, dst, **options)


def _copy(
    src: str,
    dst: str,
    recursive: bool,
    no_target_directory: bool,
    progress_bar: bool,
    skip: bool,
    move: bool,
    codecs: tuple[str | None, str | None] = (None, None),
    resume: bool = False,
) -> None:
    target = target_path(src, dst, no_target_directory)
    verb = "mv" if move else "cp"
    source_is_dir = is_dir(src)
    if source_is_dir and not recursive:
        raise click.UsageError(f"{src} is a directory: use {verb} -r")
    if source_is_dir and codecs != (None, None):
        raise click.UsageError("--compress and --decompress copy one file, not a directory")
    progress = (
        _progress(progress_bar)
        if source_is_dir
        else (CliProgress(force=True) if progress_bar else None)
    )
    try:
        if source_is_dir:
            if move and not skip:
                megfile_core.smart_move(src, target)
            elif move:  # delete only what was copied: a skipped source file stays
                from megfile_core.sync import sync

                unlink = megfile_core.smart_unlink
                sync(
                    src,
                    target,
                    overwrite=False,
                    progress=progress,
                    callback_after_copy_file=lambda copied, _dst: unlink(copied),
                )
            else:
                _copy_tree(src, target, progress, force=not skip, skip=skip, resume=resume)
        else:
            kept = skip and megfile_core.smart_exists(target)
            if progress is not None:
                try:
                    size = megfile_core.smart_stat(src).size
                except Exception:
                    size = 0
                progress.on_file("queued", src, target, size)
            if not kept:
                if move:
                    megfile_core.smart_move(src, target)
                elif codecs != (None, None):
                    copy_compressed(src, target, codecs, progress.on_bytes if progress else None)
                else:
                    _copy_file(src, target, progress, resume)
            if progress is not None:
                progress.on_file("skipped" if kept else "copied", src, target, 0)
    finally:
        if progress is not None:
            progress.close()
    if progress is not None and (progress_bar or progress.shown):
        click.echo(progress.summary(), err=True)


def _copy_file(src: str, dst: str, progress: CliProgress | None, resume: bool) -> None:
    callback = progress.on_bytes if progress else None
    if not resume:
        megfile_core.smart_copy(src, dst, callback=callback)
        return
    from megfile_core.io.copy import copy_file
    from megfile_core.smart_path import as_smart_path

    source, target = as_smart_path(src).pathlike, as_smart_path(dst).pathlike
    copy_file(source, target, resume=True, callback=callback)


_RESUME_HELP = (
    "Resume an upload of a large local file to S3 that an interrupted run left "
    "open (state under MEGFILE_RESUME_DIR); see docs/sync.md."
)

_COPY_OPTIONS = [
    click.option("-r", "--recursive", is_flag=True, help="Work on directories and their content."),
    click.option("-T", "--no-target-directory", is_flag=True, help="Treat DST as a file path."),
    click.option("-g", "--progress-bar", is_flag=True, help="Show progress."),
    click.option("--skip", is_flag=True, help="Keep files that already exist at DST."),
]


def _copy_options(func: Any) -> Any:
    for option in reversed(_COPY_OPTIONS):
        func = option(func)
    return func


@click.command("cp")
@click.argument("src", shell_complete=complete_path)
@click.argument("dst", shell_complete=complete_path)
@_copy_options
@click.option(
    "--compress",
    is_flag=True,
    help="Compress DST with the codec its suffix names (.gz, .bz2, .xz, .zst).",
)
@click.option(
    "--decompress",
    is_flag=True,
    help="Decompress SRC with the codec its suffix names (.gz, .bz2, .xz, .zst).",
)
@click.option("--resume", is_flag=True, help=_RESUME_HELP)
def cp_command(
    src: str,
    dst: str,
    recursive: bool,
    no_target_directory: bool,
    progress_bar: bool,
    skip: bool,
    compress: bool,
    decompress: bool,
    resume: bool,
) -> None:
    """Copy SRC to DST (any two protocols); bytes as stored unless --compress or
    --decompress (both: recompress, e.g. a.gz to a.zst)."""
    codecs = (
        required_codec(src, "--decompress", "SRC") if decompress else None,
        required_codec(target_path(src, dst, no_target_directory), "--compress", "DST")
        if compress
        else None,
    )
    if resume and codecs != (None, None):
        raise click.UsageError(
            "--resume copies the bytes as stored: not with --compress or --decompress"
        )
    _copy(src, dst, recursive, no_target_directory, progress_bar, skip, False, codecs, resume)


@click.command("mv")
@click.argument("src", shell_complete=complete_path)
@click.argument("dst", shell_complete=complete_path)
@_copy_options
def mv_command(
    src: str, dst: str, recursive: bool, no_target_directory: bool, progress_bar: bool, skip: bool
) -> None:
    """Move SRC to DST: a rename on one backend, else copy then delete."""
    _copy(src, dst, recursive, no_target_directory, progress_bar, skip, move=True)


@click.command("sync")
@click.argument("src", shell_complete=complete_path)
@click.argument("dst", shell_complete=complete_path)
@click.option("-f", "--force", is_flag=True, help="Copy even files that look current.")
@click.option("--skip", is_flag=True, help="Never overwrite an existing file.")
@click.option(
    "-w",
    "--worker",
    type=int,
    default=-1,
    show_default=True,
    help="Parallel copies (-1: MEGFILE_MAX_WORKERS).",
)
@click.option("-g", "--progress-bar", is_flag=True, help="Show progress.")
@click.option("-v", "--verbose", is_flag=True, help="Print every file copied or skipped.")
@click.option("-q", "--quiet", is_flag=True, help="No progress and no summary line.")
@click.option("--dry-run", is_flag=True, help="Print what would be copied, copy nothing.")
@click.option(
    "--checksum",
    is_flag=True,
    help="A file is current when its content hash matches (S3 ETag when it is an "
    "MD5, else computed), not its size and mtime.",
)
@click.option("--resume", is_flag=True, help=_RESUME_HELP)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Copy on a Dask cluster: tcp://HOST:PORT, or local:N to start N worker "
    "processes here (needs megfile-core[dask]; the workers need the same credentials).",
)
def sync_command(
    src: str,
    dst: str,
    force: bool,
    skip: bool,
    worker: int,
    progress_bar: bool,
    verbose: bool,
    quiet: bool,
    dry_run: bool,
    checksum: bool,
    resume: bool,
    scheduler: str | None,
) -> None:
    """Make DST hold every file of SRC (a file, a directory or a glob), copying only
    what differs; copying starts while SRC is still being listed."""
    if worker == 0 or worker < -1:
        raise click.BadParameter("must be -1 or at least 1", param_hint="--worker")
    from megfile_core.sync import SyncUnsafeEntriesError

    executor = _scheduler(scheduler) if scheduler else None
    progress = _progress(progress_bar, quiet=quiet, verbose=verbose)
    counter = progress or CliProgress(stream=io.StringIO())
    unsafe = None
    try:
        result = _copy_tree(
            src,
            dst,
            counter,
            force=force,
            skip=skip,
            workers=None if worker == -1 else worker,
            dry_run=dry_run,
            checksum=checksum,
            resume=resume,
            executor=executor,
        )
    except SyncUnsafeEntriesError as error:  # the safe files were copied: say so first
        result, unsafe = error.result, error
    finally:
        counter.close()
        if executor is not None:
            executor.shutdown()
    for source, target in result.planned:
        click.echo(f"would copy {source} -> {target}")
    if not quiet:
        click.echo(counter.summary(dry_run=dry_run, planned=len(result.planned)), err=True)
    if unsafe is not None:
        raise unsafe  # exit status 1, the message names the skipped entries


def _scheduler(scheduler: str) -> Any:
    from megfile_core.distributed import dask_executor

    try:
        return dask_executor(scheduler)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--scheduler") from error


@click.command("rm")
@click.argument("paths", nargs=-1, required=True, shell_complete=complete_path)
@click.option("-r", "--recursive", is_flag=True, help="Remove directories and their content.")
@click.option("-f", "--force", is_flag=True, help="Ignore missing paths.")
def rm_command(paths: tuple[str, ...], recursive: bool, force: bool) -> None:
    """Remove files (and with -r, directories).

    As megfile: without -r each PATH is unlinked, so a directory fails with the
    backend's IsADirectoryError (exit 1) and -f does not hide that."""
    remove = megfile_core.smart_remove if recursive else megfile_core.smart_unlink
    for path in paths:
        remove(path, missing_ok=force)


@click.command("mkdir")
@click.argument("path", shell_complete=complete_path)
def mkdir_command(path: str) -> None:
    """Create a directory and its parents (no error when it exists)."""
    megfile_core.smart_makedirs(path, exist_ok=True)


@click.command("touch")
@click.argument("path", shell_complete=complete_path)
def touch_command(path: str) -> None:
    """Create an empty file, or update the mtime of an existing one."""
    megfile_core.smart_touch(path)
