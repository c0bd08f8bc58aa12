"""The S3 commands: ``megfile config s3`` and ``megfile s3 abort-uploads``.

``megfile config s3`` writes one profile into an ~/.aws/credentials-style file.

The section keeps every other section (and its comments) untouched; settings that
boto3 reads from the nested ``s3 =`` block go there::

    [NAME]
    aws_access_key_id = ...
    aws_secret_access_key = ...
    aws_session_token = ...
    s3 =
        endpoint_url = ...
        addressing_style = ...
        signature_version = ...
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any

import click

from megfile_s3.uploads import abort_uploads as abort
from megfile_s3.uploads import describe, format_age, parse_duration

__all__ = ["config_s3", "render_profile", "s3_group", "write_profile"]

_HEADER = re.compile(r"^\s*\[([^\]]+)\]\s*$")


def render_profile(
    name: str,
    access_key: str,
    secret_key: str,
    *,
    session_token: str | None = None,
    endpoint_url: str | None = None,
    addressing_style: str | None = None,
    signature_version: str | None = None,
) -> str:
    lines = [
        f"[{name}]",
        f"aws_access_key_id = {access_key}",
        f"aws_secret_access_key = {secret_key}",
    ]
    if session_token:
        lines.append(f"aws_session_token = {session_token}")
    nested = [
        (k, v)
        for k, v in (
            ("endpoint_url", endpoint_url),
            ("addressing_style", addressing_style),
            ("signature_version", signature_version),
        )
        if v
    ]
    if nested:
        lines.append("s3 =")
        lines += [f"    {key} = {value}" for key, value in nested]
    return "\n".join(lines) + "\n"


def write_profile(
    path: str,
    name: str,
    access_key: str,
    secret_key: str,
    *,
    cover: bool = True,
    **settings: str | None,
) -> tuple[str, bool]:
    """Write section ``name``; returns (file, whether a section was replaced).

    ``FileExistsError`` when the section exists and ``cover`` is false. The file is
    created with mode 0600 and replaced atomically.
    """
    target = os.path.expanduser(path)
    section = render_profile(name, access_key, secret_key, **settings)
    try:
        with open(target, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        lines = []
    out: list[str] = []
    replaced = False
    skipping = False
    for line in lines:
        match = _HEADER.match(line)
        if match:
            skipping = match.group(1).strip() == name
            if skipping:
                if not cover:
                    raise FileExistsError(
                        f"profile [{name}] already exists in {target}; drop --no-cover "
                        "to replace it"
                    )
                replaced = True
                out.append(section.rstrip("\n"))
                continue
        if not skipping:
            out.append(line)
    if not replaced:
        if out and out[-1].strip():
            out.append("")
        out.append(section.rstrip("\n"))
    directory = os.path.dirname(target)
    if directory:
        os.makedirs(directory, exist_ok=True)
    temp = f"{target}.{os.getpid()}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(out) + "\n")
    os.replace(temp, target)
    return target, replaced


@click.command("s3", short_help="Write S3 credentials and endpoint for a profile")
@click.argument("aws_access_key_id")
@click.argument("aws_secret_access_key")
@click.option(
    "-p",
    "--path",
    default="~/.aws/credentials",
    show_default=True,
    help="credentials file to write",
)
@click.option(
    "-n",
    "--profile-name",
    default="default",
    show_default=True,
    help="profile (section) name; use it as s3+NAME://",
)
@click.option("-e", "--endpoint-url", help="endpoint URL (s3.endpoint_url)")
@click.option("-st", "--session-token", help="session token (aws_session_token)")
@click.option(
    "-as",
    "--addressing-style",
    type=click.Choice(["auto", "path", "virtual"]),
    help="s3.addressing_style",
)
@click.option("-sv", "--signature-version", help="s3.signature_version")
@click.option("--no-cover", is_flag=True, help="fail instead of replacing an existing profile")
def config_s3(
    aws_access_key_id: str,
    aws_secret_access_key: str,
    path: str,
    profile_name: str,
    endpoint_url: str | None,
    session_token: str | None,
    addressing_style: str | None,
    signature_version: str | None,
    no_cover: bool,
) -> None:
    """Write AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and the other settings)
    into an ~/.aws/credentials-style file."""
    try:
        target, replaced = write_profile(
            path,
            profile_name,
            aws_access_key_id,
            aws_secret_access_key,
            session_token=session_token,
            endpoint_url=endpoint_url,
            addressing_style=addressing_style,
            signature_version=signature_version,
            cover=not no_cover,
        )
    except FileExistsError as error:
        raise click.ClickException(str(error)) from None
    # megfile's words (it calls every S3 profile an "oss config")
    if replaced:
        click.echo(f"The {profile_name} config has been updated.")
    click.echo(f"Your oss config has been saved into {target}")


@click.group("s3", short_help="S3-only maintenance commands")
def s3_group() -> None:
    """Commands that only make sense on S3."""


def _duration(_ctx: click.Context, _param: click.Parameter, value: str) -> Any:
    try:
        return parse_duration(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@s3_group.command("abort-uploads", short_help="Abort stale multipart uploads under a prefix")
@click.argument("url")
@click.option(
    "--older-than",
    required=True,
    callback=_duration,
    metavar="AGE",
    help="only uploads started at least AGE ago: 30m, 24h, 7d, 2w (0s: all)",
)
@click.option("--dry-run", is_flag=True, help="list what would be aborted, abort nothing")
def abort_uploads(url: str, older_than: Any, dry_run: bool) -> None:
    """Abort the multipart uploads whose key starts with the key of URL
    (s3://bucket/prefix) and that were started more than --older-than ago.

    A process that is killed cannot abort its own upload; the parts it sent stay
    stored (and billed) until the upload is aborted. Prints one line per upload:
    URL, upload id, start time (UTC), age. The prefix is a plain key prefix: end
    it with / to stay inside one directory."""
    now = dt.datetime.now(dt.timezone.utc)
    scheme = url.partition("://")[0]
    chosen = abort(
        url,
        older_than,
        dry_run=dry_run,
        now=now,
        report=lambda upload: click.echo(describe(upload, now, scheme)),
    )
    verb = "would abort" if dry_run else "aborted"
    noun = "upload" if len(chosen) == 1 else "uploads"
    click.echo(
        f"{verb} {len(chosen)} {noun} older than {format_age(older_than)} under {url}", err=True
    )
