"""Installs the built-in ``megfile`` commands on the group."""

from __future__ import annotations

import click

from megfile_core.cli import config, content, info, listing, transfer
from megfile_core.cli.completion import completion_group

__all__ = ["install"]


def install(cli: click.Group, config_group: click.Group) -> None:
    for command in (
        listing.ls_command,
        listing.ll_command,
        content.cat_command,
        content.head_command,
        content.tail_command,
        content.to_command,
        content.edit_command,
        transfer.cp_command,
        transfer.mv_command,
        transfer.sync_command,
        transfer.rm_command,
        transfer.mkdir_command,
        transfer.touch_command,
        info.md5sum_command,
        info.size_command,
        info.mtime_command,
        info.stat_command,
        info.version_command,
        info.plugins_command,
        completion_group,
    ):
        cli.add_command(command)
    config_group.add_command(config.alias_command)
    config_group.add_command(config.env_command)
