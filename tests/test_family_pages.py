"""Every committed family page equals the page generated now (`distcheck report FAMILY`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from distcheck.contract import catalog
from distcheck.contract.errors import BadInput
from distcheck.engines.mutate import mutants
from distcheck.outputs import mutation as mutation_results
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


MUTATION_FILES = sorted((familypage.ROOT / "models").glob(f"*/{mutation_results.MUTATION_FILE}"))


@pytest.mark.parametrize("path", MUTATION_FILES, ids=[p.parent.name for p in MUTATION_FILES])
def test_committed_mutation_results_match_the_models(path: Path) -> None:
    """The page's mutation section is only as fresh as its file: the mutants recorded must be the
    mutants the models' code gives now, and the declared equivalents those recorded as such
    (checked without running mutate; regenerate the file when this fails)."""
    family = path.parent.name
    doc = mutation_results.load_results(path)
    assert doc is not None
    stale = f"stale {path.name}: run 'distcheck mutate {family} --json > models/{family}/{path.name}'"
    for recorded in doc["models"]:
        cls = catalog.bundled_models()[recorded["model"]]
        made, _ = mutants(cls)
        assert [(r["id"], r["diff"]) for r in recorded["results"]] == \
            [(m.mutation.id, m.mutation.diff) for m in made], stale
        declared = dict(getattr(cls, "equivalent_mutants", {}) or {})
        equivalent = {r["id"]: r["reason"] for r in recorded["results"]
                      if r["status"] == "equivalent"}
        assert equivalent == {k: v for k, v in declared.items() if k in equivalent}, stale
        assert set(declared) <= {r["id"] for r in recorded["results"]
                                 if r["status"] in ("equivalent", "killed")}, stale


def test_the_page_shows_scores_survivors_and_equivalents(tmp_path: Path, capsys) -> None:
    from distcheck.cli.commands import main

    assert main(["mutate", "sessions.sticky", "--json", "--min-score", "0"]) == 0
    path = tmp_path / mutation_results.MUTATION_FILE
    doc = json.loads(capsys.readouterr().out)
    survivor = next(r for r in doc["models"][0]["results"] if r["status"] == "survived")
    survivor["status"], survivor["reason"] = "equivalent", "a reason given by the model"
    path.write_text(json.dumps(doc), encoding="utf-8")
    text = "\n".join(familypage._mutation_section("sessions", path))
    assert "| `sessions.sticky` | " in text
    assert f"`{survivor['id']}` ({survivor['description']}): a reason given by the model" in text
    assert "Survivors (a mistake no verdict notices)" in text
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(BadInput, match="not a distcheck mutation-results file"):
        familypage._mutation_section("sessions", path)
    assert familypage._mutation_section("sessions", tmp_path / "absent.json") == []
