"""Configuration: ``MEGFILE_*`` variables and ``~/.config/megfile/megfile.conf``.

Nothing is frozen at import. Every getter reads ``os.environ`` when it is called, and
the config file is re-read when its modification time changes. The file's ``[env]``
section fills in variables the real environment lacks (it never overrides them);
``[alias]`` maps ``name`` to ``protocol`` or ``protocol://prefix``.
"""

from __future__ import annotations

import configparser
import os
import re
import threading

__all__ = [
    "apply_config_env",
    "config_path",
    "default_compression",
    "env_bool",
    "env_int",
    "env_size",
    "environ_version",
    "get_aliases",
    "list_workers",
    "max_workers",
    "parse_quantity",
    "read_config",
    "reader_block_size",
    "reader_max_buffer_size",
    "sync_workers",
    "writer_block_size",
    "writer_max_buffer_size",
]

_UNITS = {
    "": 1,
    "k": 10**3,
    "m": 10**6,
    "g": 10**9,
    "t": 10**12,
    "p": 10**15,
    "e": 10**18,
    "ki": 2**10,
    "mi": 2**20,
    "gi": 2**30,
    "ti": 2**40,
    "pi": 2**50,
    "ei": 2**60,
}
_QUANTITY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgtpe]i?)?b?\s*$", re.IGNORECASE)


def parse_quantity(value: str | int, name: str = "size") -> int:
    """Parse ``8Mi``, ``1G``, ``200ki``, ``4096`` (Kubernetes units) into bytes."""
    if isinstance(value, int):
        return value
    match = _QUANTITY.match(value)
    if not match:
        raise ValueError(
            f"{name}={value!r} is not a size: use a number with an optional unit "
            "such as 8Mi, 512Ki, 1G or 4096"
        )
    number, unit = match.group(1), (match.group(2) or "").lower()
    return int(float(number) * _UNITS[unit])


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"environment variable {name}={raw!r} must be an integer") from None


def env_size(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return parse_quantity(raw, name) if raw else default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"environment variable {name}={raw!r} must be true or false")


def _positive(name: str, value: int) -> int:
    if value <= 0:
        raise ValueError(f"{name} must be greater than 0, got {value}")
    return value


def reader_block_size() -> int:
    return _positive("MEGFILE_READER_BLOCK_SIZE", env_size("MEGFILE_READER_BLOCK_SIZE", 8 << 20))


def reader_max_buffer_size() -> int:
    return env_size("MEGFILE_READER_MAX_BUFFER_SIZE", 128 << 20)


def reader_adaptive_window() -> bool:
    """``MEGFILE_READER_ADAPTIVE_WINDOW``: a sequential reader of an object larger
    than its buffer keeps only the blocks in flight that the measured
    bandwidth-delay product needs, or that a probe finds still pay (``megfile_core.io.window``),
    instead of the whole read-ahead. On by default: peak memory about half, no
    slower on loopback (docs/benchmarks.md); ``0`` gives the fixed depth."""
    return env_bool("MEGFILE_READER_ADAPTIVE_WINDOW", True)


def writer_block_size() -> int:
    return _positive("MEGFILE_WRITER_BLOCK_SIZE", env_size("MEGFILE_WRITER_BLOCK_SIZE", 8 << 20))


def writer_max_buffer_size() -> int:
    return env_size("MEGFILE_WRITER_MAX_BUFFER_SIZE", 128 << 20)


def default_compression() -> str | None:
    """``MEGFILE_COMPRESSION``: what ``smart_open`` and ``SmartPath.open`` do when no
    ``compression=`` is passed. Unset, empty or ``none``: the bytes as stored (as
    megfile does); ``infer``: the codec the file's suffix names (``.gz``, ``.bz2``,
    ``.xz``, ``.zst``); a codec name (``gzip``, ``bz2``, ``xz``, ``zstd``): that codec
    for every file. Other functions (``smart_load_content``, ``smart_copy``,
    ``smart_sync`` ...) never compress. See docs/compression.md."""
    raw = os.environ.get("MEGFILE_COMPRESSION", "").strip().lower()
    return None if raw in ("", "none") else raw


def max_workers() -> int:
    return _positive("MEGFILE_MAX_WORKERS", env_int("MEGFILE_MAX_WORKERS", 8))


def list_workers() -> int:
    """Listings in flight for one sharded listing of an object store."""
    return _positive(
        "MEGFILE_LIST_MAX_WORKERS", env_int("MEGFILE_LIST_MAX_WORKERS", 2 * max_workers())
    )


def sync_batch_threads() -> int | None:
    """Files a worker process copies at once from one batch of a sync on a process
    pool or cluster: ``MEGFILE_SYNC_BATCH_THREADS``, or None (unset: learnt from the
    batches, :mod:`megfile_core.sync_batches`)."""
    if not os.environ.get("MEGFILE_SYNC_BATCH_THREADS", "").strip():
        return None
    return _positive("MEGFILE_SYNC_BATCH_THREADS", env_int("MEGFILE_SYNC_BATCH_THREADS", 1))


