"""Where S3 settings come from, resolved on every call (nothing is frozen at import).

Precedence, first found wins, for ``s3://`` (no profile) and ``s3+NAME://`` (profile
``NAME``; every environment name then carries the prefix ``NAME__``, upper-cased):

1. environment: ``AWS_ACCESS_KEY_ID`` + ``AWS_SECRET_ACCESS_KEY`` (+
   ``AWS_SESSION_TOKEN``); endpoint from ``OSS_ENDPOINT``, then
   ``AWS_ENDPOINT_URL_S3``, then ``AWS_ENDPOINT_URL``; ``AWS_S3_ADDRESSING_STYLE``,
   ``AWS_S3_VERIFY``, ``AWS_S3_REDIRECT``, ``AWS_S3_UPLOAD_CHECKSUM``;
2. the profile's section in ``~/.aws/credentials`` and ``~/.aws/config``
   (``AWS_SHARED_CREDENTIALS_FILE`` / ``AWS_CONFIG_FILE`` move them): keys, the
   nested ``s3 =`` block (``endpoint_url``, ``addressing_style``,
   ``signature_version``, ``verify``, ``redirect``, ``upload_checksum``) and a
   top-level ``endpoint_url``;
   without a profile the section is ``AWS_PROFILE`` or ``default``;
3. boto3's own chain (instance roles, SSO ...) for whatever is still missing, and
   boto3's regional AWS endpoint when no endpoint is configured.

Unlike megfile 5.0.18, ``AWS_PROFILE`` never hides the plain ``AWS_*`` variables,
and a profile configured nowhere raises :class:`~megfile_s3.errors.S3ConfigError`
naming every place looked at, instead of silently using the default endpoint.
"""

from __future__ import annotations

import configparser
import os
import threading
from dataclasses import dataclass, field

from megfile_core import config as core_config

__all__ = [
    "ENDPOINT_ENV",
    "UPLOAD_CHECKSUMS",
    "S3Settings",
    "cache_mode",
    "config_files",
    "env_name",
    "mask",
    "max_retry_times",
    "resolve",
]

ENDPOINT_ENV = ("OSS_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
#: how upload bodies are protected (:mod:`megfile_s3.integrity`); the first is the default
UPLOAD_CHECKSUMS = ("crc32", "md5", "sha256")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def env_name(name: str, profile: str | None) -> str:
    """``AWS_ACCESS_KEY_ID`` for ``s3://``, ``PROD__AWS_ACCESS_KEY_ID`` for ``s3+prod://``."""
    return f"{profile}__{name}".upper() if profile else name


def mask(secret: str | None) -> str:
    """``AKIAABCDEFGHWXYZ`` -> ``AKIA****WXYZ``; short values are hidden entirely."""
    if not secret:
        return "<none>"
    if len(secret) <= 8:
        return "****"
    return f"{secret[:4]}****{secret[-4:]}"


def max_retry_times() -> int:
    """Attempts per API call: ``MEGFILE_S3_MAX_RETRY_TIMES`` (default 10)."""
    value = core_config.max_retry_times("s3")
    if value < 1:
        raise ValueError(f"MEGFILE_S3_MAX_RETRY_TIMES must be at least 1, got {value}")
    return value


def cache_mode() -> str:
    """``thread_local`` (default) or ``process_local``: how clients are shared."""
    mode = os.environ.get("MEGFILE_S3_CLIENT_CACHE_MODE", "").strip() or "thread_local"
    if mode not in ("thread_local", "process_local"):
        raise ValueError(
            f"MEGFILE_S3_CLIENT_CACHE_MODE={mode!r}: use thread_local or process_local"
        )
    return mode


def config_files() -> tuple[str, str]:
    """(credentials file, config file), as boto3 finds them."""
    credentials = os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    conf = os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"
    return os.path.expanduser(credentials), os.path.expanduser(conf)


_lock = threading.Lock()
_parsed: dict[str, tuple[int, int, dict[str, dict[str, str]]]] = {}


def _new_lock_after_fork() -> None:
    global _lock
    _lock = threading.Lock()  # another thread may have held it at the fork


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_lock_after_fork)


