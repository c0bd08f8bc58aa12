"""``from megfile.version import VERSION`` keeps working: megfile_core's version."""

from megfile_core import __version__

VERSION = __version__

__all__ = ["VERSION"]
