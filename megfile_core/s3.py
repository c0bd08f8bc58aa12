"""``from megfile.s3 import ...`` keeps working: megfile's s3 names, for
S3 (the megfile-s3 plugin), resolved on first use."""

from megfile_core.megfile_names import reexport

__all__, __getattr__, __dir__ = reexport("s3")
