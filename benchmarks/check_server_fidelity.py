"""Does an S3 server answer like S3 for what the benchmarks use? One boto3 call (or
a few) per check, PASS/FAIL per line.

    python benchmarks/check_server_fidelity.py URL [--access-key A --secret-key S]
    python benchmarks/check_server_fidelity.py --server rclone|s3rver|both [--markdown]

With ``URL`` the server must be running (a bucket ``fidelity-check`` is created, or
reused, and emptied of what the checks wrote). With ``--server`` the script starts
the server(s) itself (``benchmarks/rclone_s3.py``, ``benchmarks/s3rver.py``) over a
temp directory; ``both`` with ``--markdown`` prints one table with a column per
server (the table in ``docs/benchmarks.md``). Exit status 1 when any check fails.

What "right" means is AWS S3's documented behaviour: ranged GETs (``bytes=a-b``,
open ``bytes=a-``, suffix ``bytes=-N``, a suffix longer than the object, a range
past the end: ``InvalidRange``/416), HEAD, multipart upload (create, upload part,
list parts, complete, abort; the ETag of a multipart object is the MD5 of the parts'
binary MD5s, ``-N``), ListObjectsV2 (prefix, delimiter, ``KeyCount`` counting
common prefixes, paging with ``MaxKeys`` and continuation tokens, ``StartAfter``),
CopyObject (with and without ``MetadataDirective=REPLACE``) and DeleteObjects
(missing keys count as deleted).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

BUCKET = "fidelity-check"
PART = 5 << 20  # the smallest part S3 accepts (but the last)


class CheckFailed(AssertionError):
    pass


def expect(condition: bool, detail: str) -> None:
    if not condition:
        raise CheckFailed(detail)


def _code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return f"{code or '?'}/{status}"


def client_for(
    endpoint: str, access_key: str, secret_key: str, checksums: str = "when_required"
) -> Any:
    """A path-style client without retries; ``checksums`` is botocore's
    request_checksum_calculation and response_checksum_validation ("when_required":
    no CRC32 sent or checked, as our plugin; "when_supported": botocore's default)."""
    import boto3
    import botocore.config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name="us-east-1",
        config=botocore.config.Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1, "mode": "standard"},
            request_checksum_calculation=checksums,
            response_checksum_validation=checksums,
        ),
    )


