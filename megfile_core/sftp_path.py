"""``from megfile.sftp_path import ...`` keeps working: megfile's sftp_path names, for
SFTP (the megfile-sftp plugin), resolved on first use."""

from megfile_core.megfile_names import reexport

__all__, __getattr__, __dir__ = reexport("sftp_path")
