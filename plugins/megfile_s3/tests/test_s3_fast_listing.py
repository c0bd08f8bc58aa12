"""ListObjectsV2 pages read by the C parser give what botocore's parser gives."""

from __future__ import annotations

from typing import Any

import pytest

from megfile_s3 import fast_listing
from megfile_s3.client import get_client

KEYS = ["a/1.txt", "a b/ü ñ.bin", "x%2F/y+z", "é/&<>'\".txt", "deep/" + "d/" * 10 + "f", "m/"]


@pytest.mark.parametrize("options", [{}, {"FetchOwner": True}, {"MaxKeys": 2}, {"Delimiter": "/"}])
def test_pages_equal_botocores(bucket: str, s3: Any, options: dict[str, Any]) -> None:
    for index, key in enumerate(KEYS):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x" * index)
    ours = get_client()  # has the handler; the plain boto3 client ``s3`` has not
    mine = ours.list_objects_v2(Bucket=bucket, **options)
    theirs = s3.list_objects_v2(Bucket=bucket, **options)
    for page in (mine, theirs):
        page.pop("ResponseMetadata")
    assert mine == theirs
    if "Delimiter" not in options:
        assert [item["Key"] for item in mine["Contents"]] == sorted(KEYS)[: options.get("MaxKeys")]


def test_the_parser_is_used_and_leaves_odd_bodies_to_botocore() -> None:
    ns = "http://s3.amazonaws.com/doc/2006-03-01/"
    body = (
        f'<ListBucketResult xmlns="{ns}"><IsTruncated>false</IsTruncated>'
        "<Contents><Key>k</Key><Size>7</Size><LastModified>2026-01-02T03:04:05.000Z"
        "</LastModified></Contents></ListBucketResult>"
    ).encode()
    response = {"status_code": 200, "body": body}
    custom: dict[str, Any] = {}
    fast_listing._before_parse(response_dict=response, customized_response_dict=custom)
    assert custom["Contents"][0]["Size"] == 7
    assert custom["Contents"][0]["LastModified"].timestamp() == 1767323045.0
    assert b"<Contents>" not in response["body"]
    broken = {"status_code": 200, "body": b"<ListBucketResult><Contents><Key>k</Contents>"}
    custom = {}
    fast_listing._before_parse(response_dict=broken, customized_response_dict=custom)
    assert custom == {}
    assert broken["body"] == b"<ListBucketResult><Contents><Key>k</Contents>"
    error = {"status_code": 403, "body": body}
    fast_listing._before_parse(response_dict=error, customized_response_dict=custom)
    assert custom == {} and error["body"] is body


def test_a_listing_page_is_parsed_once(
    bucket: str, s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """botocore's check of ``200`` bodies for an embedded error parses the whole
    page again; for the pages the handler parses it is skipped (the handler checks),
    for every other answer it still runs."""
    from botocore import handlers

    checked: list[int] = []
    real = handlers._looks_like_special_case_error

    def counting(status_code: int, body: bytes) -> bool:
        checked.append(status_code)
        return bool(real(status_code, body))

    s3.put_object(Bucket=bucket, Key="a/b", Body=b"x")
    client = get_client()
    monkeypatch.setattr(handlers, "_looks_like_special_case_error", counting)
    assert [item["Key"] for item in client.list_objects_v2(Bucket=bucket)["Contents"]] == ["a/b"]
    assert checked == []
    client.list_objects_v2(Bucket=bucket, Prefix="none/")  # no <Contents>: botocore checks
    client.list_buckets()
    assert len(checked) == 2


def test_a_broken_or_error_page_is_retried_as_botocore_would() -> None:
    for body in (
        b"<ListBucketResult><Contents><Key>k</Contents>",  # cut short
        b"<Error><Code>InternalError</Code><Contents>x</Contents></Error>",
    ):
        response: dict[str, Any] = {"status_code": 200, "body": body}
        custom: dict[str, Any] = {}
        fast_listing._before_parse(response_dict=response, customized_response_dict=custom)
        assert response["status_code"] == 500  # botocore's needs-retry takes it
        assert custom == {} and response["body"] is body


def test_contents_between_other_elements_are_all_taken_out() -> None:
    body = (
        b"<ListBucketResult><IsTruncated>false</IsTruncated>"
        b"<Contents><Key>a</Key></Contents><CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes>"
        b"<Contents><Key>b</Key></Contents><KeyCount>3</KeyCount></ListBucketResult>"
    )
    response: dict[str, Any] = {"status_code": 200, "body": body}
    custom: dict[str, Any] = {}
    fast_listing._before_parse(response_dict=response, customized_response_dict=custom)
    assert [item["Key"] for item in custom["Contents"]] == ["a", "b"]
    assert response["body"] == (
        b"<ListBucketResult><IsTruncated>false</IsTruncated>"
        b"<CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes><KeyCount>3</KeyCount>"
        b"</ListBucketResult>"
    )


@pytest.mark.parametrize(
    "options",
    [{}, {"Prefix": "a"}, {"Prefix": "", "StartAfter": "a b/ü ñ.bin", "MaxKeys": 2}],
)
def test_a_lean_page_is_botocores_page(bucket: str, s3: Any, options: dict[str, Any]) -> None:
    """A listing page sent as a lean GET (own signature, query in the URL) holds what
    ``list_objects_v2`` gives, keys with spaces, ``%``, ``+``, ``&`` and ``<`` too."""
    for index, key in enumerate(KEYS):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x" * index)
    max_keys = options.get("MaxKeys", 1000)
    page = fast_listing.lean_page(
        get_client(), bucket, options.get("Prefix", ""), options.get("StartAfter"), max_keys
    )
    assert page is not None
    theirs = s3.list_objects_v2(Bucket=bucket, **options)
    assert page == (theirs.get("Contents", []), theirs["IsTruncated"])


def test_a_lean_page_that_is_no_page_is_left_to_botocore(s3: Any) -> None:
    assert fast_listing.lean_page(get_client(), "no-such-bucket-here", "", None, 10) is None


def test_a_lean_page_stops_at_the_end_of_its_range(bucket: str, s3: Any) -> None:
    """Keys after ``stop`` are not returned and no more follow; a page whose keys
    hold an entity (``&amp;``) cannot be cut as bytes and is filtered whole."""
    keys = [f"r/{i:02d}" for i in range(10)]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    client = get_client()
    page = fast_listing.lean_page(client, bucket, "r/", None, 1000, "r/04")
    assert page is not None
    assert [item["Key"] for item in page[0]] == keys[:5] and page[1] is False
    whole = fast_listing.lean_page(client, bucket, "r/", None, 1000, "r/99")
    assert whole is not None and len(whole[0]) == 10 and whole[1] is False
    assert fast_listing._cut_after(b"<R><Contents><Key>a&amp;b</Key></Contents></R>", "a") is None
    cut = fast_listing._cut_after(
        b"<R><IsTruncated>true</IsTruncated><Contents><Key>a</Key></Contents>"
        b"<Contents><Key>b</Key></Contents><NextContinuationToken>t</NextContinuationToken></R>",
        "a",
    )
    assert cut == b"<R><IsTruncated>true</IsTruncated><Contents><Key>a</Key></Contents></R>"


def _page(contents: str) -> str:
    ns = "http://s3.amazonaws.com/doc/2006-03-01/"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="{ns}">'
        f"<Name>b</Name><IsTruncated>true</IsTruncated>{contents}"
        "<NextContinuationToken>t</NextContinuationToken></ListBucketResult>"
    )


