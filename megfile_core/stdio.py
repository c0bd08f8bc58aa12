"""``from megfile.stdio import ...`` keeps working: megfile's stdio names, for
stdin/stdout (core's own), resolved on first use."""

from megfile_core.megfile_names import reexport

__all__, __getattr__, __dir__ = reexport("stdio")
