"""The built-in backends: local files (``file``) and standard streams (``stdio``)."""
