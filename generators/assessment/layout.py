"""Model: where each question sits in the channels that have a fixed layout — the rows of the Excel form and
the field names of the fillable PDF — shared by the writers and the ingest that reads them back."""

from __future__ import annotations

from dataclasses import dataclass

from generators.assessment.definition import Choice, FormDefinition, Question

GUIDE_SHEET = "说明"
FORM_SHEET = "自评表"
INFO_SHEET = "表单信息"  # veryHidden: the form's identity, which the ingest checks
COLUMNS = ("序号", "项目", "答案", "依据（政策原文）")
NUMBER_COL, QUESTION_COL, ANSWER_COL, SOURCE_COL = 1, 2, 3, 4
IDENTITY_ROWS = (
    ("县（区）", "county"),
    ("乡镇（街道）", "township"),
    ("社区（村）", "community"),
    ("试点年度", "year"),
)
FIRST_IDENTITY_ROW = 2  # label in column B, value in column C
HEADER_ROW = 7  # the column titles, repeated on every printed page
INFO_KEYS = ("form_id", "version", "county", "township", "community", "year")
XLSFORM_YES, XLSFORM_NO = "yes", "no"

# The fillable PDF: identity in hidden read-only fields; per yes/no question one field of two check boxes
# with the on states yes and no; one checkbox (on state Yes) per option of a multiple-choice question.
PDF_IDENTITY = {
    "form_id": "_form_id",
    "version": "_form_version",
    "community": "_community",
    "year": "_pilot_year",
}
PDF_ON = "Yes"


@dataclass(frozen=True)
class SheetRow:
    row: int
    number: str  # column A: 12, 12a, 15.3; empty on a section's title row
    question: Question | None = None
    choice: Choice | None = None  # an option row of a multiple-choice question
    heading: str | None = None  # a section's title row

    @property
    def has_answer(self) -> bool:
        """Whether column C of this row is an answer cell."""
        return self.question is not None and (self.question.kind != "multi_choice" or self.choice is not None)


def sheet_rows(definition: FormDefinition) -> list[SheetRow]:
    """Every row of the form sheet below its header, in order."""
    rows: list[SheetRow] = []
    row = HEADER_ROW + 1
    for section in definition.sections:
        rows.append(SheetRow(row, "", heading=section.section.title))
        row += 1
        for q in section.questions:
            rows.append(SheetRow(row, q.number, q))
            row += 1
            if q.kind == "multi_choice":
                for i, choice in enumerate(q.choices, 1):
                    rows.append(SheetRow(row, f"{q.number}.{i}", q, choice))
                    row += 1
    return rows


def checkbox_name(q: Question, choice: Choice) -> str:
    return f"{q.name}_{choice.name}"
