"""botocore's data loader, made cheaper for a process's first client.

Why: building the first S3 client costs 85-95 ms of CPU here, and a read or a CLI
command waits for it. Most of it is botocore loading its JSON models: the
1.2 MiB ``endpoints.json``, the S3 service model and its endpoint rules. Two
things make that slow, and neither changes what is loaded:

* every JSON object is parsed into an ``OrderedDict`` (``object_pairs_hook``),
  two to four times slower than the plain ``dict`` that keeps the same order
  since Python 3.7;
* before loading a service's model, the loader lists every service it knows
  (a ``listdir`` and a ``stat`` for each of some 400 directories, once per model
  type) only to check that the one asked for is among them.

:func:`loader` builds the session's loader with a file loader that parses into
plain dicts, and :class:`ModelLoader` finds a service's latest version by looking
in that service's directories alone. Together: about 50 ms for the first client
instead of 90 (both medians of 5 fresh processes). The search paths are the ones
botocore would use (``AWS_DATA_PATH`` / ``data_path``, then its own and boto3's
data), and the extras (``*.sdk-extras.json``) are merged as before. An unknown
service still raises botocore's ``UnknownServiceError``: the general path answers
whenever the quick one finds nothing.
"""

from __future__ import annotations

import gzip
import json
import os
from typing import Any

import botocore.loaders
from botocore.exceptions import DataNotFoundError

__all__ = ["ModelLoader", "PlainJSONFileLoader", "loader"]

#: the file endings botocore's JSON models have, and how each is opened
_ENDINGS = ((".json", open), (".json.gz", gzip.open))


class PlainJSONFileLoader(botocore.loaders.JSONFileLoader):  # type: ignore[misc]
    """botocore's JSON file loader, parsing into plain dicts."""

    def load_file(self, file_path: str) -> Any:
        """The data of ``file_path`` + ``.json`` or ``.json.gz``; None if neither
        exists."""
        for ending, opener in _ENDINGS:
            full_path = file_path + ending
            if not os.path.isfile(full_path):
                continue
            with opener(full_path, "rb") as stream:
                return json.loads(stream.read().decode("utf-8"))
        return None


class ModelLoader(botocore.loaders.Loader):  # type: ignore[misc]
    """botocore's loader; a service's model is found without listing all
    services."""

    @botocore.loaders.instance_cache  # type: ignore[untyped-decorator]
    def load_service_model(
        self, service_name: str, type_name: str, api_version: str | None = None
    ) -> Any:
        find_extras = getattr(self, "_find_extras", None)
        extras = getattr(self, "_extras_processor", None)
        if find_extras is None or extras is None:  # another botocore
            return super().load_service_model(service_name, type_name, api_version)
        try:
            if api_version is None:
                api_version = self.determine_latest_version(service_name, type_name)
            model = self.load_data(os.path.join(service_name, api_version, type_name))
        except DataNotFoundError:
            # unknown service, version or type: botocore's own path raises the
            # error it always raised
            return super().load_service_model(service_name, type_name, api_version)
        extras.process(model, find_extras(service_name, type_name, api_version))
        return model


def loader(search_path: str | None) -> ModelLoader:
    """The loader for a botocore session whose ``data_path`` setting is
    ``search_path`` (``os.pathsep``-separated, ``~`` and variables expanded, as
    botocore's own ``create_loader`` reads it)."""
    extra = (
        [os.path.expanduser(os.path.expandvars(path)) for path in search_path.split(os.pathsep)]
        if search_path
        else None
    )
    return ModelLoader(extra_search_paths=extra, file_loader=PlainJSONFileLoader())
