"""``megfile config s3``: write one profile into an ~/.aws/credentials-style file.

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

import os
import re

__all__ = ["render_profile", "write_profile"]

_HEADER = re.compile(r"^\s*\[([^\]]+)\]\s*$")


def render_profile(
    name: str, access_key: str, secret_key: str, *, session_token: str | None = None,
    endpoint_url: str | None = None, addressing_style: str | None = None,
    signature_version: str | None = None,
) -> str:
    lines = [f"[{name}]", f"aws_access_key_id = {access_key}",
             f"aws_secret_access_key = {secret_key}"]
    if session_token:
        lines.append(f"aws_session_token = {session_token}")
    nested = [(k, v) for k, v in (("endpoint_url", endpoint_url),
                                  ("addressing_style", addressing_style),
                                  ("signature_version", signature_version)) if v]
    if nested:
        lines.append("s3 =")
        lines += [f"    {key} = {value}" for key, value in nested]
    return "\n".join(lines) + "\n"


def write_profile(
    path: str, name: str, access_key: str, secret_key: str, *, cover: bool = True,
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
                        "to replace it")
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
