"""Small counts in public figures: one suppression step over all figures that are linked, and the audit
that proves no hidden figure can be worked out from what is shown.

The figures are counts (non-negative integers) tied together by linear relations — a total is the sum of
its parts, a month's count is the month before plus those who entered less those who left, a township is
the sum of its villages. A reader who knows these relations and every shown figure can bound each hidden
one. Suppression hides every count from 1 to threshold − 1, then more figures, until the audit finds that
no hidden figure can be pinned down to a range narrower than the threshold. All hidden figures look the
same ("*"), so a reader cannot tell a small count from one hidden to protect it.

The audit solves, for each hidden figure, the smallest and largest values it can take under the shown
figures, the relations and non-negativity (linear programmes, HiGHS through scipy). Bounds are rounded
inward to whole counts.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from generators.core.cache import KeyedFiles, SignedPickles, source_digest


@dataclass(frozen=True)
class Relation:
    """Σ coefficient × figure = 0 (`equal`), or ≤ 0 (not `equal`)."""

    terms: tuple[tuple[str, int], ...]
    equal: bool = True


@dataclass
class FigureSystem:
    """The true value of every figure that will be published (shown or hidden), and how they are linked."""

    values: dict[str, int]
    relations: list[Relation] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # figure → how a person would name it
    # figure → how much readers lose when it is hidden (0 by default); cheaper figures are hidden first
    weight: dict[str, int] = field(default_factory=dict)

    def check(self) -> None:
        """The relations hold for the true values (a modelling error would make the audit meaningless)."""
        for rel in self.relations:
            total = sum(c * self.values[f] for f, c in rel.terms)
            if (rel.equal and total != 0) or (not rel.equal and total > 0):
                names = " ".join(f"{c:+d}·{f}={self.values[f]}" for f, c in rel.terms)
                raise AssertionError(f"relation does not hold: {names}")


@dataclass(frozen=True)
class Disclosure:
    """A hidden figure a reader could narrow to [low, high] (high − low below the threshold)."""

    figure: str
    low: float
    high: float


class SuppressionError(Exception):
    """The figures could not be protected (the build stops rather than publish them)."""


def _index(system: FigureSystem) -> dict[str, list[int]]:
    by_figure: dict[str, list[int]] = defaultdict(list)
    for i, rel in enumerate(system.relations):
        for f, _ in rel.terms:
            by_figure[f].append(i)
    return by_figure


def protected(
    system: FigureSystem,
    threshold: int,
    kept: KeyedFiles | None = None,
    solved: SignedPickles | None = None,
) -> frozenset[str]:
    """`protect`, taken from `kept` when the same figures, relations and threshold were protected before (a
    monthly rebuild changes a few villages' figures, or none: the month's suppression is solved once). The
    hidden figures are what the site shows as hidden anyway; the key is a hash of the values. `solved`:
    the audit's groups of hidden figures kept from earlier builds (see `audit`); when given, the figures
    are always protected through it (its groups all kept, that takes a fraction of a second), so that
    what it keeps depends on the figures alone, not on what `kept` held."""
    if kept is None or solved is not None:
        return protect(system, threshold, solved=solved)
    question = (threshold, sorted(system.values.items()), system.relations, sorted(system.weight.items()))
    key = hashlib.sha256(f"{_code()}\n{question!r}".encode()).hexdigest()
    found = kept.get(key)
    if found is not None:
        return frozenset(json.loads(found))
    hidden = protect(system, threshold)
    kept.put(key, json.dumps(sorted(hidden), ensure_ascii=False).encode())
    return hidden


def _code() -> str:
    """This module and the solver's version: what a kept answer depends on besides its question."""
    from importlib.metadata import version

    return f"{source_digest('generators.privacy.suppression')}\n{version('scipy')}"


def protect(
    system: FigureSystem, threshold: int, max_rounds: int = 10_000, solved: SignedPickles | None = None
) -> frozenset[str]:
    """The figures to hide: every count from 1 to threshold − 1, and as many others as the audit needs."""
    system.check()
    if threshold <= 1:
        return frozenset()
    values = system.values
    by_figure = _index(system)
    degree = {f: len(by_figure.get(f, ())) for f in values}

    def cost(f: str) -> tuple:
        # Hide what readers miss least first, then figures tied into few relations (cells before totals),
        # counts of at least the threshold before zeros (a pair summing to less protects nothing), the
        # smallest first.
        return (system.weight.get(f, 0), degree[f], values[f] < threshold, values[f], f)

    hidden = {f for f, v in values.items() if 0 < v < threshold}
    code = _code() if solved is not None else ""
    # Hiding a figure only frees it: every range can only widen, so a figure once found safe stays safe.
    # After the first full audit only the figures found open and those hidden since are checked again.
    pending: set[str] | None = None
    for _ in range(max_rounds):
        before = set(hidden)
        _close(system, hidden, by_figure, cost)
        if pending is not None:
            pending |= hidden - before
        found = audit(system, hidden, threshold, only=pending, solved=solved, code=code)
        if not found:
            return frozenset(hidden)
        before = set(hidden)
        for d in found:
            candidates = _nearest_shown(system, by_figure, hidden, d.figure)
            if candidates:
                hidden.add(min(candidates, key=cost))
        if hidden == before:
            worst = found[0]
            raise SuppressionError(
                f"{system.labels.get(worst.figure, worst.figure)} 隐去后仍可推算（{worst.low:g}～{worst.high:g}）"
            )
        pending = {d.figure for d in found} | (hidden - before)
    raise SuppressionError("隐去的数字过多，仍无法保证不被推算")