class Checks:
    """Every ``check_*`` method is one check; they share one small object."""

    def __init__(self, client: Any, default_client: Any) -> None:
        self.c = client
        self.default = default_client  # botocore's default checksum settings
        self.data = os.urandom(1000)
        self.key = "range/object.bin"

    def setup(self) -> None:
        try:
            self.c.create_bucket(Bucket=BUCKET)
        except Exception as error:  # already there (a rerun against one server)
            if "BucketAlready" not in _code(error):
                raise
        self.c.put_object(Bucket=BUCKET, Key=self.key, Body=self.data)

    def _get(self, range_header: str) -> tuple[bytes, str | None, int]:
        response = self.c.get_object(Bucket=BUCKET, Key=self.key, Range=range_header)
        body = response["Body"].read()
        return (body, response.get("ContentRange"), response["ResponseMetadata"]["HTTPStatusCode"])

    # ---- GET with ranges ----
    def check_range_closed(self) -> None:
        """bytes=10-19 -> 206, those 10 bytes, Content-Range bytes 10-19/1000"""
        body, content_range, status = self._get("bytes=10-19")
        expect(body == self.data[10:20], f"body {len(body)} bytes, not bytes 10-19")
        expect(status == 206, f"status {status}")
        expect(content_range == "bytes 10-19/1000", f"Content-Range {content_range!r}")

    def check_range_open(self) -> None:
        """bytes=990- -> the last 10 bytes, Content-Range bytes 990-999/1000"""
        body, content_range, _ = self._get("bytes=990-")
        expect(body == self.data[990:], f"body {len(body)} bytes, not the last 10")
        expect(content_range == "bytes 990-999/1000", f"Content-Range {content_range!r}")

    def check_range_suffix(self) -> None:
        """bytes=-10 -> the last 10 bytes, Content-Range bytes 990-999/1000"""
        body, content_range, _ = self._get("bytes=-10")
        expect(
            body == self.data[-10:],
            f"body {len(body)} bytes"
            + (", the first ones" if body == self.data[: len(body)] else ""),
        )
        expect(content_range == "bytes 990-999/1000", f"Content-Range {content_range!r}")

    def check_range_suffix_longer_than_object(self) -> None:
        """bytes=-5000 of 1000 bytes -> the whole object"""
        body, _, _ = self._get("bytes=-5000")
        expect(body == self.data, f"body {len(body)} bytes, not the whole object")

    def check_range_end_past_size(self) -> None:
        """bytes=995-5000 -> bytes 995-999, Content-Range bytes 995-999/1000"""
        body, content_range, _ = self._get("bytes=995-5000")
        expect(body == self.data[995:], f"body {len(body)} bytes")
        expect(content_range == "bytes 995-999/1000", f"Content-Range {content_range!r}")

    def check_range_start_past_size(self) -> None:
        """bytes=2000- -> InvalidRange (416)"""
        try:
            body, content_range, status = self._get("bytes=2000-")
        except Exception as error:
            expect("InvalidRange" in _code(error) or "416" in _code(error), f"error {_code(error)}")
            return
        raise CheckFailed(f"answered {status} with {len(body)} bytes, {content_range!r}")

    def check_range_checksum_default_client(self) -> None:
        """bytes=0-9 with botocore's default checksums (CRC32 sent on PUT, checked on
        GET when given) -> the 10 bytes: S3 sends no whole-object checksum with a range"""
        self.default.put_object(Bucket=BUCKET, Key="range/crc.bin", Body=self.data)
        response = self.default.get_object(Bucket=BUCKET, Key="range/crc.bin", Range="bytes=0-9")
        body = response["Body"].read()
        expect(body == self.data[:10], f"body {len(body)} bytes")

    def check_range_of_empty_object(self) -> None:
        """bytes=0-9 of an empty object -> InvalidRange, or 200 with no body"""
        self.c.put_object(Bucket=BUCKET, Key="range/empty.bin", Body=b"")
        try:
            response = self.c.get_object(Bucket=BUCKET, Key="range/empty.bin", Range="bytes=0-9")
        except Exception as error:
            expect("InvalidRange" in _code(error), f"error {_code(error)}")
            return
        body = response["Body"].read()
        expect(body == b"", f"{len(body)} bytes from an empty object")

    # ---- HEAD and errors ----
    def check_head(self) -> None:
        """HEAD -> ContentLength, ETag = quoted MD5, LastModified, user metadata"""
        self.c.put_object(
            Bucket=BUCKET,
            Key="head/meta.bin",
            Body=self.data,
            Metadata={"color": "blue"},
            ContentType="application/x-test",
        )
        head = self.c.head_object(Bucket=BUCKET, Key="head/meta.bin")
        expect(head["ContentLength"] == 1000, f"ContentLength {head['ContentLength']}")
        md5 = hashlib.md5(self.data).hexdigest()
        expect(head.get("ETag") == f'"{md5}"', f"ETag {head.get('ETag')!r}, MD5 {md5}")
        expect(head.get("LastModified") is not None, "no LastModified")
        expect(head.get("Metadata") == {"color": "blue"}, f"Metadata {head.get('Metadata')}")
        expect(
            head.get("ContentType") == "application/x-test",
            f"ContentType {head.get('ContentType')!r}",
        )

    def check_head_missing(self) -> None:
        """HEAD of a missing key -> 404; GET -> NoSuchKey"""
        try:
            self.c.head_object(Bucket=BUCKET, Key="head/missing.bin")
            raise CheckFailed("HEAD of a missing key succeeded")
        except CheckFailed:
            raise
        except Exception as error:
            expect(_code(error).endswith("/404"), f"HEAD error {_code(error)}")
        try:
            self.c.get_object(Bucket=BUCKET, Key="head/missing.bin")
            raise CheckFailed("GET of a missing key succeeded")
        except CheckFailed:
            raise
        except Exception as error:
            expect(_code(error).startswith("NoSuchKey"), f"GET error {_code(error)}")

    def check_get_if_match(self) -> None:
        """GET with the right If-Match -> 200; a wrong one -> PreconditionFailed (412)"""
        etag = self.c.head_object(Bucket=BUCKET, Key=self.key)["ETag"]
        body = self.c.get_object(Bucket=BUCKET, Key=self.key, IfMatch=etag)["Body"].read()
        expect(body == self.data, "wrong body with the right If-Match")
        try:
            self.c.get_object(Bucket=BUCKET, Key=self.key, IfMatch='"0000"')
        except Exception as error:
            expect(_code(error).endswith("/412"), f"error {_code(error)}")
            return
        raise CheckFailed("a wrong If-Match answered 200")

    # ---- multipart ----
    def _parts(self) -> list[bytes]:
        return [os.urandom(PART), os.urandom(PART), os.urandom(1234)]

    def check_multipart_complete(self) -> None:
        """create / 3x upload part / complete -> the bytes, size"""
        parts = self._parts()
        key = "mpu/complete.bin"
        upload = self.c.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
        done = []
        for number, part in enumerate(parts, 1):
            etag = self.c.upload_part(
                Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=number, Body=part
            )["ETag"]
            expect(etag == f'"{hashlib.md5(part).hexdigest()}"', f"part ETag {etag!r}")
            done.append({"PartNumber": number, "ETag": etag})
        self.c.complete_multipart_upload(
            Bucket=BUCKET, Key=key, UploadId=upload, MultipartUpload={"Parts": done}
        )
        body = self.c.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        expect(body == b"".join(parts), f"{len(body)} bytes after completion")

    def check_multipart_etag(self) -> None:
        """ETag of a multipart object = MD5 of the parts' MD5s + "-N" (HEAD and GET)"""
        parts = self._parts()
        key = "mpu/etag.bin"
        upload = self.c.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
        done = [
            {
                "PartNumber": n,
                "ETag": self.c.upload_part(
                    Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=n, Body=p
                )["ETag"],
            }
            for n, p in enumerate(parts, 1)
        ]
        answer = self.c.complete_multipart_upload(
            Bucket=BUCKET, Key=key, UploadId=upload, MultipartUpload={"Parts": done}
        )
        digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
        want = f'"{digest}-{len(parts)}"'
        head = self.c.head_object(Bucket=BUCKET, Key=key)["ETag"]
        get = self.c.get_object(Bucket=BUCKET, Key=key, Range="bytes=0-0")["ETag"]
        expect(
            answer.get("ETag") == want and head == want and get == want,
            f"complete {answer.get('ETag')!r}, HEAD {head!r}, GET {get!r}; S3: {want}",
        )

    def check_multipart_list_parts(self) -> None:
        """ListParts of an upload in progress -> numbers, sizes, ETags"""
        parts = self._parts()[:2]
        key = "mpu/list.bin"
        upload = self.c.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
        try:
            for number, part in enumerate(parts, 1):
                self.c.upload_part(
                    Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=number, Body=part
                )
            listed = self.c.list_parts(Bucket=BUCKET, Key=key, UploadId=upload)
            got = [(p["PartNumber"], p["Size"], p["ETag"]) for p in listed.get("Parts", [])]
            want = [(n, len(p), f'"{hashlib.md5(p).hexdigest()}"') for n, p in enumerate(parts, 1)]
            expect(got == want, f"parts {got}")
        except CheckFailed:
            raise
        except Exception as error:
            raise CheckFailed(f"ListParts: {_code(error)}") from error
        finally:
            try:
                self.c.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload)
            except Exception:
                pass

    def check_multipart_abort(self) -> None:
        """abort -> no object, ListParts / UploadPart of the upload -> NoSuchUpload"""
        key = "mpu/abort.bin"
        upload = self.c.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
        self.c.upload_part(
            Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=1, Body=os.urandom(PART)
        )
        self.c.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload)
        try:
            self.c.head_object(Bucket=BUCKET, Key=key)
            raise CheckFailed("object exists after abort")
        except CheckFailed:
            raise
        except Exception as error:
            expect(_code(error).endswith("/404"), f"HEAD after abort {_code(error)}")
        try:
            self.c.upload_part(Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=2, Body=b"late")
        except Exception as error:
            expect(
                _code(error).startswith("NoSuchUpload"), f"UploadPart after abort {_code(error)}"
            )
            return
        raise CheckFailed("UploadPart after abort succeeded")

    def check_multipart_small_part_rejected(self) -> None:
        """complete with a non-last part under 5 MiB -> EntityTooSmall"""
        key = "mpu/small.bin"
        upload = self.c.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
        done = [
            {
                "PartNumber": n,
                "ETag": self.c.upload_part(
                    Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=n, Body=b"x" * 100
                )["ETag"],
            }
            for n in (1, 2)
        ]
        try:
            self.c.complete_multipart_upload(
                Bucket=BUCKET, Key=key, UploadId=upload, MultipartUpload={"Parts": done}
            )
        except Exception as error:
            expect(_code(error).startswith("EntityTooSmall"), f"error {_code(error)}")
            return
        finally:
            try:
                self.c.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload)
            except Exception:
                pass
        raise CheckFailed("accepted 100-byte parts")

    # ---- listing ----
    def _put_tree(self) -> None:
        for key in (
            "list/a.txt",
            "list/b.txt",
            "list/sub/c.txt",
            "list/sub/deep/d.txt",
            "list/subway.txt",
            "listing.txt",
        ):
            self.c.put_object(Bucket=BUCKET, Key=key, Body=b"x")

    def check_list_prefix(self) -> None:
        """ListObjectsV2 Prefix=list/ (no delimiter) -> every key below, in order"""
        self._put_tree()
        page = self.c.list_objects_v2(Bucket=BUCKET, Prefix="list/")
        keys = [o["Key"] for o in page.get("Contents", [])]
        want = [
            "list/a.txt",
            "list/b.txt",
            "list/sub/c.txt",
            "list/sub/deep/d.txt",
            "list/subway.txt",
        ]
        expect(keys == want, f"keys {keys}")

    def check_list_partial_prefix(self) -> None:
        """Prefix=list/su (not a whole name) -> sub/... and subway.txt"""
        self._put_tree()
        page = self.c.list_objects_v2(Bucket=BUCKET, Prefix="list/su")
        keys = [o["Key"] for o in page.get("Contents", [])]
        expect(keys == ["list/sub/c.txt", "list/sub/deep/d.txt", "list/subway.txt"], f"keys {keys}")

    def check_list_delimiter(self) -> None:
        """Prefix=list/, Delimiter=/ -> a.txt, b.txt, subway.txt + list/sub/; KeyCount 4"""
        self._put_tree()
        page = self.c.list_objects_v2(Bucket=BUCKET, Prefix="list/", Delimiter="/")
        keys = [o["Key"] for o in page.get("Contents", [])]
        prefixes = [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        expect(keys == ["list/a.txt", "list/b.txt", "list/subway.txt"], f"keys {keys}")
        expect(prefixes == ["list/sub/"], f"prefixes {prefixes}")
        expect(page.get("KeyCount") == 4, f"KeyCount {page.get('KeyCount')} (S3: 4)")

    def check_list_delimiter_partial_prefix(self) -> None:
        """Prefix=list/su, Delimiter=/ -> subway.txt + list/sub/"""
        self._put_tree()
        page = self.c.list_objects_v2(Bucket=BUCKET, Prefix="list/su", Delimiter="/")
        keys = [o["Key"] for o in page.get("Contents", [])]
        prefixes = [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        expect(
            keys == ["list/subway.txt"] and prefixes == ["list/sub/"],
            f"keys {keys}, prefixes {prefixes}",
        )

    def check_list_paging(self) -> None:
        """7 keys, MaxKeys=3 -> 3 pages (3, 3, 1), IsTruncated, continuation tokens"""
        keys = [f"page/k{i}.txt" for i in range(7)]
        for key in keys:
            self.c.put_object(Bucket=BUCKET, Key=key, Body=b"x")
        seen: list[list[str]] = []
        token: str | None = None
        for _ in range(10):
            params: dict[str, Any] = {"Bucket": BUCKET, "Prefix": "page/", "MaxKeys": 3}
            if token:
                params["ContinuationToken"] = token
            page = self.c.list_objects_v2(**params)
            seen.append([o["Key"] for o in page.get("Contents", [])])
            if not page.get("IsTruncated"):
                break
            token = page.get("NextContinuationToken")
            expect(bool(token), "IsTruncated without NextContinuationToken")
        expect(
            [len(s) for s in seen] == [3, 3, 1] and [k for s in seen for k in s] == keys,
            f"pages {[len(s) for s in seen]}",
        )

    def check_list_paging_with_delimiter(self) -> None:
        """MaxKeys=2 with Delimiter=/ counts keys and prefixes together across pages"""
        self._put_tree()
        names: list[str] = []
        token: str | None = None
        pages = 0
        for _ in range(10):
            params: dict[str, Any] = {
                "Bucket": BUCKET,
                "Prefix": "list/",
                "Delimiter": "/",
                "MaxKeys": 2,
            }
            if token:
                params["ContinuationToken"] = token
            page = self.c.list_objects_v2(**params)
            pages += 1
            names += [o["Key"] for o in page.get("Contents", [])]
            names += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
            if not page.get("IsTruncated"):
                break
            token = page.get("NextContinuationToken")
        expect(
            sorted(names) == ["list/a.txt", "list/b.txt", "list/sub/", "list/subway.txt"]
            and pages == 2,
            f"{pages} pages: {names}",
        )

    def check_list_start_after(self) -> None:
        """StartAfter=page/k4.txt -> k5, k6"""
        for i in range(7):
            self.c.put_object(Bucket=BUCKET, Key=f"page/k{i}.txt", Body=b"x")
        page = self.c.list_objects_v2(Bucket=BUCKET, Prefix="page/", StartAfter="page/k4.txt")
        keys = [o["Key"] for o in page.get("Contents", [])]
        expect(keys == ["page/k5.txt", "page/k6.txt"], f"keys {keys}")

    def check_list_entry_fields(self) -> None:
        """listed entries carry Size, ETag (the MD5) and LastModified"""
        page = self.c.list_objects_v2(Bucket=BUCKET, Prefix=self.key)
        entries = page.get("Contents", [])
        expect(len(entries) == 1, f"{len(entries)} entries")
        entry = entries[0]
        expect(entry.get("Size") == 1000, f"Size {entry.get('Size')}")
        expect(
            entry.get("ETag") == f'"{hashlib.md5(self.data).hexdigest()}"',
            f"ETag {entry.get('ETag')!r}",
        )
        expect(entry.get("LastModified") is not None, "no LastModified")

    # ---- copy and delete ----
    def check_copy_object(self) -> None:
        """CopyObject -> same bytes, same ETag, metadata copied"""
        self.c.put_object(
            Bucket=BUCKET, Key="copy/src.bin", Body=self.data, Metadata={"color": "blue"}
        )
        answer = self.c.copy_object(
            Bucket=BUCKET, Key="copy/dst.bin", CopySource={"Bucket": BUCKET, "Key": "copy/src.bin"}
        )
        head = self.c.head_object(Bucket=BUCKET, Key="copy/dst.bin")
        body = self.c.get_object(Bucket=BUCKET, Key="copy/dst.bin")["Body"].read()
        md5 = f'"{hashlib.md5(self.data).hexdigest()}"'
        expect(body == self.data, "wrong bytes")
        expect(
            answer.get("CopyObjectResult", {}).get("ETag") == md5 and head["ETag"] == md5,
            f"ETags {answer.get('CopyObjectResult', {}).get('ETag')!r} / {head['ETag']!r}",
        )
        expect(head.get("Metadata") == {"color": "blue"}, f"Metadata {head.get('Metadata')}")

    def check_copy_object_replace_metadata(self) -> None:
        """CopyObject MetadataDirective=REPLACE -> the new metadata only"""
        self.c.put_object(
            Bucket=BUCKET, Key="copy/src2.bin", Body=self.data, Metadata={"color": "blue"}
        )
        self.c.copy_object(
            Bucket=BUCKET,
            Key="copy/dst2.bin",
            CopySource={"Bucket": BUCKET, "Key": "copy/src2.bin"},
            MetadataDirective="REPLACE",
            Metadata={"shape": "round"},
        )
        head = self.c.head_object(Bucket=BUCKET, Key="copy/dst2.bin")
        expect(head.get("Metadata") == {"shape": "round"}, f"Metadata {head.get('Metadata')}")

    def check_copy_multipart_object(self) -> None:
        """CopyObject of a multipart object -> the same bytes"""
        parts = self._parts()
        key = "copy/mpu-src.bin"
        upload = self.c.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
        done = [
            {
                "PartNumber": n,
                "ETag": self.c.upload_part(
                    Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=n, Body=p
                )["ETag"],
            }
            for n, p in enumerate(parts, 1)
        ]
        self.c.complete_multipart_upload(
            Bucket=BUCKET, Key=key, UploadId=upload, MultipartUpload={"Parts": done}
        )
        self.c.copy_object(
            Bucket=BUCKET, Key="copy/mpu-dst.bin", CopySource={"Bucket": BUCKET, "Key": key}
        )
        body = self.c.get_object(Bucket=BUCKET, Key="copy/mpu-dst.bin")["Body"].read()
        expect(body == b"".join(parts), f"{len(body)} bytes")

    def check_delete_objects(self) -> None:
        """DeleteObjects of 2 keys + 1 missing -> 3 Deleted, no Errors, keys gone"""
        for key in ("del/a", "del/b"):
            self.c.put_object(Bucket=BUCKET, Key=key, Body=b"x")
        answer = self.c.delete_objects(
            Bucket=BUCKET,
            Delete={"Objects": [{"Key": "del/a"}, {"Key": "del/b"}, {"Key": "del/missing"}]},
        )
        deleted = sorted(d["Key"] for d in answer.get("Deleted", []))
        expect(not answer.get("Errors"), f"Errors {answer.get('Errors')}")
        expect(deleted == ["del/a", "del/b", "del/missing"], f"Deleted {deleted}")
        left = self.c.list_objects_v2(Bucket=BUCKET, Prefix="del/").get("KeyCount", 0)
        expect(left == 0, f"{left} keys left")

    def check_delete_object_missing(self) -> None:
        """DeleteObject of a missing key -> 204, no error"""
        answer = self.c.delete_object(Bucket=BUCKET, Key="del/never-there")
        status = answer["ResponseMetadata"]["HTTPStatusCode"]
        expect(status == 204, f"status {status}")

    def cleanup(self) -> None:
        keys = []
        for page in self.c.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            keys += [{"Key": o["Key"]} for o in page.get("Contents", [])]
        for start in range(0, len(keys), 1000):
            self.c.delete_objects(Bucket=BUCKET, Delete={"Objects": keys[start : start + 1000]})


def checks() -> list[tuple[str, Callable[[Checks], None], str]]:
    found = []
    for name in Checks.__dict__:
        if name.startswith("check_"):
            method = getattr(Checks, name)
            found.append(
                (name.removeprefix("check_"), method, " ".join((method.__doc__ or "").split()))
            )
    return found


def run(endpoint: str, access_key: str, secret_key: str) -> dict[str, str | None]:
    """{check: None when it passed, else why it failed}"""
    suite = Checks(
        client_for(endpoint, access_key, secret_key),
        client_for(endpoint, access_key, secret_key, "when_supported"),
    )
    suite.setup()
    results: dict[str, str | None] = {}
    try:
        for name, method, _ in checks():
            try:
                method(suite)
                results[name] = None
            except CheckFailed as failure:
                results[name] = str(failure)
            except Exception as error:  # a refused or broken call is a failure too
                if getattr(error, "response", None):  # a ClientError: its code says it
                    results[name] = f"{type(error).__name__} {_code(error)}"
                else:
                    results[name] = f"{type(error).__name__}: {str(error)[:120]}"
                if os.environ.get("FIDELITY_TRACEBACK"):
                    traceback.print_exc()
    finally:
        try:
            suite.cleanup()
        except Exception as error:
            print(f"(cleanup failed: {error})", file=sys.stderr)
    return results


def _start(name: str, work: Path) -> Any:
    if name == "rclone":
        from rclone_s3 import RcloneS3

        return RcloneS3(work / "rclone-data").start()
    if name == "s3rver":
        from s3rver import S3rver

        return S3rver(work / "s3rver-data").start()
    raise SystemExit(f"unknown server {name!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", nargs="?", help="endpoint of a running server")
    parser.add_argument("--access-key", default=os.environ.get("AWS_ACCESS_KEY_ID", ""))
    parser.add_argument("--secret-key", default=os.environ.get("AWS_SECRET_ACCESS_KEY", ""))
    parser.add_argument(
        "--server",
        choices=("rclone", "s3rver", "both"),
        help="start this server (both: one after the other)",
    )
    parser.add_argument("--markdown", action="store_true", help="one Markdown table")
    args = parser.parse_args()
    if bool(args.url) == bool(args.server):
        parser.error("give either URL or --server")
    columns: dict[str, dict[str, str | None]] = {}
    if args.url:
        columns[args.url] = run(args.url, args.access_key, args.secret_key)
    else:
        names = ["rclone", "s3rver"] if args.server == "both" else [args.server]
        work = Path(tempfile.mkdtemp(prefix="fidelity-"))
        try:
            for name in names:
                server = _start(name, work)
                try:
                    columns[name] = run(server.endpoint, server.access_key, server.secret_key)
                finally:
                    server.stop()
        finally:
            shutil.rmtree(work, ignore_errors=True)
    failed = any(why is not None for results in columns.values() for why in results.values())
    docs = {name: doc for name, _, doc in checks()}
    if args.markdown:
        print("| check | what S3 does | " + " | ".join(columns) + " |")
        print("|---|---|" + "---|" * len(columns))
        for name in docs:
            cells = [
                "PASS" if results[name] is None else f"**FAIL**: {results[name]}"
                for results in columns.values()
            ]
            print(f"| {name} | {docs[name]} | " + " | ".join(cells) + " |")
    else:
        for column, results in columns.items():
            print(f"== {column}")
            for name, why in results.items():
                print(f"PASS {name}" if why is None else f"FAIL {name}: {why}")
            print(
                f"{sum(w is None for w in results.values())} passed, "
                f"{sum(w is not None for w in results.values())} failed"
            )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
