"""A third-party protocol, ``demo://NAME``, kept under ``$MEGFILE_DEMO_ROOT``."""

__all__ = ["demo_root"]


def demo_root() -> str:
    import os

    return os.environ["MEGFILE_DEMO_ROOT"]
