"""A griffe extension (mkdocs.yml) that reads the project's reST-flavoured docstrings
as Markdown for the API reference.

Sphinx roles (``:func:`smart_stat` ``, ``:class:`~megfile_s3.errors.S3ConfigError` ``)
become code spans (`` `smart_stat` ``, the ``~`` form keeping the last name), a
paragraph ending in ``::`` ends in ``:`` (the indented block after it is a code block
in Markdown too) and ``.. versionadded:: X`` becomes a sentence. The source keeps its
docstrings as they are; only the rendered text changes.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:func|class|mod|meth|attr|data|exc|obj|const):`(~?)([^`]+)`")
_LITERAL = re.compile(r"(?<=\w)::$", re.MULTILINE)
_ADDED = re.compile(r"^(\s*)\.\. versionadded:: (\S+)$", re.MULTILINE)


def _role(match: re.Match[str]) -> str:
    target = match.group(2).strip()
    return f"`{target.rpartition('.')[2] if match.group(1) else target}`"


def to_markdown(text: str) -> str:
    text = _ROLE.sub(_role, text)
    text = _LITERAL.sub(":", text)
    return _ADDED.sub(r"\1*Added in version \2.*", text)


class ReSTRoles(griffe.Extension):
    """Rewrites every docstring once it is loaded."""

    def on_instance(self, *, node: Any, obj: griffe.Object, agent: Any, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)
