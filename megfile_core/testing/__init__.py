"""Helpers for testing megfile_core and its plugins: ``memory://`` and the contract suite."""
