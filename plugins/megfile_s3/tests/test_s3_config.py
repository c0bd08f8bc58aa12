"""Configuration precedence, profiles, lazy reading, client caching, fork safety."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from s3server import ACCESS_KEY, SECRET_KEY, MotoS3

import megfile_s3.client
from megfile_core import smart
from megfile_s3.config import mask, resolve
from megfile_s3.errors import S3ConfigError


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)


def test_environment_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", "tok")
    monkeypatch.setenv("OSS_ENDPOINT", "http://oss.example")
    settings = resolve()
    assert settings.access_key == ACCESS_KEY
    assert settings.session_token == "tok"
    assert settings.endpoint_url == "http://oss.example"  # OSS_ENDPOINT beats AWS_ENDPOINT_URL
    assert settings.endpoint_source == "OSS_ENDPOINT"
    monkeypatch.delenv("OSS_ENDPOINT")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://s3only.example")
    assert resolve().endpoint_url == "http://s3only.example"
    assert SECRET_KEY not in repr(settings)
    assert "tok" not in repr(settings)


def test_files_with_nested_s3_block(
    monkeypatch: pytest.MonkeyPatch, moto_server: MotoS3, bucket: str
) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ENDPOINT_URL",
        "AWS_S3_ADDRESSING_STYLE",
    ):
        monkeypatch.delenv(name)
    _write(
        os.environ["AWS_SHARED_CREDENTIALS_FILE"],
        f"[default]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n"
        f"s3 =\n    endpoint_url = {moto_server.endpoint}\n    addressing_style = path\n"
        f"[files]\naws_access_key_id = FILESKEY1234\naws_secret_access_key = x\n"
        f"aws_session_token = ftok\n",
    )
    _write(
        os.environ["AWS_CONFIG_FILE"],
        f"[profile files]\nendpoint_url = {moto_server.endpoint}\n"
        "s3 =\n    addressing_style = path\n",
    )
    settings = resolve()
    assert (settings.endpoint_url, settings.addressing_style) == (moto_server.endpoint, "path")
    assert settings.endpoint_source.startswith("s3.endpoint_url")
    smart.smart_save_text(f"s3://{bucket}/from-files", "ok")
    assert smart.smart_load_text(f"s3://{bucket}/from-files") == "ok"
    files = resolve("files")
    assert (files.access_key, files.session_token) == ("FILESKEY1234", "ftok")
    assert files.endpoint_url == moto_server.endpoint  # top-level endpoint_url
    assert files.endpoint_source.startswith("endpoint_url in")
    # environment variables of the profile win over its sections
    monkeypatch.setenv("FILES__AWS_ACCESS_KEY_ID", "ENVKEY")
    monkeypatch.setenv("FILES__AWS_SECRET_ACCESS_KEY", "ENVSECRET")
    monkeypatch.setenv("FILES__OSS_ENDPOINT", "http://env.example")
    files = resolve("files")
    assert (files.access_key, files.endpoint_url) == ("ENVKEY", "http://env.example")


def test_profile_env_reaches_the_right_server(
    monkeypatch: pytest.MonkeyPatch, moto_server: MotoS3, bucket: str
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # default: nowhere
    for name, value in moto_server.env("prod").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MEGFILE_S3_MAX_RETRY_TIMES", "1")
    smart.smart_save_text(f"s3+prod://{bucket}/p.txt", "profile")
    assert smart.smart_listdir(f"s3+prod://{bucket}") == ["p.txt"]
    assert smart.smart_glob(f"s3+prod://{bucket}/*.txt") == [f"s3+prod://{bucket}/p.txt"]
    with pytest.raises(OSError, match=r"127\.0\.0\.1:9"):
        smart.smart_load_text(f"s3://{bucket}/p.txt")


def test_unknown_profile_is_an_error_naming_where_it_looked(bucket: str) -> None:
    with pytest.raises(S3ConfigError) as raised:
        smart.smart_exists(f"s3+typo://{bucket}/x")
    text = str(raised.value)
    assert "'typo'" in text
    assert "TYPO__AWS_ACCESS_KEY_ID" in text
    assert "TYPO__OSS_ENDPOINT" in text
    assert os.environ["AWS_SHARED_CREDENTIALS_FILE"] in text
    assert os.environ["AWS_CONFIG_FILE"] in text
    assert "megfile config s3" in text


def test_aws_profile_does_not_hide_plain_env(monkeypatch: pytest.MonkeyPatch, bucket: str) -> None:
    _write(os.environ["AWS_CONFIG_FILE"], "[profile other]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_PROFILE", "other")
    settings = resolve()
    assert settings.access_key == ACCESS_KEY
    smart.smart_save_text(f"s3://{bucket}/aws-profile", "fine")
    assert smart.smart_load_text(f"s3://{bucket}/aws-profile") == "fine"


def test_aws_profile_naming_no_section_does_not_break_env_credentials(
    monkeypatch: pytest.MonkeyPatch, bucket: str
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "ghost")  # in no file at all
    smart.smart_save_text(f"s3://{bucket}/ghost", "fine")
    assert smart.smart_load_text(f"s3://{bucket}/ghost") == "fine"


def test_nested_blocks_of_both_files_merge(
    monkeypatch: pytest.MonkeyPatch, moto_server: MotoS3, bucket: str
) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_S3_ADDRESSING_STYLE"):
        monkeypatch.delenv(name)
    # the endpoint only in the config file's nested block, the style only in the
    # credentials file's (as `megfile config s3` writes it)
    _write(
        os.environ["AWS_CONFIG_FILE"],
        f"[default]\ns3 =\n    endpoint_url = {moto_server.endpoint}\n"
        "    signature_version = s3v4\n",
    )
    _write(
        os.environ["AWS_SHARED_CREDENTIALS_FILE"], "[default]\ns3 =\n    addressing_style = path\n"
    )
    settings = resolve()
    assert settings.endpoint_url == moto_server.endpoint
    assert settings.endpoint_source.startswith("s3.endpoint_url")
    assert (settings.addressing_style, settings.signature_version) == ("path", "s3v4")
    smart.smart_save_text(f"s3://{bucket}/merged", "ok")
    assert smart.smart_load_text(f"s3://{bucket}/merged") == "ok"
    # the credentials file wins for a key both blocks set
    _write(
        os.environ["AWS_SHARED_CREDENTIALS_FILE"],
        "[default]\ns3 =\n    addressing_style = virtual\n",
    )
    assert resolve().addressing_style == "virtual"


def test_verify_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    import megfile_s3.client

    assert resolve().verify is True
    monkeypatch.setenv("AWS_S3_VERIFY", "false")
    assert resolve().verify is False
    monkeypatch.setenv("MEGFILE_S3_CLIENT_CACHE_MODE", "process_local")
    megfile_s3.client.clear_cache()
    try:
        client = megfile_s3.client.get_client(None)
        assert client._endpoint.http_session._verify is False
    finally:
        megfile_s3.client.clear_cache()
    monkeypatch.setenv("PROD__AWS_S3_VERIFY", "0")
    monkeypatch.setenv("PROD__AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("PROD__AWS_SECRET_ACCESS_KEY", "s")
    assert resolve("prod").verify is False
    monkeypatch.setenv("AWS_S3_VERIFY", "perhaps")
    with pytest.raises(ValueError, match="AWS_S3_VERIFY"):
        resolve()


def test_settings_are_read_lazily(monkeypatch: pytest.MonkeyPatch, bucket: str) -> None:
    monkeypatch.setenv("MEGFILE_S3_MAX_RETRY_TIMES", "1")
    smart.smart_save_text(f"s3://{bucket}/lazy", "x")
    good = os.environ["AWS_ENDPOINT_URL"]
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    with pytest.raises(OSError, match="cannot connect"):
        smart.smart_load_text(f"s3://{bucket}/lazy")
    monkeypatch.setenv("AWS_ENDPOINT_URL", good)
    assert smart.smart_load_text(f"s3://{bucket}/lazy") == "x"


@pytest.mark.parametrize(
    ("endpoint", "mode"),
    [
        ("https://s3.example.invalid", ""),
        ("http://s3.example.invalid", ""),
        ("https://s3.example.invalid", "sha256"),
        ("http://s3.example.invalid", "sha256"),
    ],
)
def test_upload_body_is_hashed_only_when_asked(
    monkeypatch: pytest.MonkeyPatch, endpoint: str, mode: str
) -> None:
    """By default a body carries a CRC32 and the payload goes unsigned, on http
    too; ``AWS_S3_UPLOAD_CHECKSUM=sha256`` signs its SHA-256 on https too."""
    import base64
    import hashlib
    import zlib

    from botocore.awsrequest import AWSResponse

    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("MEGFILE_S3_CLIENT_CACHE_MODE", "process_local")
    if mode:
        monkeypatch.setenv("AWS_S3_UPLOAD_CHECKSUM", mode)
    megfile_s3.client.clear_cache()
    seen: list[tuple[str, str | None]] = []

    class Raw:
        def stream(self, *args: Any, **kwargs: Any) -> Any:
            yield b""

    def text(value: Any) -> Any:
        return value.decode() if isinstance(value, bytes) else value

    def answer(request: Any, **_: Any) -> Any:  # no network: look at what would go
        headers = request.headers
        seen.append(
            (text(headers["X-Amz-Content-SHA256"]), text(headers.get("x-amz-checksum-crc32")))
        )
        return AWSResponse(request.url, 200, {"ETag": '"e"'}, Raw())

    client = megfile_s3.client.get_client(None)
    client.meta.events.register("before-send.s3", answer)
    try:
        client.put_object(Bucket="b", Key="k", Body=b"body")
    finally:
        client.meta.events.unregister("before-send.s3", answer)
        megfile_s3.client.clear_cache()
    crc = base64.b64encode(zlib.crc32(b"body").to_bytes(4, "big")).decode()
    expected = (hashlib.sha256(b"body").hexdigest(), None) if mode else ("UNSIGNED-PAYLOAD", crc)
    assert seen == [expected]


def test_client_cache_modes(monkeypatch: pytest.MonkeyPatch) -> None:
    megfile_s3.client.clear_cache()
    here = megfile_s3.client.get_client()
    assert megfile_s3.client.get_client() is here
    other: list[Any] = []
    thread = threading.Thread(target=lambda: other.append(megfile_s3.client.get_client()))
    thread.start()
    thread.join()
    assert other[0] is not here  # thread_local by default
    monkeypatch.setenv("MEGFILE_S3_CLIENT_CACHE_MODE", "process_local")
    shared = megfile_s3.client.get_client()
    other.clear()
    thread = threading.Thread(target=lambda: other.append(megfile_s3.client.get_client()))
    thread.start()
    thread.join()
    assert other[0] is shared
    monkeypatch.setenv("MEGFILE_S3_CLIENT_CACHE_MODE", "bogus")
    with pytest.raises(ValueError, match="thread_local or process_local"):
        megfile_s3.client.get_client()
    config = shared.meta.config
    assert config.max_pool_connections >= 8
    assert config.retries["total_max_attempts"] == 1
    assert config.request_checksum_calculation == "when_required"


def test_fork_child_builds_its_own_client(bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEGFILE_S3_CLIENT_CACHE_MODE", "process_local")
    parent = megfile_s3.client.get_client()
    smart.smart_save_text(f"s3://{bucket}/fork", "before")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        code = 1
        try:
            child = megfile_s3.client.get_client()
            ok = child is not parent and smart.smart_load_text(f"s3://{bucket}/fork") == "before"
            os.write(write, b"ok" if ok else b"no")
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    assert os.read(read, 10) == b"ok"
    os.close(read)
    assert os.waitstatus_to_exitcode(status) == 0


def test_mask() -> None:
    assert mask("AKIAABCDEFGHWXYZ") == "AKIA****WXYZ"
    assert mask("short") == "****"
    assert mask(None) == "<none>"
