"""S3 errors: builtin ``OSError`` families with :class:`S3Error` mixed in, and the
translation of botocore's errors into them.

Messages name the path, the endpoint and the settings to check; an access key is
shown masked (``AKIA****WXYZ``) and a secret never.
"""

from __future__ import annotations

import errno
import http.client
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from megfile_core.errors import (
    FileChangedError,
    MaxRetriesExceededError,
    MegfileError,
    UnknownError,
)

if TYPE_CHECKING:
    from megfile_s3.config import S3Settings

__all__ = [
    "RETRY_CODES",
    "S3BucketNotFoundError",
    "S3ConfigError",
    "S3Error",
    "S3FileChangedError",
    "S3FileExistsError",
    "S3FileNotFoundError",
    "S3IsADirectoryError",
    "S3NotADirectoryError",
    "S3NotALinkError",
    "S3PermissionError",
    "S3RedirectError",
    "S3RetriesExhaustedError",
    "S3UnknownError",
    "error_code",
    "is_retryable",
    "raise_s3_error",
    "translate",
]


class S3Error(MegfileError, OSError):
    """Base of every S3 error."""


class S3FileNotFoundError(S3Error, FileNotFoundError):
    """No object (and no prefix) at the path."""


class S3BucketNotFoundError(S3FileNotFoundError):
    """The bucket does not exist (or the endpoint is not the one holding it)."""


class S3PermissionError(S3Error, PermissionError):
    """The credentials are valid but not allowed to do this."""


class S3ConfigError(S3Error):
    """Credentials or endpoint are missing or wrong; the message names what to check."""


class S3FileExistsError(S3Error, FileExistsError):
    """The object exists (``x`` mode, ``mkdir`` of an existing directory ...)."""


class S3IsADirectoryError(S3Error, IsADirectoryError):
    """The path is a prefix (directory), the operation needs an object."""


class S3NotADirectoryError(S3Error, NotADirectoryError):
    """The path is an object, the operation needs a prefix."""


class S3NotALinkError(S3Error):
    """``readlink`` of an object that is not a symlink (errno EINVAL, as os.readlink)."""

    def __init__(self, message: str) -> None:
        super().__init__(errno.EINVAL, message)

    def __str__(self) -> str:
        return str(self.args[1]) if len(self.args) > 1 else super().__str__()

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self),))


class S3FileChangedError(S3Error, FileChangedError):
    """The object was replaced while it was being read."""


class S3RedirectError(S3Error):
    """The server answered with an HTTP redirect that was not followed."""


class S3RetriesExhaustedError(MaxRetriesExceededError, S3Error):
    """Every attempt failed with a transient error (throttling, 5xx, a connection
    that could not be made or broke); ``error`` is the last one. The message names
    the path, the endpoint and what to check."""

    def __init__(self, error: BaseException, retries: int = 1, detail: str = "") -> None:
        super().__init__(error, retries)
        self.detail = detail
        if detail:
            self.args = (f"{self.args[0]}; {detail}",)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.error, self.retries, self.detail))


class S3UnknownError(UnknownError, S3Error):
    """A botocore error no rule recognised; the original is ``error``."""


#: error codes worth another try (AWS, plus the throttling codes of OSS/TOS/MinIO)
RETRY_CODES = frozenset(
    {
        "429",
        "499",
        "500",
        "502",
        "503",
        "504",
        "InternalError",
        "ServiceUnavailable",
        "SlowDown",
        "RequestTimeout",
        "RequestTimeTooSkewed",
        "Throttling",
        "ThrottlingException",
        "TooManyRequests",
        "RequestLimitExceeded",
        "ExceedAccountQPSLimit",
        "ExceedAccountRateLimit",
        "ExceedBucketQPSLimit",
        "ExceedBucketRateLimit",
        "TrafficRateLimitExceeded",
        "CpuLimitExceeded",
        "ContextCanceled",
        "Timeout",
        "XMinioServerNotInitialized",
    }
)
_RETRY_STATUS = frozenset({429, 499, 500, 502, 503, 504})