def _read_ini(path: str) -> dict[str, dict[str, str]]:
    """Sections of an AWS-style INI file (cached by mtime and size); {} when missing."""
    try:
        info = os.stat(path)
    except OSError:
        return {}
    with _lock:
        cached = _parsed.get(path)
        if cached and cached[:2] == (info.st_mtime_ns, info.st_size):
            return cached[2]
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as error:
        from megfile_s3.errors import S3ConfigError

        raise S3ConfigError(f"cannot parse {path}: {error}") from None
    sections = {name: dict(parser.items(name)) for name in parser.sections()}
    with _lock:
        _parsed[path] = (info.st_mtime_ns, info.st_size, sections)
    return sections


def _nested(value: str) -> dict[str, str]:
    """The indented ``key = value`` lines of a nested block such as ``s3 =``."""
    result = {}
    for line in value.splitlines():
        key, sep, item = line.partition("=")
        if sep and key.strip():
            result[key.strip()] = item.strip()
    return result


def profile_section(profile: str) -> dict[str, str]:
    """The merged section of ``profile`` in the AWS files (credentials file over
    config file), as botocore reads a profile's ``region`` and the like."""
    return _section(profile)[0]


def _section(profile: str) -> tuple[dict[str, str], list[str]]:
    """The merged section of ``profile`` (credentials file over config file) and the
    files that hold it."""
    credentials_path, config_path = config_files()
    merged: dict[str, str] = {}
    found = []
    conf = _read_ini(config_path)
    names = (
        [f"profile {profile}", profile] if profile != "default" else ["default", "profile default"]
    )
    for name in names:
        if name in conf:
            merged.update(conf[name])
            found.append(f"{config_path} [{name}]")
            break
    creds = _read_ini(credentials_path)
    if profile in creds:
        section = dict(creds[profile])
        if "s3" in merged and "s3" in section:  # the nested blocks merge key by key
            section["s3"] = merged["s3"] + "\n" + section["s3"]  # (credentials win)
        merged.update(section)
        found.append(f"{credentials_path} [{profile}]")
    return merged, found


def _parse_bool(raw: str | None, name: str, default: bool) -> bool:
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={raw!r} must be true or false")


@dataclass(frozen=True)
class S3Settings:
    """Everything a client needs for one profile; ``repr`` never shows the secret."""

    profile: str | None
    access_key: str | None
    secret_key: str | None = field(repr=False)
    session_token: str | None = field(repr=False)
    endpoint_url: str | None
    addressing_style: str | None
    signature_version: str | None
    verify: bool
    redirect: bool
    #: ``crc32`` / ``md5`` / ``sha256``: the check every uploaded body carries
    upload_checksum: str
    #: the boto3 profile to build the session with (a section that exists), or None
    session_profile: str | None
    #: where the credentials and the endpoint came from, for error hints
    credentials_source: str
    endpoint_source: str

    @property
    def endpoint_text(self) -> str:
        return self.endpoint_url or "the AWS default endpoint"

    def describe(self) -> str:
        """Where this configuration came from, for error messages (no secret)."""
        return (
            f"endpoint {self.endpoint_text} (from {self.endpoint_source}), access key "
            f"{mask(self.access_key)} (from {self.credentials_source})"
        )

    def hint(self) -> str:
        """Which settings to check, by name."""
        p = self.profile
        keys = ", ".join(
            env_name(n, p)
            for n in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
        )
        endpoints = " / ".join(env_name(n, p) for n in ENDPOINT_ENV)
        credentials_path, config_path = config_files()
        section = p or os.environ.get("AWS_PROFILE") or "default"
        return (
            f"check {keys} and {endpoints}, or the [{section}] sections of "
            f"{credentials_path} and {config_path} (`megfile config s3` writes them)"
        )


_resolved: dict[str | None, tuple[tuple[object, ...], S3Settings]] = {}
_files: tuple[int, tuple[str, str]] | None = None


