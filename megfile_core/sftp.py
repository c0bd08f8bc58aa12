"""``from megfile.sftp import ...`` keeps working: megfile's sftp names, for
SFTP (the megfile-sftp plugin), resolved on first use."""

from megfile_core.megfile_names import reexport

__all__, __getattr__, __dir__ = reexport("sftp")
