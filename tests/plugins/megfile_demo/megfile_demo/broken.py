"""A plugin module that fails to import when ``MEGFILE_DEMO_BREAK=1``.

Registered as the entry point ``demo_broken`` so the CLI tests can check that one
broken plugin is reported by ``megfile plugins`` and leaves every other command (and
the working ``demo`` plugin) usable. Without the variable it is a harmless plugin
module with no hooks.
"""

import os

if os.environ.get("MEGFILE_DEMO_BREAK") == "1":
    raise ImportError("megfile_demo.broken is broken on purpose (MEGFILE_DEMO_BREAK=1)")
