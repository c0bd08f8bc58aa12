"""HTTP redirects of S3 responses (``AWS_S3_REDIRECT``).

Some S3-compatible stores (and gateways in front of them) answer a GET with ``301``
/ ``302`` / ``303`` / ``307`` / ``308`` and a ``Location``. botocore does not follow
such answers: it only knows AWS's *region* redirect, and against an endpoint that
redirects everything its region lookup (a ``HeadBucket`` that is redirected too)
recurses until ``RecursionError``.

* Always: :func:`install` keeps botocore's region lookup from chasing a redirected
  ``HeadBucket`` that carries no region (no ``x-amz-bucket-region`` header, no
  ``Region`` in the body) -- the lookup's own request, which is what recursed. The
  lookup then finds no region and the answer becomes an error that says what to set
  (:class:`~megfile_s3.errors.S3RedirectError`). AWS region redirects, which carry
  the region, work as before.
* With ``AWS_S3_REDIRECT=true`` (or ``PROFILE__AWS_S3_REDIRECT``, or ``redirect =
  true`` in the ``s3 =`` block): GET and HEAD requests follow up to
  :data:`MAX_REDIRECTS` hops. When a hop leaves the original host (and is not a
  subdomain of it, the rule Go's ``net/http`` uses), the credentials are dropped
  first: ``Authorization``, ``X-Amz-Security-Token``, SSE-C keys, cookies. Other
  methods are never followed: a body would have to be sent again to a server that
  was not asked for.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

__all__ = ["AUTH_HEADERS", "MAX_REDIRECTS", "REDIRECT_STATUSES", "install", "same_site"]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 10
#: headers that carry credentials (compared case-insensitively; SSE-C keys by prefix)
AUTH_HEADERS = ("authorization", "proxy-authorization", "cookie", "x-amz-security-token")
_SECRET_PREFIX = "x-amz-server-side-encryption-customer-key"


def same_site(destination: str | None, origin: str | None) -> bool:
    """Whether credentials meant for host ``origin`` may go to host ``destination``:
    the same host, or a subdomain of it (``a.example.com`` for ``example.com``)."""
    if not destination or not origin:
        return False
    destination = destination.lower().rstrip(".")
    origin = origin.lower().rstrip(".")
    return destination == origin or destination.endswith("." + origin)


def _drop_credentials(headers: Any) -> None:
    for name in list(headers.keys()):
        lowered = name.lower()
        if lowered in AUTH_HEADERS or lowered.startswith(_SECRET_PREFIX):
            del headers[name]


def _follow(send: Any) -> Any:
    """Wrap ``Endpoint._send`` so that GET/HEAD redirects are followed."""

    def send_following(request: Any) -> Any:
        response = send(request)
        if request.method not in ("GET", "HEAD"):
            return response
        origin = urlsplit(request.url).hostname
        hops = 0
        while response.status_code in REDIRECT_STATUSES and hops < MAX_REDIRECTS:
            location = response.headers.get("Location")
            if not location:
                break
            target = urljoin(request.url, location)
            if urlsplit(target).scheme not in ("http", "https"):
                break
            response.content  # noqa: B018 - read the small body: frees the connection
            if not same_site(urlsplit(target).hostname, origin):
                _drop_credentials(request.headers)
            request.url = target
            hops += 1
            response = send(request)
        return response

    send_following.__name__ = "send_following"
    return send_following


def _no_region_chase(request_dict: dict[str, Any], response: Any, **_: Any) -> None:
    """Keep botocore's region redirector from chasing a redirected ``HeadBucket``
    without a region: mark it as redirected already, so it fails instead of
    starting another lookup."""
    if not response or response[0] is None:
        return
    if response[0].status_code not in REDIRECT_STATUSES:
        return
    parsed = response[1] or {}
    headers = parsed.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    if "x-amz-bucket-region" in headers or parsed.get("Error", {}).get("Region"):
        return  # a real AWS region redirect: let botocore handle it
    context = request_dict.setdefault("context", {})
    context.setdefault("s3_redirect", {})["redirected"] = True


def install(client: Any, follow: bool) -> None:
    """Set up ``client`` (a fresh botocore S3 client) for redirects."""
    client.meta.events.register_first("needs-retry.s3.HeadBucket", _no_region_chase)
    if follow:
        endpoint = client._endpoint
        endpoint._send = _follow(endpoint._send)