def sync_workers() -> int:
    """The most files ``smart_sync`` copies at once (it runs as many below this as
    pay, :mod:`megfile_core.io.adaptive`): ``MEGFILE_SYNC_MAX_WORKERS``, else twice
    ``MEGFILE_MAX_WORKERS``. Small remote files cost a round trip each, so
    throughput grows with the copies in flight (2,000 x 4 KiB to an object store at
    20 ms: 8 copies ~300 files/s, 16 ~430)."""
    return _positive(
        "MEGFILE_SYNC_MAX_WORKERS", env_int("MEGFILE_SYNC_MAX_WORKERS", 2 * max_workers())
    )


def max_retry_times(backend: str = "") -> int:
    """Attempts per call: ``MEGFILE_<BACKEND>_MAX_RETRY_TIMES``, else the global one."""
    default = env_int("MEGFILE_MAX_RETRY_TIMES", 10)
    if backend:
        return env_int(f"MEGFILE_{backend.upper()}_MAX_RETRY_TIMES", default)
    return default


def config_path() -> str:
    explicit = os.environ.get("MEGFILE_CONFIG_PATH")
    if explicit:
        return explicit
    return os.path.join(os.path.expanduser("~"), ".config", "megfile", "megfile.conf")


_lock = threading.Lock()
_cache: dict[str, tuple[int, configparser.ConfigParser]] = {}
_applied_env: dict[str, str] = {}
_EMPTY = configparser.ConfigParser()
_alias_cache: tuple[tuple[object, ...], dict[str, str]] | None = None


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def read_config(path: str | None = None) -> configparser.ConfigParser:
    """The parsed config file (empty when missing), re-read when it changes.

    The result is shared: treat it as read-only.
    """
    path = path or config_path()
    mtime = _mtime(path)
    if mtime is None:
        return _EMPTY
    with _lock:
        cached = _cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as error:
        raise ValueError(f"cannot parse megfile config {path}: {error}") from error
    with _lock:
        _cache[path] = (mtime, parser)
    return parser


def apply_config_env() -> None:
    """Copy the ``[env]`` section into ``os.environ`` where the real env is unset.

    Values this function set earlier are updated when the file changes; values the
    user set are never touched.
    """
    parser = read_config()
    if not parser.has_section("env"):
        return
    with _lock:
        for key, value in parser.items("env"):
            key = key.upper()
            current = os.environ.get(key)
            if current is None or _applied_env.get(key) == current:
                os.environ[key] = value
                _applied_env[key] = value


_environ_lock = threading.Lock()
_environ_seen: dict[object, object] = {}
_environ_version = 0


def environ_version() -> int:
    """A number that changes whenever ``os.environ`` changes.

    Settings read from the environment on every call (aliases, S3 settings) cost
    tens of microseconds: each ``os.environ`` lookup encodes and decodes. Caches
    keyed on this number stay right when a variable changes, for the price of
    comparing the raw mapping with a copy (a C-level dict comparison, ~2 us for
    100 variables). Without that mapping (another Python) every call gives a new
    number: nothing is cached.
    """
    global _environ_seen, _environ_version
    data = getattr(os.environ, "_data", None)
    if not isinstance(data, dict):
        with _environ_lock:
            _environ_version += 1
            return _environ_version
    if data != _environ_seen:
        with _environ_lock:
            if data != _environ_seen:
                _environ_version += 1  # before the copy: a reader of the copy sees it
                _environ_seen = dict(data)
    return _environ_version


_alias_env: tuple[int, str, str, tuple[tuple[str, str], ...]] | None = None


def get_aliases() -> dict[str, str]:
    """Alias name -> ``protocol`` or ``protocol://prefix``; env wins over the file.

    Cached until the config files or the ``MEGFILE_ALIASES__*`` variables change
    (checked on every call: two ``stat`` calls and :func:`environ_version`; the
    variables and the file names are read again only when the environment changed).
    """
    global _alias_cache, _alias_env
    version = environ_version()
    sources = _alias_env
    if sources is not None and sources[0] == version:
        _, main, legacy, env = sources
    else:
        main = config_path()
        legacy = os.path.join(os.path.dirname(main), "aliases.conf")
        environ = os.environ
        env = tuple((k, environ[k]) for k in environ if k.startswith("MEGFILE_ALIASES__"))
        _alias_env = (version, main, legacy, env)
    key = (main, _mtime(main), _mtime(legacy), env)
    cached = _alias_cache
    if cached is not None and cached[0] == key:
        return cached[1]
    aliases = _load_aliases(main, legacy, env)
    _alias_cache = (key, aliases)
    return aliases


def _load_aliases(main: str, legacy_path: str, env: tuple[tuple[str, str], ...]) -> dict[str, str]:
    aliases: dict[str, str] = {}
    parser = read_config(main)
    if parser.has_section("alias"):
        for name, target in parser.items("alias"):
            aliases[name.strip()] = target.strip()
    legacy = read_config(legacy_path)
    for section in legacy.sections():
        protocol = legacy.get(section, "protocol", fallback="").strip()
        if protocol and section not in aliases:
            prefix = legacy.get(section, "prefix", fallback="").strip()
            aliases[section] = f"{protocol}://{prefix}" if prefix else protocol
    for key, value in env:
        if len(key) > 17:
            aliases[key[17:].lower()] = value.strip()
    return aliases
