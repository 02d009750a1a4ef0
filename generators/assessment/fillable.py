"""Publish: the fields of the fillable PDF, added (with pypdf) to the form that WeasyPrint laid out.

WeasyPrint's own form fields are not used: their checkboxes have no "off" appearance and rely on viewers
regenerating them (NeedAppearances), which poppler-based viewers do without drawing the tick; and their text
fields embed the whole print font, which still lacks most characters a person may type. Here:

- every field sits exactly on the box the HTML drew for it (an element with id "fld-…"), so the form prints
  the same blank or filled, and every box is at least 8 mm tall for handwriting;
- check boxes (a yes/no question is one field of two, 是 and 否) carry both appearances (a drawn tick,
  and empty), plus /MK /CA and a ZapfDingbats /DA for viewers that regenerate them;
- text is typed in a non-embedded Adobe-GB1 font (STSong-Light, Identity-H) from the form's /DR: viewers
  substitute their own CJK font, which covers GB 18030 — traditional and rare characters included — at no
  cost in file size; its ToUnicode lets programs that fill fields themselves (pypdf) encode the same;
- the form's identity (form id, version, community, year) is kept in hidden read-only fields.
"""

from __future__ import annotations

import functools
import gzip
import io
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from generators.assessment.definition import FormDefinition, Question
from generators.assessment.layout import PDF_IDENTITY, PDF_ON, checkbox_name

GB1_UNICODE = Path(__file__).with_name("adobe-gb1-unicode.txt.gz")  # Adobe's CID → Unicode, BSD-3-Clause
FIELD_PREFIX = "fld-"
TEXT_FONT = "/CJK"
TICK_FONT = "/ZaDb"
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF points, from the bottom left

# Field flags (PDF 32000-1, 12.7.3.1 and 12.7.4)
READ_ONLY, MULTILINE = 1, 1 << 12
PRINT, HIDDEN = 4, 2  # annotation flags
# ✔ in a 846 × 1000 glyph box, filled (an uncolored Type 3 glyph: d1, no colour of its own)
TICK_GLYPH = b"846 0 0 0 846 1000 d1 90 520 m 300 260 l 760 880 l 820 820 l 300 120 l 30 460 l h f"


def box_id(name: str, state: str | None = None) -> str:
    """The HTML id of the box a field sits on: fld-<field>, or fld-<field>--<state> for one box of a
    field of several (是 and 否)."""
    return f"{FIELD_PREFIX}{name}" + (f"--{state}" if state else "")


def _n(name: str) -> NameObject:
    return NameObject(name)


def _stream(writer: PdfWriter, content: bytes, width: float, height: float, resources=None) -> IndirectObject:
    s = StreamObject()
    s.set_data(content)
    s.update(
        {
            _n("/Type"): _n("/XObject"),
            _n("/Subtype"): _n("/Form"),
            _n("/BBox"): ArrayObject(
                [FloatObject(0), FloatObject(0), FloatObject(width), FloatObject(height)]
            ),
        }
    )
    if resources is not None:
        s[_n("/Resources")] = resources
    return writer._add_object(s)


def _tick(width: float, height: float) -> bytes:
    """A check mark drawn as a path: no font needed to show it."""
    w, h = width, height
    line = max(min(w, h) * 0.12, 1.2)
    return (
        f"q 0 0 0 RG {line:.2f} w 1 J 1 j {0.2 * w:.2f} {0.52 * h:.2f} m {0.42 * w:.2f} {0.24 * h:.2f} l "
        f"{0.82 * w:.2f} {0.8 * h:.2f} l S Q"
    ).encode()


def _utf16(code: int) -> str:
    return chr(code).encode("utf-16-be").hex().upper()


@functools.cache
def _to_unicode_cmap() -> bytes:
    """A ToUnicode CMap for the whole Adobe-GB1 collection. Viewers do not need it, as they know the
    collection; programs that write a field's appearance themselves (pypdf, for one) encode text with it."""
    runs = []
    for line in gzip.decompress(GB1_UNICODE.read_bytes()).decode("ascii").splitlines():
        if line and not line.startswith("#"):
            cid, code, *count = line.split()
            runs.append((int(cid, 16), int(code, 16), int(count[0]) if count else 1))
    ranges = [r for r in runs if r[2] > 1]
    chars = [r for r in runs if r[2] == 1]
    body = []
    for start in range(0, len(ranges), 100):  # at most 100 entries per block
        block = ranges[start : start + 100]
        body.append(f"{len(block)} beginbfrange")
        body += [f"<{c:04X}> <{c + n - 1:04X}> <{_utf16(u)}>" for c, u, n in block]
        body.append("endbfrange")
    for start in range(0, len(chars), 100):
        block = chars[start : start + 100]
        body.append(f"{len(block)} beginbfchar")
        body += [f"<{c:04X}> <{_utf16(u)}>" for c, u, _ in block]
        body.append("endbfchar")
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
            "1 begincodespacerange <0000> <FFFF> endcodespacerange",
            *body,
            "endcmap CMapName currentdict /CMap defineresource pop end end",
        ]
    ).encode("ascii")


