"""The site's page list and the README agree: every page of the nav exists (or is
generated at build time) and the README links it; the README's first two commands
stay the install and test commands."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
GENERATED = {"cli.md"}  # written by scripts/mkdocs_hooks.py during the build


def _nav_pages(entries: list[Any]) -> list[str]:
    pages = []
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages += _nav_pages(value) if isinstance(value, list) else [value]
    return pages


def nav_pages() -> list[str]:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    return _nav_pages(config["nav"])


def test_every_nav_page_exists() -> None:
    pages = nav_pages()
    assert {"quickstart.md", "configuration.md", "plugins.md", "performance.md"} <= set(pages)
    assert {"cli.md", "api/smart.md", "api/hooks.md"} <= set(pages)
    missing = [p for p in pages if p not in GENERATED and not (ROOT / "docs" / p).is_file()]
    assert not missing


def test_readme_links_every_page_and_every_link_resolves() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = set(re.findall(r"\]\((docs/[^)#]+)(?:#[^)]*)?\)", readme))
    assert not [link for link in links if not (ROOT / link).is_file()]
    unlinked = [p for p in nav_pages() if p not in GENERATED and f"docs/{p}" not in links]
    assert not unlinked, f"pages the README does not link: {unlinked}"


def test_readme_first_commands_are_install_and_test() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.DOTALL)
    assert blocks[:2] == ["bash scripts/install.sh\n", "bash scripts/test.sh\n"]
