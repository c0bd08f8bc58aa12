"""megfile hooks of the S3 plugin: import-light (no boto3, no click at import)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from megfile_core import hookimpl

if TYPE_CHECKING:
    import click

    from megfile_core.types import RegisterCopyFunc, RegisterProtocol


@hookimpl
def megfile_register_protocols(register: RegisterProtocol) -> None:
    register("s3", "megfile_s3.path:S3Path")


@hookimpl
def megfile_register_copy_funcs(register: RegisterCopyFunc) -> None:
    register("file", "s3", "megfile_s3.transfer:upload")
    register("s3", "file", "megfile_s3.transfer:download")
    register("s3", "s3", "megfile_s3.transfer:copy")


@hookimpl
def megfile_register_commands(cli: click.Group, config: click.Group) -> None:
    import click

    @config.command("s3", short_help="Write S3 credentials and endpoint for a profile")
    @click.argument("aws_access_key_id")
    @click.argument("aws_secret_access_key")
    @click.option("-p", "--path", default="~/.aws/credentials", show_default=True,
                  help="credentials file to write")
    @click.option("-n", "--profile-name", default="default", show_default=True,
                  help="profile (section) name; use it as s3+NAME://")
    @click.option("-e", "--endpoint-url", help="endpoint URL (s3.endpoint_url)")
    @click.option("-st", "--session-token", help="session token (aws_session_token)")
    @click.option("-as", "--addressing-style", type=click.Choice(["auto", "path", "virtual"]),
                  help="s3.addressing_style")
    @click.option("-sv", "--signature-version", help="s3.signature_version")
    @click.option("--no-cover", is_flag=True, help="fail instead of replacing an existing profile")
    def config_s3(aws_access_key_id: str, aws_secret_access_key: str, path: str,
                  profile_name: str, endpoint_url: str | None, session_token: str | None,
                  addressing_style: str | None, signature_version: str | None,
                  no_cover: bool) -> None:
        """Write AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and the other settings)
        into an ~/.aws/credentials-style file."""
        from megfile_s3.cli import write_profile

        try:
            target, replaced = write_profile(
                path, profile_name, aws_access_key_id, aws_secret_access_key,
                session_token=session_token, endpoint_url=endpoint_url,
                addressing_style=addressing_style, signature_version=signature_version,
                cover=not no_cover)
        except FileExistsError as error:
            raise click.ClickException(str(error)) from None
        # megfile's words (it calls every S3 profile an "oss config")
        if replaced:
            click.echo(f"The {profile_name} config has been updated.")
        click.echo(f"Your oss config has been saved into {target}")

    @cli.group("s3", short_help="S3-only maintenance commands")
    def s3_group() -> None:
        """Commands that only make sense on S3."""

    def _duration(_ctx: click.Context, _param: click.Parameter, value: str) -> Any:
        from megfile_s3.uploads import parse_duration

        try:
            return parse_duration(value)
        except ValueError as error:
            raise click.BadParameter(str(error)) from None

    @s3_group.command("abort-uploads", short_help="Abort stale multipart uploads under a prefix")
    @click.argument("url")
    @click.option("--older-than", required=True, callback=_duration, metavar="AGE",
                  help="only uploads started at least AGE ago: 30m, 24h, 7d, 2w (0s: all)")
    @click.option("--dry-run", is_flag=True, help="list what would be aborted, abort nothing")
    def abort_uploads(url: str, older_than: Any, dry_run: bool) -> None:
        """Abort the multipart uploads whose key starts with the key of URL
        (s3://bucket/prefix) and that were started more than --older-than ago.

        A process that is killed cannot abort its own upload; the parts it sent stay
        stored (and billed) until the upload is aborted. Prints one line per upload:
        URL, upload id, start time (UTC), age. The prefix is a plain key prefix: end
        it with / to stay inside one directory."""
        import datetime as dt

        from megfile_s3.uploads import abort_uploads as abort
        from megfile_s3.uploads import describe, format_age

        now = dt.datetime.now(dt.timezone.utc)
        scheme = url.partition("://")[0]
        chosen = abort(url, older_than, dry_run=dry_run, now=now,
                       report=lambda upload: click.echo(describe(upload, now, scheme)))
        verb = "would abort" if dry_run else "aborted"
        noun = "upload" if len(chosen) == 1 else "uploads"
        click.echo(f"{verb} {len(chosen)} {noun} older than {format_age(older_than)} "
                   f"under {url}", err=True)