@pytest.mark.parametrize(
    "contents",
    [
        "<Contents><Key>a&amp;b &lt;c&gt; &#13;&#x80;&#128;ü&apos;</Key>"
        "<LastModified>2026-01-02T03:04:05.000Z</LastModified><ETag>&quot;9a&quot;</ETag><Size>12</Size>"
        "<StorageClass>STANDARD</StorageClass></Contents>"
        "<Contents><Key>é/&amp;quot;</Key><ETag>&#34;x&#34;</ETag><Size>0</Size>"
        "<ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumAlgorithm>SHA1</ChecksumAlgorithm>"
        "</Contents>",
        "\n  <Contents>\n    <Key> spaced </Key>\n    <Size>3</Size>\n  </Contents>\n",
        "",
        # the layout every server seen writes (read in one step per object)
        2
        * (
            "<Contents><Key>k&amp;&#x80;</Key><LastModified>2026-01-02T03:04:05.000Z"
            "</LastModified><ETag>&quot;9a&quot;</ETag><Size>12</Size>"
            "<StorageClass>STANDARD</StorageClass></Contents>"
        ),
    ],
)
def test_the_quick_scan_reads_what_the_c_parser_reads(contents: str) -> None:
    import xml.etree.ElementTree as ElementTree

    text = _page(contents)
    items = fast_listing._scan(text)
    assert items == fast_listing._parse(ElementTree.fromstring(text.encode()))[0]
    assert fast_listing._quick_page(text.encode(), False) == (items, True)


@pytest.mark.parametrize(
    "contents",
    [
        "<Contents><Key>k</Key><Owner><ID>i</ID></Owner></Contents>",  # nested
        "<Contents><Key>k</Key><ETag/></Contents>",  # self-closing
        "<Contents><Key><![CDATA[k]]></Key></Contents>",
        "<Contents><Key>k</Key><!-- c --></Contents>",
        "<Contents><Key>k</Key><Other>x</Other></Contents>",
    ],
)
def test_the_quick_scan_leaves_odd_pages_to_the_c_parser(contents: str) -> None:
    assert fast_listing._scan(_page(contents)) is None
    assert fast_listing._quick_page(_page(contents).encode(), False) is None


def test_a_quick_scan_of_an_unknown_entity_is_an_error() -> None:
    with pytest.raises(ValueError):
        fast_listing._scan(_page("<Contents><Key>a&copy;</Key></Contents>"))


def test_a_lean_page_cut_short_is_left_to_botocore(
    bucket: str, s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listing body that breaks off (fault injection: a server cannot be made to
    cut a page at will) gives None, so ``list_objects_v2`` asks again."""
    import http.client

    from megfile_s3 import lean

    class Cut:
        status_code = 200
        headers: dict[str, str] = {}
        raw = None

        @property
        def content(self) -> bytes:
            raise http.client.IncompleteRead(b"<ListBucketResult>", 100)

    monkeypatch.setattr(lean, "send", lambda *args, **kwargs: Cut())
    assert fast_listing.lean_page(get_client(), bucket, "", None, 10) is None