def error_code(error: BaseException) -> str:
    """The S3 error code of a botocore ``ClientError`` (``NoSuchKey``, ``404`` ...)."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code", ""))


def _status(error: BaseException) -> int:
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return 0
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return int(status) if isinstance(status, int) else 0


def is_retryable(error: BaseException) -> bool:
    """Throttling, server errors, resets, timeouts, truncated bodies."""
    import botocore.exceptions as bex
    import urllib3.exceptions as uex

    if isinstance(error, bex.ClientError):
        return error_code(error) in RETRY_CODES or _status(error) in _RETRY_STATUS
    if isinstance(
        error,
        (
            bex.ConnectionError,
            bex.HTTPClientError,
            bex.ResponseStreamingError,
            bex.IncompleteReadError,
            bex.ReadTimeoutError,
        ),
    ):
        return True
    if isinstance(
        error,
        (
            uex.ProtocolError,
            uex.ReadTimeoutError,
            uex.IncompleteRead,
            uex.HeaderParsingError,
            uex.SSLError,
        ),
    ):
        return True
    return isinstance(error, (ConnectionError, TimeoutError, http.client.IncompleteRead))


def translate(error: BaseException, url: str, settings: S3Settings | None = None) -> BaseException:
    """The error to raise for ``error`` met while working on ``url``."""
    import botocore.exceptions as bex

    retries = 1
    if isinstance(error, MaxRetriesExceededError):
        retries = error.retries
        inner = error.error
        if isinstance(inner, bex.ClientError) and not is_retryable(inner):
            error = inner
        elif isinstance(error, S3RetriesExhaustedError):
            return error
        else:
            return S3RetriesExhaustedError(inner, retries, _exhausted_detail(inner, url, settings))
    if isinstance(error, (S3Error, MegfileError)):
        return error
    if isinstance(error, bex.ClientError):
        return _from_response(error, url, settings, retries)
    return _from_client_side(error, url, settings, retries)


def _from_client_side(
    error: BaseException, url: str, settings: S3Settings | None, retries: int
) -> BaseException:
    """An error botocore raised before or without an S3 answer."""
    import botocore.exceptions as bex

    where = settings.describe() if settings is not None else ""
    hint = settings.hint() if settings is not None else ""
    if isinstance(error, bex.NoCredentialsError):
        return S3ConfigError(f"no S3 credentials found for {url}: {hint}")
    if isinstance(error, bex.ProfileNotFound):
        return S3ConfigError(f"{error} (for {url}): {hint}")
    if isinstance(error, bex.ParamValidationError):
        text = str(error)
        if "Invalid bucket name" in text or "Invalid length for parameter Key" in text:
            return S3FileNotFoundError(f"no such file or directory: {url} ({text})")
        return ValueError(f"{url}: {text}")
    if isinstance(error, (bex.EndpointConnectionError, bex.ConnectTimeoutError)):
        return S3ConfigError(f"cannot connect to S3 for {url}: {error}; {where}; {hint}")
    if isinstance(error, OSError):
        return error
    return S3UnknownError(error, url, f"after {retries} attempt(s)")


_CREDENTIAL_CODES = frozenset(
    (
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "InvalidToken",
        "ExpiredToken",
        "InvalidSecurity",
        "AuthorizationHeaderMalformed",
    )
)


def _from_response(
    error: Any, url: str, settings: S3Settings | None, retries: int
) -> BaseException:
    """An S3 answer (a ``ClientError``), by its code."""
    where = settings.describe() if settings is not None else ""
    hint = settings.hint() if settings is not None else ""
    code = error_code(error)
    message = str(error.response.get("Error", {}).get("Message", "") or code)
    if 300 <= _status(error) < 400 and code not in ("304", "NotModified"):
        return _redirect_error(error, url, settings)
    if code == "NoSuchBucket":
        return S3BucketNotFoundError(
            f"no such bucket: {url} ({where}); check the bucket name and the endpoint"
        )
    if code in ("NoSuchKey", "404", "NotFound", "NoSuchUpload"):
        return S3FileNotFoundError(f"no such file or directory: {url}")
    if code in _CREDENTIAL_CODES:
        return S3ConfigError(
            f"S3 rejected the credentials for {url}: {code}: {message}; {where}; {hint}"
        )
    if code in ("401", "403", "AccessDenied", "AllAccessDisabled", "Forbidden"):
        return S3PermissionError(
            f"permission denied: {url}: {code}: {message}; {where}; the credentials work "
            f"but may not access this bucket or key: {hint}"
        )
    if code in ("PreconditionFailed", "412") and _condition(error) == "If-None-Match":
        return S3FileExistsError(f"file exists: {url}")
    if code in ("PreconditionFailed", "412"):
        return S3FileChangedError(f"{url} changed while it was being used: {message}")
    if code in ("ConditionalRequestConflict", "409") and "Conflict" in code + message:
        return S3FileExistsError(f"file exists (conflicting write): {url}")
    return S3UnknownError(error, url, f"{where}; after {retries} attempt(s)")


def _exhausted_detail(error: BaseException, url: str, settings: S3Settings | None) -> str:
    """What to say when every attempt on ``url`` failed with ``error``."""
    import botocore.exceptions as bex

    from megfile_s3.config import ENDPOINT_ENV, env_name

    where = f" ({settings.describe()})" if settings is not None else ""
    if isinstance(
        error, (bex.EndpointConnectionError, bex.ConnectTimeoutError, ConnectionRefusedError)
    ):
        endpoints = " / ".join(
            env_name(n, settings.profile if settings else None) for n in ENDPOINT_ENV
        )
        return (
            f"{url}: could not connect to the endpoint{where}; check that the server "
            f"is up and the endpoint ({endpoints}, or endpoint_url in the profile) "
            f"is right"
        )
    return (
        f"{url}: the server kept failing{where}; it may be overloaded or throttling: "
        f"try again later, or raise MEGFILE_S3_MAX_RETRY_TIMES to wait longer"
    )


def _redirect_error(error: Any, url: str, settings: S3Settings | None) -> S3RedirectError:
    from megfile_s3.config import env_name

    status = _status(error)
    headers = error.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    location = headers.get("location") or "(no Location header)"
    if "?" in location:  # a presigned target carries a credential and a signature
        location = location.partition("?")[0] + "?(query hidden)"
    operation = getattr(error, "operation_name", "") or "the request"
    where = f" ({settings.describe()})" if settings is not None else ""
    name = env_name("AWS_S3_REDIRECT", settings.profile if settings else None)
    if settings is not None and settings.redirect:
        advice = (
            "redirects are followed only for GET and HEAD requests, up to 10 hops "
            "and only with a Location header; point the endpoint at the server "
            "that answers instead"
        )
    else:
        advice = (
            f"set {name}=true (or `redirect = true` in the s3 block of the "
            "profile) to follow redirects of GET and HEAD requests, or point the "
            "endpoint at the server that answers"
        )
    return S3RedirectError(
        f"{operation} of {url} was answered with HTTP {status} redirecting to "
        f"{location}{where}; {advice}"
    )


def _condition(error: BaseException) -> str:
    response = getattr(error, "response", {})
    return str(response.get("Error", {}).get("Condition", "If-None-Match"))


@contextmanager
def raise_s3_error(url: str, settings: S3Settings | None = None) -> Iterator[None]:
    """Translate what the block raises (see :func:`translate`)."""
    try:
        yield
    except Exception as error:
        translated = translate(error, url, settings)
        if translated is error:
            raise
        raise translated from error