def _fonts(writer: PdfWriter) -> DictionaryObject:
    descriptor = DictionaryObject(
        {
            _n("/Type"): _n("/FontDescriptor"),
            _n("/FontName"): _n("/STSong-Light"),
            _n("/Flags"): NumberObject(6),
            _n("/FontBBox"): ArrayObject([NumberObject(v) for v in (-25, -254, 1000, 880)]),
            _n("/ItalicAngle"): NumberObject(0),
            _n("/Ascent"): NumberObject(880),
            _n("/Descent"): NumberObject(-120),
            _n("/CapHeight"): NumberObject(880),
            _n("/StemV"): NumberObject(93),
        }
    )
    cid_font = DictionaryObject(
        {
            _n("/Type"): _n("/Font"),
            _n("/Subtype"): _n("/CIDFontType0"),
            _n("/BaseFont"): _n("/STSong-Light"),
            _n("/CIDSystemInfo"): DictionaryObject(
                {
                    _n("/Registry"): TextStringObject("Adobe"),
                    _n("/Ordering"): TextStringObject("GB1"),
                    _n("/Supplement"): NumberObject(4),
                }
            ),
            _n("/FontDescriptor"): writer._add_object(descriptor),
            _n("/DW"): NumberObject(1000),
            _n("/W"): ArrayObject([NumberObject(1), NumberObject(95), NumberObject(500)]),  # half-width Latin
        }
    )
    to_unicode = StreamObject()
    to_unicode.set_data(_to_unicode_cmap())
    text_font = DictionaryObject(
        {
            _n("/Type"): _n("/Font"),
            _n("/Subtype"): _n("/Type0"),
            _n("/BaseFont"): _n("/STSong-Light"),
            # Identity-H: viewers that write their own appearance (poppler) encode text as CIDs of the
            # collection; a Unicode CMap here makes them write garbage.
            _n("/Encoding"): _n("/Identity-H"),
            _n("/DescendantFonts"): ArrayObject([writer._add_object(cid_font)]),
            _n("/ToUnicode"): writer._add_object(to_unicode.flate_encode()),
        }
    )
    # The tick for viewers that draw buttons themselves from /MK /CA "4" (ZapfDingbats' ✔): a one-glyph
    # Type 3 font named as they expect, so that no installed ZapfDingbats is needed (poppler draws nothing
    # without one).
    glyph = StreamObject()
    glyph.set_data(TICK_GLYPH)
    tick_font = DictionaryObject(
        {
            _n("/Type"): _n("/Font"),
            _n("/Subtype"): _n("/Type3"),
            _n("/FontBBox"): ArrayObject([NumberObject(v) for v in (0, 0, 846, 1000)]),
            _n("/FontMatrix"): ArrayObject(
                [
                    FloatObject(0.001),
                    FloatObject(0),
                    FloatObject(0),
                    FloatObject(0.001),
                    FloatObject(0),
                    FloatObject(0),
                ]
            ),
            _n("/CharProcs"): DictionaryObject({_n("/a20"): writer._add_object(glyph)}),
            _n("/Encoding"): DictionaryObject(
                {
                    _n("/Type"): _n("/Encoding"),
                    _n("/Differences"): ArrayObject([NumberObject(52), _n("/a20")]),
                }
            ),
            _n("/FirstChar"): NumberObject(52),
            _n("/LastChar"): NumberObject(52),
            _n("/Widths"): ArrayObject([NumberObject(846)]),
            _n("/Resources"): DictionaryObject(),
        }
    )
    return DictionaryObject(
        {_n(TEXT_FONT): writer._add_object(text_font), _n(TICK_FONT): writer._add_object(tick_font)}
    )


