"""Every committed family page equals the page generated now (`distcheck report FAMILY`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from distcheck.outputs import pages as familypage

PAGES = sorted((familypage.ROOT / "models").glob("*/README.md"))


def test_there_are_family_pages() -> None:
    assert {p.parent.name for p in PAGES} >= {"locks", "ids", "transactions"}


@pytest.mark.parametrize("readme", PAGES, ids=[p.parent.name for p in PAGES])
def test_committed_page_is_the_generated_page(readme: Path) -> None:
    family = readme.parent.name
    sections = familypage.check_family(family)
    page = familypage.render(family, sections, page_dir=readme.parent)
    assert all(r.as_expected for sec in sections for r in sec.results)
    assert readme.read_text(encoding="utf-8") == page, (
        f"stale page: run 'distcheck report {family} -o models/{family}/README.md'"
    )
