"""``from megfile.fs_path import ...`` keeps working: megfile's fs_path names, for
local files (core's own), resolved on first use."""

from megfile_core.megfile_names import reexport

__all__, __getattr__, __dir__ = reexport("fs_path")
