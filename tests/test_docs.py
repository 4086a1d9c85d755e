"""The documentation's relative links resolve: every [text](target) of README.md, CONTRIBUTING.md and
docs/*.md that is not a web or mail address names a file or folder that exists (relative to the
Markdown file's folder), and a #anchor into a Markdown file names one of its headings. README.md is
a front door: at most 150 lines."""

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

README_MAX_LINES = 150
LINK = re.compile(r"\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto: and the like
FENCED_CODE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)[^`]*?\1")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def documents() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]


def prose(text: str) -> str:
    """The text without code, where brackets and parentheses are not links."""
    return CODE_SPAN.sub("", FENCED_CODE.sub("", text))


def relative_links(document: Path) -> list[str]:
    return [target for target in LINK.findall(prose(document.read_text(encoding="utf-8")))
            if not EXTERNAL.match(target)]


def anchors(document: Path) -> set[str]:
    """The anchors GitHub gives the headings of ``document``: lower case, punctuation dropped,
    spaces as hyphens, a repeated one numbered -1, -2..."""
    seen: dict[str, int] = {}
    for heading in HEADING.findall(FENCED_CODE.sub("", document.read_text(encoding="utf-8"))):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading counts by its text
        slug = re.sub(r"[^\w\- ]", "", text.replace("`", "").lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        if count:
            seen[f"{slug}-{count}"] = 1
    return set(seen)


def broken_links(document: Path) -> list[str]:
    broken = []
    for target in relative_links(document):
        path, _, anchor = target.partition("#")
        linked = (document.parent / path).resolve() if path else document
        if not linked.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target} (no heading #{anchor} in {linked.name})")
    return broken


@pytest.mark.parametrize("document", documents(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_resolves(document):
    broken = broken_links(document)
    assert not broken, f"{document.relative_to(ROOT)} links to what is not there: {broken}"


def test_the_docs_have_links_to_check():
    """The checks above see the links: the README's own, and a heading anchor GitHub spells by its rule."""
    readme = relative_links(ROOT / "README.md")
    assert {"docs/GUIDE.md", "docs/TRAINING.md", "docs/DESIGN.md#architecture", "CONTRIBUTING.md"} <= set(readme)
    assert "7-game-characters-sprites-the-papers-section-44" in anchors(ROOT / "docs" / "RESULTS.md")


def test_a_broken_link_is_found(tmp_path):
    (tmp_path / "there.md").write_text("# A heading, with `code`\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text("[fine](there.md) [fine](there.md#a-heading-with-code) [web](https://example.com/gone)\n"
                    "`[in code](gone.md)` [gone](moved/gone.png) [no heading](there.md#elsewhere)\n",
                    encoding="utf-8")
    assert broken_links(page) == ["moved/gone.png (no such file)",
                                  "there.md#elsewhere (no heading #elsewhere in there.md)"]


def test_the_readme_is_a_front_door():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; the manual belongs in docs/"
