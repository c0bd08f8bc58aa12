"""A moto S3 server on 127.0.0.1 for tests (importable by other test suites).

    from s3server import MotoS3
    server = MotoS3.start()            # free port picked by the OS
    env = server.env()                 # AWS_* variables pointing at it
    server.client().create_bucket(Bucket="b")
    server.stop()

moto runs in a thread of this process (``ThreadedMotoServer``); it accepts any
credentials. Path-style addressing is used (no DNS for virtual hosts).
"""

from __future__ import annotations

import uuid
from typing import Any

ACCESS_KEY = "AKIATESTKEY00000WXYZ"
SECRET_KEY = "test-secret-key-never-printed"
REGION = "us-east-1"


class MotoS3:
    def __init__(self, server: Any, endpoint: str) -> None:
        self.server = server
        self.endpoint = endpoint

    @classmethod
    def start(cls) -> MotoS3:
        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        return cls(server, f"http://{host}:{port}")

    def stop(self) -> None:
        self.server.stop()

    def env(self, prefix: str = "") -> dict[str, str]:
        """Variables that point ``s3://`` (or ``s3+PREFIX://``) at this server."""
        head = f"{prefix.upper()}__" if prefix else ""
        return {
            f"{head}AWS_ACCESS_KEY_ID": ACCESS_KEY,
            f"{head}AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            f"{head}AWS_ENDPOINT_URL": self.endpoint,
            f"{head}AWS_S3_ADDRESSING_STYLE": "path",
        }

    def client(self) -> Any:
        """A plain boto3 client (no megfile wrapper) for checks in tests."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}),
        )

    def new_bucket(self) -> str:
        name = f"test-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name