def _nearest_shown(
    system: FigureSystem, by_figure: dict[str, list[int]], hidden: set[str], start: str
) -> set[str]:
    """The shown figures closest to a hidden one: in its own relations, or else in the relations of the
    hidden figures linked to it (a total can be pinned through a chain of relations that never names it)."""
    seen, ring, done = {start}, [start], set()
    while ring:
        relations = {i for f in ring for i in by_figure.get(f, ()) if i not in done}
        done |= relations
        terms = {f for i in relations for f, _ in system.relations[i].terms}
        shown = {f for f in terms if f not in hidden}
        if shown:
            return shown
        ring = [f for f in terms if f not in seen]
        seen.update(ring)
    return set()


def _close(system: FigureSystem, hidden: set[str], by_figure: dict[str, list[int]], cost) -> None:
    """No equality with exactly one hidden figure (it would be the difference of the others)."""
    queue = list(range(len(system.relations)))
    while queue:
        i = queue.pop()
        rel = system.relations[i]
        if not rel.equal:
            continue
        inside = [f for f, _ in rel.terms if f in hidden]
        if len(inside) != 1:
            continue
        shown = [f for f, _ in rel.terms if f not in hidden]
        if not shown:
            continue
        pick = min(shown, key=cost)
        hidden.add(pick)
        queue.extend(by_figure.get(pick, ()))


