"""Small counts in public tables: primary and complementary suppression."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SuppressedTable:
    """Counts with row and column totals; `hidden` marks what must not be shown ("<3" or "*")."""

    cells: list[list[int]]  # rows × columns, then each row's total last, then a totals row last
    hidden: list[list[str]]  # "" shown, "small" below the threshold, "complement" hidden to protect another

    def show(self, r: int, c: int) -> str:
        kind = self.hidden[r][c]
        return {"": str(self.cells[r][c]), "small": "<3", "complement": "*"}[kind]


def suppress(counts: list[list[int]], threshold: int = 3) -> SuppressedTable:
    """Primary suppression of counts 1..threshold-1, then complementary suppression until no row or column
    (totals included) has exactly one hidden entry, so that no hidden count can be worked out."""
    rows, cols = len(counts), len(counts[0]) if counts else 0
    grid = [list(r) + [sum(r)] for r in counts]
    grid.append([sum(grid[r][c] for r in range(rows)) for c in range(cols + 1)])
    hidden = [["small" if 0 < v < threshold else "" for v in row] for row in grid]
    lines = [[(r, c) for c in range(cols + 1)] for r in range(rows + 1)]
    lines += [[(r, c) for r in range(rows + 1)] for c in range(cols + 1)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for r, c in line if hidden[r][c]) != 1:
                continue
            open_cells = [(r, c) for r, c in line if not hidden[r][c]]
            if not open_cells:
                continue
            # hide the smallest other entry: inner cells before totals, non-zero before zero
            r, c = min(
                open_cells,
                key=lambda rc: (
                    rc[0] == rows or rc[1] == cols,
                    grid[rc[0]][rc[1]] == 0,
                    grid[rc[0]][rc[1]],
                    rc,
                ),
            )
            hidden[r][c] = "complement"
            changed = True
    return SuppressedTable(grid, hidden)
