"""The data loader our botocore sessions use (megfile_s3.models): the same models
as botocore's own loader, in the same order, found without listing every service."""

from __future__ import annotations

import json
import os
from typing import Any

import botocore.exceptions
import botocore.loaders
import pytest

import megfile_s3.client
from megfile_s3 import models


def _both() -> tuple[botocore.loaders.Loader, models.ModelLoader]:
    return botocore.loaders.create_loader(), models.loader(None)


@pytest.mark.parametrize(
    ("service", "type_name"),
    [
        ("s3", "service-2"),
        ("s3", "endpoint-rule-set-1"),
        ("s3", "paginators-1"),
        ("s3", "waiters-2"),
        ("sts", "service-2"),
    ],
)
def test_service_models_equal_botocores_in_the_same_order(service: str, type_name: str) -> None:
    theirs, ours = _both()
    expected = theirs.load_service_model(service, type_name)
    got = ours.load_service_model(service, type_name)
    assert json.dumps(got) == json.dumps(expected)  # every key, in the same order
    assert type(got) is dict  # plain dicts, not OrderedDict


def test_extras_are_merged_as_botocore_merges_them() -> None:
    theirs, ours = _both()
    # service-2.sdk-extras.json of s3 adds a shape: present in both, identical
    got = ours.load_service_model("s3", "service-2")["shapes"]["Expires"]
    assert got == theirs.load_service_model("s3", "service-2")["shapes"]["Expires"]
    assert got["type"] == "timestamp"


def test_plain_data_files_equal_botocores() -> None:
    theirs, ours = _both()
    for name in ("endpoints", "partitions", "_retry", "sdk-default-configuration"):
        assert json.dumps(ours.load_data(name)) == json.dumps(theirs.load_data(name))


def test_a_service_model_is_found_without_listing_every_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_listing(self: Any, type_name: str) -> list[str]:
        raise AssertionError("listed every service")

    monkeypatch.setattr(botocore.loaders.Loader, "list_available_services", no_listing)
    assert "GetObject" in models.loader(None).load_service_model("s3", "service-2")["operations"]


def test_an_unknown_service_raises_botocores_error() -> None:
    with pytest.raises(botocore.exceptions.UnknownServiceError):
        models.loader(None).load_service_model("no-such-service", "service-2")
    with pytest.raises(botocore.exceptions.DataNotFoundError):
        models.loader(None).load_service_model("s3", "service-2", "1999-01-01")


def test_the_data_path_setting_adds_search_paths(tmp_path: Any) -> None:
    for version, marker in (("2020-01-01", "old"), ("2021-06-01", "new")):
        folder = tmp_path / "megfiletest" / version
        folder.mkdir(parents=True)
        (folder / "service-2.json").write_text(json.dumps({"marker": marker}))
    loader = models.loader(f"{tmp_path}{os.pathsep}~/no-such-folder")
    assert str(tmp_path) in loader.search_paths
    assert loader.load_service_model("megfiletest", "service-2") == {"marker": "new"}
    assert loader.load_service_model("megfiletest", "service-2", "2020-01-01") == {"marker": "old"}


def test_sessions_use_the_model_loader(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    megfile_s3.client.clear_cache()
    try:
        session = megfile_s3.client._session(None)
        loader = session._session.get_component("data_loader")
        assert isinstance(loader, models.ModelLoader)
        assert isinstance(loader.file_loader, models.PlainJSONFileLoader)
        assert str(tmp_path) in loader.search_paths  # AWS_DATA_PATH, as botocore reads it
        # boto3's own data (resources) stays on the path
        assert any(path.endswith(os.path.join("boto3", "data")) for path in loader.search_paths)
    finally:
        megfile_s3.client.clear_cache()
