"""The HTML report is one valid document: no element id twice, every internal reference resolves."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from provenance.report.formats.plots import own_ids


def test_no_id_is_repeated_and_every_reference_resolves(report_world: Mapping) -> None:
    page = (report_world["out"] / "report.html").read_text(encoding="utf-8")
    ids = Counter(re.findall(r'\bid="([^"]+)"', page))
    assert ids and not [i for i, n in ids.items() if n > 1]
    references = set(re.findall(r"url\(#([^)]+)\)", page)) | set(re.findall(r'href="#([^"]+)"', page))
    assert references and references <= set(ids)


def test_own_ids_prefixes_ids_and_their_references() -> None:
    svg = '<g id="a"><clipPath id="c1"/><use xlink:href="#a"/><path clip-path="url(#c1)"/></g>'
    assert own_ids(svg, "x") == (
        '<g id="x-a"><clipPath id="x-c1"/><use xlink:href="#x-a"/><path clip-path="url(#x-c1)"/></g>'
    )
