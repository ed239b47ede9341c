"""Go's ``text/tabwriter``, the layout engine behind kubectl's tables and ``describe``.

kubectl aligns everything it prints with a tabwriter: cells end with a tab, lines with a
newline, and a column is as wide as its widest cell plus padding. Widths are computed per
*column block*, a run of consecutive lines that all have a tab-terminated cell in that
column; the last cell of a line belongs to no column and is never padded. So ``describe``
re-aligns after a line without a tab (``Pod Template:``), and a line ending in an empty
cell keeps its padding (``Endpoints:`` with nothing after it has trailing spaces, as in
kubectl). This ports Go's ``format``/``writeLines`` and the ``RememberWidths`` flag of the
fork kubectl uses for tables, so the rows of ``get -w`` keep the widths already shown.

Two configurations matter: tables (``table_writer``: min width 6, padding 3, remembered
widths) and describe (``describe_writer``: min width 0, padding 2). Widths count code
points, as Go's ``utf8.RuneCount`` does. Pure: text in, text out.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class _Line:
    cells: list[str]
    newline: bool


@dataclass
class TabWriter:
    """Buffer text with ``write``; ``flush`` returns it aligned."""

    minwidth: int = 0
    padding: int = 1
    remember_widths: bool = False
    _buf: list[str] = field(default_factory=list)
    _max: list[int] = field(default_factory=list)

    def write(self, text: str) -> None:
        self._buf.append(text)

    def flush(self) -> str:
        """The buffered text, aligned. The buffer is emptied; remembered widths stay."""
        text, self._buf = "".join(self._buf), []
        out: list[str] = []
        for chunk in _chunks(text):
            self._format(chunk, 0, len(chunk), [], out)
        return "".join(out)

    def forget_widths(self) -> None:
        self._max = []

    def _format(self, lines: list[_Line], line0: int, line1: int, widths: list[int],
                out: list[str]) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this].cells) - 1:
                this += 1
                continue
            _write_lines(lines, line0, this, widths, out)
            line0 = this
            width = self.minwidth
            while this < line1 and column < len(lines[this].cells) - 1:
                width = max(width, len(lines[this].cells[column]) + self.padding)
                this += 1
            width = self._remembered(column, width, widths)
            self._format(lines, line0, this, [*widths, width], out)
            line0 = this
        _write_lines(lines, line0, line1, widths, out)

    def _remembered(self, column: int, width: int, widths: list[int]) -> int:
        if not self.remember_widths:
            return width
        if len(self._max) < len(widths):
            self._max.extend(widths[len(self._max):])
        if len(self._max) == column:
            self._max.append(width)
        elif self._max[column] > width:
            width = self._max[column]
        else:
            self._max[column] = width
        return width


def _chunks(text: str) -> list[list[_Line]]:
    """Lines grouped the way Go's Writer flushes them: it flushes by itself after a line of
    one cell (such a line cannot change what follows), which matters for remembered widths."""
    if not text:
        return []
    raw = text.split("\n")
    ends_open = raw[-1] != ""
    if not ends_open:
        raw.pop()
    chunks: list[list[_Line]] = [[]]
    for i, line in enumerate(raw):
        newline = i < len(raw) - 1 or not ends_open
        chunks[-1].append(_Line(line.split("\t"), newline))
        if newline and "\t" not in line:
            chunks.append([])
    return [c for c in chunks if c]


def _write_lines(lines: list[_Line], line0: int, line1: int, widths: list[int],
                 out: list[str]) -> None:
    for line in lines[line0:line1]:
        for j, cell in enumerate(line.cells):
            out.append(cell)
            if j < len(widths):
                out.append(" " * (widths[j] - len(cell)))
        if line.newline:
            out.append("\n")


def table_writer() -> TabWriter:
    """How kubectl lays out tables (``printers.GetNewTabWriter``)."""
    return TabWriter(minwidth=6, padding=3, remember_widths=True)


def describe_writer() -> TabWriter:
    """How kubectl lays out ``describe`` (``tabbedString``)."""
    return TabWriter(minwidth=0, padding=2)
