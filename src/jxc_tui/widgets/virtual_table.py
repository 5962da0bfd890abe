"""A table of many rows drawn a line at a time (Textual's line API).

``DataTable`` measures every cell of every row when rows are added: 10,000
rows freeze the interface for most of a second, 100,000 for several.  This
table renders only the lines on screen, asking ``row(i)`` for the cells of
row ``i`` as it draws it, so a batch preview of 100,000 customers appears at
once.  The header stays on the first line; the cursor moves with the usual
keys and Enter posts :class:`VirtualTable.Selected`.

Cells are ``rich.text.Text`` (made safe by ``widgets.cells``); each is cut
with an ellipsis or padded to its column's width, measured in terminal
cells, so CJK text lines up.  Money columns are sized by the caller to their
widest figure: an amount is never cut.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


@dataclass(frozen=True)
class Column:
    label: str
    width: int
    justify: str = "left"  # "left" or "right"


RowFn = Callable[[int], Sequence[Text]]


class VirtualTable(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    VirtualTable { height: 1fr; }
    VirtualTable > .virtual-table--header { text-style: bold; background: $panel; }
    VirtualTable > .virtual-table--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    VirtualTable:blur > .virtual-table--cursor { background: $block-cursor-blurred-background; }
    """
    COMPONENT_CLASSES = {"virtual-table--header", "virtual-table--cursor"}
    BINDINGS = [
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "jump(0)", show=False),
        Binding("end", "jump(-1)", show=False),
        Binding("enter", "select", show=False),
    ]

    cursor: reactive[int] = reactive(0)

    class Selected(Message):
        def __init__(self, table: "VirtualTable", index: int) -> None:
            super().__init__()
            self.table = table
            self.index = index

    def __init__(self, columns: Sequence[Column] = (), *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = list(columns)
        self.row_count = 0
        self._row: RowFn = lambda _i: ()

    # --- content ----------------------------------------------------------------------

    def set_rows(self, count: int, row: RowFn, columns: Sequence[Column] | None = None) -> None:
        """Show ``count`` rows, row ``i`` being ``row(i)``; the cursor goes to the top."""
        if columns is not None:
            self.columns = list(columns)
        self.row_count = count
        self._row = row
        self.cursor = 0
        self.scroll_to(0, 0, animate=False)
        self.virtual_size = Size(self._line_width(), count + 1)
        self.refresh()

    def _line_width(self) -> int:
        return sum(c.width for c in self.columns) + max(0, len(self.columns) - 1) + 2

    # --- drawing -------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        if y == 0:
            cells = [Text(c.label) for c in self.columns]
            style = base + self.get_component_rich_style("virtual-table--header")
        else:
            index = scroll_y + y - 1
            if index >= self.row_count:
                return Strip.blank(width, base)
            cells = list(self._row(index))
            style = base + self.get_component_rich_style("virtual-table--cursor") if index == self.cursor else base
        line = self._line(cells, style)
        return line.crop_extend(scroll_x, scroll_x + width, style)

    def _line(self, cells: Sequence[Text], style: Style) -> Strip:
        out = Text(" ", style=style, no_wrap=True)
        for i, column in enumerate(self.columns):
            cell = cells[i].copy() if i < len(cells) else Text("")
            cell.no_wrap = True
            cell.truncate(column.width, overflow="ellipsis")
            pad = column.width - cell.cell_len
            if column.justify == "right":
                out.append(" " * pad)
                out.append_text(cell)
            else:
                out.append_text(cell)
                out.append(" " * pad)
            out.append(" ")
        return Strip(list(out.render(self.app.console)), out.cell_len)

    # --- cursor ------------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        top = int(self.scroll_offset.y)
        visible = max(1, self.size.height - 1)
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + visible:
            self.scroll_to(y=new - visible + 1, animate=False)
        self.refresh()

    def action_move(self, delta: int) -> None:
        if self.row_count:
            self.cursor = max(0, min(self.row_count - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.size.height - 2))

    def action_jump(self, where: int) -> None:
        if self.row_count:
            self.cursor = self.row_count - 1 if where < 0 else 0

    def action_select(self) -> None:
        if self.row_count:
            self.post_message(self.Selected(self, self.cursor))


__all__ = ["Column", "VirtualTable"]