class _Form:
    def __init__(self, writer: PdfWriter, boxes: dict[str, tuple[int, Rect]]):
        self.writer = writer
        self.boxes = boxes
        self.fields = ArrayObject()
        self.page_refs = [p.indirect_reference for p in writer.pages]

    def box(self, key: str) -> tuple[int, Rect]:
        if key not in self.boxes:
            raise ValueError(f"the fillable form's template has no box with id {key}")
        return self.boxes[key]

    def widget(self, page: int, rect: Rect, **entries) -> DictionaryObject:
        widget = DictionaryObject(
            {
                _n("/Type"): _n("/Annot"),
                _n("/Subtype"): _n("/Widget"),
                _n("/Rect"): ArrayObject([FloatObject(round(v, 2)) for v in rect]),
                _n("/F"): NumberObject(PRINT),
                _n("/P"): self.page_refs[page],
            }
        )
        widget.update(entries)
        return widget

    def attach(self, page: int, obj: DictionaryObject) -> IndirectObject:
        ref = self.writer._add_object(obj)
        p = self.writer.pages[page]
        if "/Annots" not in p:
            p[_n("/Annots")] = ArrayObject()
        annots = p["/Annots"].get_object()
        assert isinstance(annots, ArrayObject)
        annots.append(ref)
        return ref

    def text(self, name: str, tooltip: str, multiline: bool) -> None:
        page, rect = self.box(box_id(name))
        width, height = rect[2] - rect[0], rect[3] - rect[1]
        size = 10 if multiline else 11
        widget = self.widget(
            page,
            rect,
            **{
                _n("/FT"): _n("/Tx"),
                _n("/T"): TextStringObject(name),
                _n("/TU"): TextStringObject(tooltip),
                _n("/DA"): TextStringObject(f"{TEXT_FONT} {size} Tf 0 g"),
                _n("/Ff"): NumberObject(MULTILINE if multiline else 0),
                _n("/AP"): DictionaryObject({_n("/N"): _stream(self.writer, b"/Tx BMC EMC", width, height)}),
            },
        )
        self.fields.append(self.attach(page, widget))

    def _button(self, page: int, rect: Rect, on: str, **entries) -> DictionaryObject:
        width, height = rect[2] - rect[0], rect[3] - rect[1]
        appearance = DictionaryObject(
            {
                _n(f"/{on}"): _stream(self.writer, _tick(width, height), width, height),
                _n("/Off"): _stream(self.writer, b"", width, height),
            }
        )
        return self.widget(
            page,
            rect,
            **{
                _n("/AS"): _n("/Off"),
                _n("/AP"): DictionaryObject({_n("/N"): appearance}),
                _n("/MK"): DictionaryObject({_n("/CA"): TextStringObject("4")}),  # ZapfDingbats ✔
                _n("/DA"): TextStringObject(f"{TICK_FONT} 0 Tf 0 g"),
            },
            **entries,
        )

    def checkbox(self, name: str, tooltip: str) -> None:
        page, rect = self.box(box_id(name))
        widget = self._button(
            page,
            rect,
            PDF_ON,
            **{
                _n("/FT"): _n("/Btn"),
                _n("/T"): TextStringObject(name),
                _n("/TU"): TextStringObject(tooltip),
                _n("/V"): _n("/Off"),
            },
        )
        self.fields.append(self.attach(page, widget))

    def choose_one(self, name: str, tooltip: str, states: tuple[str, ...]) -> None:
        """Check boxes of one field with an on state each (yes, no): they exclude each other as radio
        buttons do, but viewers draw a check box from its own state, while poppler draws a radio button
        only when the field's value is a name, which pypdf, for one, does not write."""
        group = DictionaryObject(
            {
                _n("/FT"): _n("/Btn"),
                _n("/Ff"): NumberObject(0),
                _n("/T"): TextStringObject(name),
                _n("/TU"): TextStringObject(tooltip),
                _n("/V"): _n("/Off"),
                _n("/Kids"): ArrayObject(),
            }
        )
        group_ref = self.writer._add_object(group)
        for state in states:
            page, rect = self.box(box_id(name, state))
            kid = self._button(page, rect, state, **{_n("/Parent"): group_ref})
            group["/Kids"].append(self.attach(page, kid))  # type: ignore[attr-defined]
        self.fields.append(group_ref)

    def hidden(self, name: str, value: str) -> None:
        widget = self.widget(
            0,
            (0, 0, 0, 0),
            **{
                _n("/F"): NumberObject(HIDDEN),
                _n("/FT"): _n("/Tx"),
                _n("/T"): TextStringObject(name),
                _n("/Ff"): NumberObject(READ_ONLY),
                _n("/V"): TextStringObject(value),
                _n("/DA"): TextStringObject(f"{TEXT_FONT} 10 Tf 0 g"),
            },
        )
        self.fields.append(self.attach(0, widget))


def _add(form: _Form, q: Question) -> None:
    tooltip = f"{q.number}. {q.label}"
    if q.kind == "yes_no":
        form.choose_one(q.name, tooltip, ("yes", "no"))
    elif q.kind == "multi_choice":
        for choice in q.choices:
            form.checkbox(checkbox_name(q, choice), f"{tooltip}：{choice.label}")
    else:
        form.text(q.name, tooltip, multiline=q.kind == "detail")


def fillable_pdf(pdf: bytes, boxes: dict[str, tuple[int, Rect]], definition: FormDefinition) -> bytes:
    """The laid-out form with its AcroForm: one field per question on the box drawn for it."""
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header
    form = _Form(writer, boxes)
    identity = {
        "form_id": definition.pilot.form_id,
        "version": definition.version,
        "community": definition.pilot.community,
        "year": str(definition.pilot.year),
    }
    for key, name in PDF_IDENTITY.items():
        form.hidden(name, identity[key])
    for q in definition.questions:
        _add(form, q)
    writer._root_object[_n("/AcroForm")] = writer._add_object(
        DictionaryObject(
            {
                _n("/Fields"): form.fields,
                _n("/DR"): DictionaryObject({_n("/Font"): _fonts(writer)}),
                _n("/DA"): TextStringObject(f"{TEXT_FONT} 10 Tf 0 g"),
                # Every field has its appearance: viewers draw ours, and write their own only for what
                # the person changes.
                _n("/NeedAppearances"): BooleanObject(False),
            }
        )
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
