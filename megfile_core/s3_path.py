"""``from megfile.s3_path import ...`` keeps working: megfile's s3_path names, for
S3 (the megfile-s3 plugin), resolved on first use."""

from megfile_core.megfile_names import reexport

__all__, __getattr__, __dir__ = reexport("s3_path")
