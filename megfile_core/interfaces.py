"""``from megfile.interfaces import ...`` keeps working: megfile's interfaces names, for
the path and stat types (core's own), resolved on first use."""

from megfile_core.megfile_names import reexport

__all__, __getattr__, __dir__ = reexport("interfaces")
