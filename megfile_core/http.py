"""``from megfile.http import ...`` keeps working: megfile's http names, for
HTTP(S) (the megfile-http plugin), resolved on first use."""

from megfile_core.megfile_names import reexport

__all__, __getattr__, __dir__ = reexport("http")