def audit(
    system: FigureSystem,
    hidden: Iterable[str],
    threshold: int,
    only: set[str] | None = None,
    solved: SignedPickles | None = None,
    code: str = "",
) -> list[Disclosure]:
    """Every hidden figure that a reader of the shown figures could narrow to a range shorter than the
    threshold, with that range; empty when the figures are safe to publish. With `only`, just those
    figures are checked (each against all it is linked to). `solved`: each group's answer kept by its
    question (the group's figures, true values and relations, the threshold, the figures asked about, and
    `code`), so that a rebuild after one village changed solves only the groups that village is in. (They
    hold the true small counts: kept in the restricted output, signed.)"""
    hidden = sorted(set(hidden))
    if not hidden:
        return []
    position = {f: i for i, f in enumerate(hidden)}
    values = system.values
    rows: list[tuple[dict[int, int], float, bool]] = []
    for rel in system.relations:
        coefs: dict[int, int] = {}
        rhs = 0
        for f, c in rel.terms:
            if f in position:
                coefs[position[f]] = coefs.get(position[f], 0) + c
            else:
                rhs -= c * values[f]
        coefs = {k: c for k, c in coefs.items() if c}
        if coefs:
            rows.append((coefs, rhs, rel.equal))
    # Hidden figures that share no relation cannot inform each other: each group is solved on its own.
    parent = list(range(len(hidden)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for coefs, _, _ in rows:
        first, *rest = coefs
        for other in rest:
            parent[find(other)] = find(first)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(hidden)):
        groups[find(i)].append(i)
    group_rows: dict[int, list[tuple[dict[int, int], float, bool]]] = defaultdict(list)
    for row in rows:
        group_rows[find(next(iter(row[0])))].append(row)
    found = []
    for root, members in groups.items():
        names = [hidden[k] for k in members]
        wanted = [j for j, f in enumerate(names) if only is None or f in only]
        if not wanted:
            continue
        truth = [values[f] for f in names]
        if solved is None:
            found += _bounds(names, truth, members, group_rows[root], threshold, wanted)
            continue
        local = {v: k for k, v in enumerate(members)}
        question = (
            code,
            names,
            truth,
            [
                (sorted((local[k], c) for k, c in coefs.items()), rhs, eq)
                for coefs, rhs, eq in group_rows[root]
            ],
            threshold,
            wanted,
        )
        key = hashlib.sha256(repr(question).encode()).hexdigest()
        answer = solved.load(key)
        if not isinstance(answer, list):
            answer = _bounds(names, truth, members, group_rows[root], threshold, wanted)
            solved.store_object(key, answer)
        found += answer
    return sorted(found, key=lambda d: d.figure)


class _Programme:
    """The linear constraints of one group of hidden figures (x ≥ 0), minimised for one objective after
    another. HiGHS keeps its basis between objectives (a warm start), which makes the thousands of small
    solves of a large county cheap; scipy's own copy of HiGHS is driven directly for that, and where that
    interface is missing every solve goes through `scipy.optimize.linprog` (HiGHS, from scratch)."""

    def __init__(self, n: int, a_eq, b_eq, a_ub, b_ub):
        import numpy as np

        self.n, self.args = n, (a_eq, b_eq, a_ub, b_ub)
        self.highs = None
        try:
            import scipy.optimize._highspy._core as core
            from scipy.sparse import csc_matrix
        except ImportError:
            return
        parts = [a for a in (a_eq, a_ub) if a is not None]
        a = np.vstack(parts) if parts else np.zeros((0, n))
        inf = core.kHighsInf
        lower = np.concatenate(
            [b for b in (b_eq, None if b_ub is None else np.full(len(b_ub), -inf)) if b is not None]
        )
        upper = np.concatenate([b for b in (b_eq, b_ub) if b is not None])
        m = csc_matrix(a)
        lp = core.HighsLp()
        lp.num_col_, lp.num_row_ = n, a.shape[0]
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, a.shape[0]
        lp.a_matrix_.format_ = core.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = m.indptr, m.indices, m.data
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = np.zeros(n), np.zeros(n), np.full(n, inf)
        lp.row_lower_, lp.row_upper_ = lower, upper
        highs = core._Highs()
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("presolve", "off")  # keep the basis from one objective to the next
        if highs.passModel(lp) != core.HighsStatus.kOk:
            return
        self.core, self.highs, self.columns = core, highs, np.arange(n, dtype=np.int32)

    def minimise(self, objective):
        """The minimising point, or None where the objective is unbounded below."""
        import numpy as np

        if self.highs is None:
            from scipy.optimize import linprog

            a_eq, b_eq, a_ub, b_ub = self.args
            res = linprog(
                objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs"
            )
            if res.status == 3:
                return None
            if res.status != 0:
                raise SuppressionError(f"审核求解失败：{res.message}")
            return res.x
        core, highs = self.core, self.highs
        highs.changeColsCost(self.n, self.columns, np.asarray(objective, dtype=float))
        highs.run()
        status = highs.getModelStatus()
        if status in (core.HighsModelStatus.kUnbounded, core.HighsModelStatus.kUnboundedOrInfeasible):
            return None  # the true counts are a feasible point: "or infeasible" cannot be the case
        if status != core.HighsModelStatus.kOptimal:
            raise SuppressionError(f"审核求解失败：{highs.modelStatusToString(status)}")
        return np.array(highs.getSolution().col_value)


def _bounds(names, truth_values, members, rows, threshold: int, wanted: list[int]) -> list[Disclosure]:
    """The range of each figure of one group of hidden figures, solved only as far as needed: any feasible
    points that lie at least `threshold` apart in a figure prove it safe; the rest get their own minimum
    and maximum."""
    import numpy as np

    local = {v: k for k, v in enumerate(members)}
    n = len(members)

    def matrix(selected):
        if not selected:
            return None, None
        a = np.zeros((len(selected), n))
        for r, (coefs, _, _) in enumerate(selected):
            for k, c in coefs.items():
                a[r, local[k]] = c
        return a, np.array([rhs for _, rhs, _ in selected], dtype=float)

    a_eq, b_eq = matrix([r for r in rows if r[2]])
    a_ub, b_ub = matrix([r for r in rows if not r[2]])
    truth = np.array(truth_values, dtype=float)
    low, high = truth.copy(), truth.copy()
    unbounded = np.zeros(n, dtype=bool)

    def safe(j: int) -> bool:
        return bool(unbounded[j]) or math.floor(high[j] + 1e-6) - math.ceil(low[j] - 1e-6) >= threshold

    if all(safe(j) for j in wanted):
        return []
    programme = _Programme(n, a_eq, b_eq, a_ub, b_ub)

    def solve(objective) -> bool:
        x = programme.minimise(objective)
        if x is None:
            return False
        np.minimum(low, x, out=low)
        np.maximum(high, x, out=high)
        return True

    # A few points far apart settle most figures at once.
    rng = np.random.default_rng(n)
    for objective in (np.ones(n), -np.ones(n), *(rng.choice([-1.0, 1.0], size=n) for _ in range(4))):
        if all(safe(j) for j in wanted):
            return []
        solve(objective)
    found = []
    for j in wanted:
        if safe(j):
            continue
        e = np.zeros(n)
        e[j] = -1.0
        if not solve(e):
            unbounded[j] = True
            continue
        if safe(j):
            continue
        e[j] = 1.0
        solve(e)
        if not safe(j):
            found.append(Disclosure(names[j], float(low[j]), float(high[j])))
    return found