def _stat_key(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def resolve(profile: str | None = None) -> S3Settings:
    """The settings of ``s3://`` (``profile=None``) or ``s3+profile://``, as they
    are now: kept until the environment (:func:`megfile_core.config.environ_version`)
    or either AWS file (mtime, size) changes, so a call costs two ``stat`` calls
    instead of ~30 environment lookups and parsing the ``s3 =`` block."""
    global _files
    version = core_config.environ_version()
    files = _files
    if files is None or files[0] != version:
        files = _files = (version, config_files())
    key = (version, _stat_key(files[1][0]), _stat_key(files[1][1]))
    cached = _resolved.get(profile)
    if cached is not None and cached[0] == key:
        return cached[1]
    settings = _resolve(profile)
    if len(_resolved) > 64:  # profiles are few; keep it bounded anyway
        _resolved.clear()
    _resolved[profile] = (key, settings)
    return settings


def _resolve(profile: str | None) -> S3Settings:
    """:func:`resolve`, read now."""
    env = os.environ
    access_key = env.get(env_name("AWS_ACCESS_KEY_ID", profile)) or None
    secret_key = env.get(env_name("AWS_SECRET_ACCESS_KEY", profile)) or None
    token = env.get(env_name("AWS_SESSION_TOKEN", profile)) or None
    credentials_source = "environment" if access_key and secret_key else ""

    section_name = profile or env.get("AWS_PROFILE") or "default"
    section, found_in = _section(section_name)
    s3_block = _nested(section.get("s3", ""))

    endpoint = None
    endpoint_source = "boto3 default"
    for name in ENDPOINT_ENV:
        value = env.get(env_name(name, profile))
        if value:
            endpoint, endpoint_source = value, env_name(name, profile)
            break
    else:
        if s3_block.get("endpoint_url"):
            endpoint = s3_block["endpoint_url"]
            endpoint_source = f"s3.endpoint_url in {' / '.join(found_in)}"
        elif section.get("endpoint_url"):
            endpoint = section["endpoint_url"]
            endpoint_source = f"endpoint_url in {' / '.join(found_in)}"

    if not credentials_source:
        file_key = section.get("aws_access_key_id")
        file_secret = section.get("aws_secret_access_key")
        if not access_key:
            access_key = file_key
        if not secret_key:
            secret_key = file_secret
        if not token:
            token = section.get("aws_session_token")
        if access_key and secret_key:
            credentials_source = " / ".join(found_in) or "files"
        else:
            credentials_source = "boto3's credential chain"

    prefixed = [
        env_name(n, profile) for n in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", *ENDPOINT_ENV)
    ]
    if profile and not found_in and not any(env.get(n) for n in prefixed):
        from megfile_s3.errors import S3ConfigError

        credentials_path, config_path = config_files()
        raise S3ConfigError(
            f"S3 profile {profile!r} (from s3+{profile}://) is configured nowhere: looked "
            f"for {', '.join(prefixed)} in the environment, [{profile}] in "
            f"{credentials_path} and [profile {profile}] in {config_path}. Set them, or "
            f"run `megfile config s3 ACCESS_KEY SECRET_KEY -n {profile} -e ENDPOINT`"
        )

    style = (
        env.get(env_name("AWS_S3_ADDRESSING_STYLE", profile))
        or s3_block.get("addressing_style")
        or None
    )
    if style is not None and style not in ("auto", "path", "virtual"):
        raise ValueError(f"S3 addressing style {style!r}: use auto, path or virtual")
    verify_name = env_name("AWS_S3_VERIFY", profile)
    redirect_name = env_name("AWS_S3_REDIRECT", profile)
    verify = _parse_bool(env.get(verify_name) or s3_block.get("verify"), verify_name, True)
    redirect = _parse_bool(env.get(redirect_name) or s3_block.get("redirect"), redirect_name, False)
    checksum_name = env_name("AWS_S3_UPLOAD_CHECKSUM", profile)
    checksum = (
        (env.get(checksum_name) or s3_block.get("upload_checksum") or UPLOAD_CHECKSUMS[0])
        .strip()
        .lower()
    )
    if checksum not in UPLOAD_CHECKSUMS:
        raise ValueError(
            f"{checksum_name} (or s3.upload_checksum) is {checksum!r}: use "
            f"{', '.join(UPLOAD_CHECKSUMS)}"
        )
    return S3Settings(
        profile=profile,
        access_key=access_key,
        secret_key=secret_key,
        session_token=token,
        endpoint_url=endpoint,
        addressing_style=style,
        signature_version=s3_block.get("signature_version") or None,
        verify=verify,
        redirect=redirect,
        upload_checksum=checksum,
        session_profile=section_name if found_in else None,
        credentials_source=credentials_source,
        endpoint_source=endpoint_source,
    )
