"""What an import run found: per-row outcomes, problems by row and column, and the counts."""

from dataclasses import dataclass, field

from karaj_budget.jalali import persian_digits

NEW, UPDATED, UNCHANGED, ERROR = "new", "updated", "unchanged", "error"
STATUS_LABELS = {NEW: "جدید", UPDATED: "تغییر", UNCHANGED: "بدون تغییر", ERROR: "خطا"}


@dataclass
class Problem:
    row: int | None  # as the spreadsheet shows it; None for the file as a whole
    column: str | None  # the column's Persian header
    message: str

    def __str__(self):
        parts = []
        if self.row is not None:
            parts.append(f"ردیف {self.row}")
        if self.column:
            parts.append(f"ستون «{self.column}»")
        parts.append(self.message)
        return ": ".join(parts)


@dataclass
class ProblemGroup:
    """One problem as found on one or more rows: the same column and the same message."""

    rows: list  # row numbers, ascending; empty for the file as a whole
    column: str | None
    message: str

    def rows_text(self, digits=str) -> str:
        """«4 تا 346» or «4 تا 9، 12، 15 تا 20»: runs of consecutive rows compacted."""
        runs = []
        for number in self.rows:
            if runs and number == runs[-1][1] + 1:
                runs[-1][1] = number
            else:
                runs.append([number, number])
        return "، ".join(
            digits(first) if first == last else f"{digits(first)} تا {digits(last)}" for first, last in runs
        )

    def rows_fa(self) -> str:
        return self.rows_text(persian_digits)

    def __str__(self):
        if len(self.rows) <= 1:
            return str(Problem(self.rows[0] if self.rows else None, self.column, self.message))
        parts = [f"ردیف‌های {self.rows_text()}"]
        if self.column:
            parts.append(f"ستون «{self.column}»")
        parts.append(self.message)
        return ": ".join(parts)


def group_problems(problems) -> list:
    """Problems with the same column and message merged into one, in order of first appearance,
    so that one mistake repeated down a sheet reads as one line, not hundreds."""
    groups = {}
    ordered = []
    for problem in problems:
        if problem.row is None:
            ordered.append(ProblemGroup([], problem.column, problem.message))
            continue
        key = (problem.column, problem.message)
        if key not in groups:
            groups[key] = ProblemGroup([], problem.column, problem.message)
            ordered.append(groups[key])
        groups[key].rows.append(problem.row)
    for group in groups.values():
        group.rows.sort()
    return ordered


@dataclass
class RowOutcome:
    number: int
    label: str  # code or title, for the preview
    title: str = ""
    status: str = NEW
    problems: list = field(default_factory=list)
    changes: list = field(default_factory=list)  # headers of the columns that change

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    rows: list = field(default_factory=list)
    file_problems: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    missing: list = field(default_factory=list)  # codes in the database but not in the file
    deactivated: int = 0
    sheet: str = ""
    written: bool = False
    table: object = field(default=None, repr=False)  # what was read from the file (sheets.Table)

    @property
    def problems(self):
        found = list(self.file_problems)
        for row in self.rows:
            found.extend(row.problems)
        return found

    @property
    def grouped_problems(self):
        return group_problems(self.problems)

    @property
    def has_errors(self):
        return bool(self.file_problems) or any(row.problems for row in self.rows)

    def count(self, status):
        return sum(1 for row in self.rows if row.status == status)

    @property
    def totals(self):
        return {status: self.count(status) for status in (NEW, UPDATED, UNCHANGED, ERROR)}

    def summary(self):
        """One line of counts, in the order the brief names them."""
        totals = self.totals
        line = (
            f"new={totals[NEW]} updated={totals[UPDATED]} unchanged={totals[UNCHANGED]} "
            f"errors={len(self.problems)}"
        )
        if self.missing:
            line += f" missing={len(self.missing)}"
        if self.deactivated:
            line += f" deactivated={self.deactivated}"
        if self.dry_run:
            line += " (dry run: nothing saved)"
        elif not self.written:
            line += " (nothing saved)"
        return line

    def summary_fa(self):
        totals = self.totals
        text = (
            f"{persian_digits(totals[NEW])} جدید، {persian_digits(totals[UPDATED])} تغییر، "
            f"{persian_digits(totals[UNCHANGED])} بدون تغییر"
        )
        if self.missing:
            text += f"، {persian_digits(len(self.missing))} کد موجود در سامانه که در فایل نیست"
        if self.deactivated:
            text += f" ({persian_digits(self.deactivated)} کد غیرفعال شد)"
        return text


def report(command, result):
    """For the import commands: problems on stderr, one a line (`ردیف N: ستون «…»: message`; the
    same message on several rows as one line, `ردیف‌های 4 تا 346: …`), then warnings; the summary
    line of counts on stdout."""
    for group in result.grouped_problems:
        command.stderr.write(str(group))
    for warning in result.warnings:
        command.stderr.write(f"هشدار: {warning}")
    command.stdout.write(result.summary())
