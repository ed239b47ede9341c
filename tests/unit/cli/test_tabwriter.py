from __future__ import annotations

from tinykube.cli.tabwriter import TabWriter, describe_writer, table_writer


def _fmt(w: TabWriter, text: str) -> str:
    w.write(text)
    return w.flush()


def test_columns_are_as_wide_as_the_widest_cell_plus_padding() -> None:
    out = _fmt(TabWriter(padding=2), "a\tbbb\tc\ndddd\te\tf\n")
    assert out == "a     bbb  c\ndddd  e    f\n"


def test_min_width_applies_to_every_column() -> None:
    assert _fmt(table_writer(), "A\tB\nx\ty\n") == "A     B\nx     y\n"


def test_the_last_cell_of_a_line_is_never_padded_but_empty_cells_are() -> None:
    out = _fmt(describe_writer(), "Name:\tx\nEndpoints:\t\n")
    assert out == "Name:       x\nEndpoints:  \n"


def test_a_line_without_tabs_ends_the_column_block() -> None:
    out = _fmt(describe_writer(), "A:\t1\nLonger label:\t2\nBreak\nB:\t3\n")
    assert out == "A:             1\nLonger label:  2\nBreak\nB:  3\n"


def test_nested_blocks_align_each_column_over_its_own_lines() -> None:
    text = "a\tb\tc\nlonger\tb\nx\ty\tz\n"
    assert _fmt(TabWriter(padding=1), text) == "a      b c\nlonger b\nx      y z\n"


def test_text_without_final_newline_is_kept() -> None:
    assert _fmt(TabWriter(padding=1), "a\tb\nc") == "a b\nc"


def test_remembered_widths_carry_over_flushes() -> None:
    w = table_writer()
    assert _fmt(w, "NAME\tAGE\nlong-name-here\t1s\n") == \
        "NAME             AGE\nlong-name-here   1s\n"
    assert _fmt(w, "x\t2s\n") == "x                2s\n"
    w.forget_widths()
    assert _fmt(w, "x\t2s\n") == "x     2s\n"


def test_widths_count_characters_not_bytes() -> None:
    assert _fmt(TabWriter(padding=1), "é\tx\nab\ty\n") == "é  x\nab y\n"
