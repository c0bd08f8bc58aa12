"""Backend-agnostic buffered I/O: a prefetching range reader and a part writer.

Nothing is imported here on purpose: ``megfile_core.io.prefetch`` and
``megfile_core.io.writer`` pull in :mod:`concurrent.futures`, and they are only
needed once a remote file is opened.
"""
