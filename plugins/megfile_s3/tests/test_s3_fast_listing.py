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
