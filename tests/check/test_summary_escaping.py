"""The step summary renders untrusted text inert: no Markdown markup, links or HTML from a dataset."""

from __future__ import annotations

from provenance.check.formats import summary


def test_markdown_markup_in_a_cell_is_escaped() -> None:
    cell = summary._cell("**bold** [link](https://evil.example) _it_ `code` <b>x</b> a|b ~s~ #h & co")
    assert cell == (
        r"\*\*bold\*\* \[link\](https://evil.example) \_it\_ \`code\` "
        r"&lt;b&gt;x&lt;/b&gt; a\|b \~s\~ \#h &amp; co"
    )


def test_a_cell_is_one_line_and_cut_to_its_width() -> None:
    assert summary._cell("a\nb\r\nc   d", 6) == "a b c…"
