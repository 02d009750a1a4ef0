"""Publish: the guard that fails a build whose published output contains anything personal from the
registry. The strings to look for (`Needle`s) come from the registry side; this module knows nothing of
the domain.

Everything published is read — file names and paths, HTML, JavaScript, JSON search indexes, sitemaps,
SVG, PDF text and every string a PDF holds (metadata, bookmarks, form fields, annotations), the XML inside
workbooks — and both sides are brought to one form before matching: character references, JavaScript and
CSS escapes and percent-encoding decoded, tags removed (attribute values kept, so that a value inside one
is found too), NFKC, traditional characters to simplified (OpenCC), and every separator, dot, zero-width
or invisible character dropped. ID numbers and phones are compared on their digits (and X) alone, Chinese
numerals counted as digits. One Aho-Corasick pass per text finds every registry string at once, in time
linear in the text.

Nothing is exempt without a reason someone signed: public words are the county's place names (from its
place list, never from the registry) and reviewed allowlist entries (value or pattern, field, reason,
reviewer). A policy text is not an allowlist.
"""

from __future__ import annotations

import bisect
import hashlib
import html
import itertools
import json
import re
import unicodedata
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generators.core.cache import SignedFiles, source_digest
from generators.core.errors import InputError, Problem, display_path
from generators.core.yamlio import load_yaml
from generators.privacy.masking import ID_NUMBER, NAME, PHONE, mask_value

GUARD_VERSION = "3"  # part of the clean-file cache key: a changed guard reads every file again
DIGIT_KINDS = (ID_NUMBER, PHONE)
MIN_LENGTH = {NAME: 2, ID_NUMBER: 15, PHONE: 7}  # shorter values are ordinary words and numbers
DEFAULT_MIN_LENGTH = 4  # addresses, notes
MIN_LATIN = 5  # a value in Latin letters only: shorter ones occur by chance in scripts and URLs
ZIP_SUFFIXES = {".xlsx", ".xlsm", ".docx", ".pptx", ".ods", ".odt", ".zip"}
TAG = re.compile(r"<[^<>]*>")
ATTRIBUTE_VALUE = re.compile(r"""=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>=`]+))""")
# JavaScript/JSON (\u5f20, \u{5f20}, \x41) and CSS (\5f20 ) escapes
ESCAPE = re.compile(
    r"\\u\{([0-9a-fA-F]{1,6})\}|\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})|\\([0-9a-fA-F]{1,6})\s?"
)
# Digits written as Chinese numerals (一三八〇〇一三八〇〇〇, 壹叁捌…) count as digits in a phone or ID number.
CJK_DIGITS = str.maketrans("〇零一二三四五六七八九壹贰叁肆伍陆柒捌玖", "00123456789123456789")
# Between the digits of a phone or ID number anything may stand that does not read as a word or a list:
# spaces, dashes, dots, brackets, quotes, invisible characters, markup. Letters, CJK and list marks
# (, ; : 、 |) end a number.
# A digit may be written as a CJK digit too (一三八……); runs are found first and only they are turned into
# digits (a whole page through str.translate is slow). A CJK digit is a word character, as a digit is.
_DIGIT = "[0-9〇零一二三四五六七八九壹贰叁肆伍陆柒捌玖]"
NUMBER = re.compile(
    _DIGIT + r"(?:[^\w,;:，；：、|=]*" + _DIGIT + r")*(?:[^\w,;:，；：、|=]*[Xx](?![A-Za-z]))?"
)
NOT_DIGIT = re.compile(r"[^0-9Xx]+")
NOT_WORD = re.compile(r"[\W_]+")


def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


_T2S = None


def _to_simplified(text: str) -> str:
    global _T2S
    if _T2S is None:
        _T2S = _opencc()
    return _T2S.convert(text)


def _decoded(text: str) -> str:
    """Character references, JavaScript/JSON escapes and percent-encoding undone (twice over, for text
    escaped twice)."""
    for _ in range(3):
        before = text
        if "&" in text:
            text = html.unescape(text)
        if "\\" in text:
            text = ESCAPE.sub(lambda m: _chr(next(g for g in m.groups() if g)), text)
        if "%" in text:
            text = urllib.parse.unquote(text, errors="ignore")
        if text == before:
            break
    return text


def _chr(hex_digits: str) -> str:
    code = int(hex_digits, 16)
    return chr(code) if code < 0x110000 and not 0xD800 <= code < 0xE000 else ""


def _nfkc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def _base(text: str) -> str:
    return _nfkc(_decoded(text))


def letters_form(text: str, base: str | None = None) -> str:
    """How names, addresses and notes are compared: decoded, NFKC, simplified, and every separator, dot,
    symbol and invisible character dropped (· ・ • U+2060, soft hyphens, zero-width spaces, white space,
    punctuation), so that only letters (CJK included) and digits remain."""
    decoded = _base(text) if base is None else base
    if not decoded.isascii():
        decoded = _to_simplified(decoded)
    return NOT_WORD.sub("", decoded).upper()


def number_runs(text: str, base: str | None = None, shortest: int = 1) -> list[str]:
    """The numbers of a text as phones and ID numbers are compared: decoded, NFKC, whatever stands between
    digits dropped (spaces, dashes, dots, brackets, invisible characters, markup); a number ends at a
    letter, a CJK character or a list mark, and may end in X (an ID number's check character). Only those
    written in at least `shortest` characters (a page's every 一 is a number of one digit)."""
    decoded = _base(text) if base is None else base
    return [
        NOT_DIGIT.sub("", m.translate(CJK_DIGITS)).upper()
        for m in NUMBER.findall(decoded)
        if len(m) >= shortest
    ]


def digits_form(value: str) -> str:
    """A phone or ID number as compared: its digits and X only; a phone's country code 86 dropped."""
    text = str(value)
    # most are plain digits already (a county's tens of thousands of phones): nothing to take out
    digits = text if text.isascii() and text.isdigit() else re.sub(r"[^0-9X]", "", _nfkc(text).upper())
    if digits.startswith("0086") and len(digits) > 13:
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


# A county has hundreds of thousands, made every build: not frozen (a frozen dataclass sets each field
# through object.__setattr__, which made making them three times slower); nothing changes one once made.
@dataclass(slots=True, unsafe_hash=True)
class Needle:
    """One personal value of the registry, and where it stands there (file, sheet, row, column)."""

    value: str
    kind: str  # 姓名 / 身份证号 / 电话 / 住址 / 备注
    source: object  # the first row that holds it: its str() names file, sheet, row and column
    rows: int = 1  # how many rows hold it (a visiting staff member's name stands in thousands)


def value_pairs(needles: Sequence[Needle]) -> Iterator[tuple[str, str]]:
    """(value, kind) of each needle; without making them where they are held compactly (`pairs`)."""
    pairs = getattr(needles, "pairs", None)
    return pairs() if pairs is not None else ((n.value, n.kind) for n in needles)


@dataclass(frozen=True)
class AllowEntry:
    """A reviewed exemption: registry values of `field` equal to `value` (or matching `pattern`) may be
    published — say, a public hotline typed in the phone column."""

    field: str
    value: str | None
    pattern: re.Pattern | None
    reason: str
    reviewer: str
    where: str

    def allows(self, needle: Needle) -> bool:
        if self.field not in (needle.kind, "*"):
            return False
        form = digits_form if needle.kind in DIGIT_KINDS else letters_form
        if self.value is not None:
            return form(self.value) == form(needle.value)
        return self.pattern is not None and self.pattern.fullmatch(form(needle.value)) is not None


ALLOWLIST_FIELDS = ("value", "pattern", "field", "reason", "reviewer")


def read_allowlist(paths: Iterable[Path]) -> list[AllowEntry]:
    """Allowlist entries from each file that exists (data/privacy-allowlist.yaml, the restricted
    folder's privacy-allowlist.yaml). Each needs a field, a value or a pattern, a reason and a reviewer."""
    entries, problems = [], []
    for path in paths:
        if not path.exists():
            continue
        name = display_path(path)
        data = load_yaml(path) or {}
        items = data.get("allow") if isinstance(data, dict) else None
        if not isinstance(items, list):
            problems.append(
                Problem(
                    name,
                    "隐私放行清单应为 `allow:` 下的列表（每条有 field、value 或 pattern、reason、reviewer）",
                )
            )
            continue
        for i, item in enumerate(items, 1):
            where = f"{name} 第 {i} 条"
            if not isinstance(item, dict) or set(item) - set(ALLOWLIST_FIELDS):
                problems.append(Problem(name, f"第 {i} 条只能有 {'、'.join(ALLOWLIST_FIELDS)}"))
                continue
            missing = [k for k in ("field", "reason", "reviewer") if not str(item.get(k) or "").strip()]
            if ("value" in item) == ("pattern" in item):
                missing.append("value 或 pattern（二者选一）")
            if missing:
                problems.append(
                    Problem(name, f"第 {i} 条缺少：{'、'.join(missing)}（放行须写明理由和核实人）")
                )
                continue
            pattern = None
            if "pattern" in item:
                try:
                    pattern = re.compile(str(item["pattern"]))
                except re.error as exc:
                    problems.append(Problem(name, f"第 {i} 条的 pattern 不是有效的正则表达式：{exc}"))
                    continue
                if pattern.fullmatch(""):
                    problems.append(Problem(name, f"第 {i} 条的 pattern 能匹配空字符串，范围过宽"))
                    continue
            entries.append(
                AllowEntry(
                    str(item["field"]).strip(),
                    str(item["value"]) if "value" in item else None,
                    pattern,
                    str(item["reason"]).strip(),
                    str(item["reviewer"]).strip(),
                    where,
                )
            )
    if problems:
        raise InputError(problems)
    return entries


@dataclass
class Hit:
    """Where one needle was found: the published file and a masked stretch of text around it."""

    file: str
    context: str


SIDE_WORD, SIDE_PUBLIC = 0, 1  # a word automaton's value: length * SIDES + side
SIDES = 2
SIDE_NAMES = ("w", "p")


def _no_objects(_data: bytes) -> object:
    raise ValueError("the guard's automaton holds ints only")


@dataclass
class Matcher:
    """All needles and public words: words in an automaton, numbers (phones, ID numbers) in a set looked up
    by their few lengths. A county's hundreds of thousands of values are held as little as possible: the
    first needle of each form, by the form, only once a value is found; the others are counted only when
    a finding is written. `kept`: the word automaton of the last build, reused when the values, public
    words, allowlist and the guard's code are the same (it holds the values: a signed store inside the
    restricted output only)."""

    needles: Sequence[Needle]
    public_words: Iterable[str] = ()
    allowlist: list[AllowEntry] = field(default_factory=list)
    kept: SignedFiles | None = None

    def __post_init__(self) -> None:
        self._rows: Counter[tuple[str, str]] | None = None
        self._index: tuple[dict[str, Needle], dict[str, Needle], list[tuple[Needle, AllowEntry]]] | None = (
            None
        )
        self.words: Any  # the automaton: from `kept`, or made here
        self.key: str
        self._any: bool
        self.public_words = tuple(self.public_words)
        # Numbers are digits of a few lengths: a set of them, made in a moment, takes a fifth of the memory
        # of an automaton (a county's is tens of MiB) and none of its loading.
        self.numbers = frozenset(self._number_forms())
        self.number_lengths = sorted({len(f) for f in self.numbers}, reverse=True)
        self.shortest_number = min(self.number_lengths, default=1)
        inputs = self._inputs() if self.kept is not None else ""
        if self.kept is not None and self._load(self.kept, inputs):
            return
        import ahocorasick

        # A word's value in the automaton is an int: its length and side, since the form is the text
        # matched. No Python object per word: a county's values held once, not again by the automaton, and
        # a kept one loaded without unpickling each.
        self.words = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        # What is looked for, hashed as it is added: the key of the files found clean against it.
        key = hashlib.sha256(f"{GUARD_VERSION}\n".encode())
        for form in self._word_forms():
            if form not in self.words:
                self.words.add_word(form, len(form) * SIDES + SIDE_WORD)
                key.update(f"w:{form}\n".encode())
        words = len(self.words)
        for word in self.public_words:
            form = letters_form(word)
            if form and form not in self.words:
                self.words.add_word(form, len(form) * SIDES + SIDE_PUBLIC)
        if len(self.words):
            self.words.make_automaton()
        for form in sorted(self.numbers):
            key.update(f"n:{form}\n".encode())
        for word in sorted(self.public_words):
            key.update(f"p:{word}\n".encode())
        self.key = key.hexdigest()
        self._any = bool(words or self.numbers)
        if self.kept is not None:
            self._keep(self.kept, inputs)

    def _number_forms(self) -> Iterator[str]:
        """The forms of the phones and ID numbers looked for (as `number_needles` has them)."""
        return self._forms(digits=True)

    def _word_forms(self) -> Iterator[str]:
        """The forms of the other values looked for, in the needles' order, repeated as often as they are
        (`word_needles` has each once, with its first needle: made only when a value is found, since a
        county's hundreds of thousands of needles, each with its form, were most of the build's peak)."""
        return self._forms(digits=False)

    def _forms(self, digits: bool) -> Iterator[str]:
        for value, kind in value_pairs(self.needles):
            if (kind in DIGIT_KINDS) == digits:
                needle = Needle(value, kind, None)  # (where it stands is looked up only when found)
                if not any(e.allows(needle) for e in self.allowlist):
                    found = _looked_for(needle)
                    if found is not None:
                        yield found[1]

    def _load(self, kept: SignedFiles, inputs: str) -> bool:
        """The word automaton and what goes with it from `kept`, when both are there and signed."""
        import ahocorasick

        words, about = (kept.verified_file(f"{inputs}-{part}") for part in ("words", "about"))
        if words is None or about is None:
            return False
        self.words = ahocorasick.load(str(words), _no_objects)  # (signed: written by a build of ours)
        self.key, self._any = json.loads(about.read_text(encoding="utf-8"))
        return True

    def _keep(self, kept: SignedFiles, inputs: str) -> None:
        """The automaton written by the library itself: pickled whole with its values as objects, it took
        three times its size in memory at the build's peak."""
        kept.store_file(f"{inputs}-words", lambda path: self.words.save(str(path)))
        about = json.dumps([self.key, self._any])
        kept.store_file(f"{inputs}-about", lambda path: path.write_text(about, encoding="utf-8"))

    def _inputs(self) -> str:
        """What the automata are made from: every value and its kind, the public words, the allowlist, the
        guard's code and the libraries that make the forms and the automata."""
        from importlib.metadata import version

        digest = hashlib.sha256()
        for part in (
            source_digest("generators.privacy"),
            version("pyahocorasick"),
            version("opencc"),
            repr(self.allowlist),
            *sorted(self.public_words),
        ):
            digest.update(part.encode() + b"\0")
        for value, kind in value_pairs(self.needles):
            digest.update(f"{kind}\0{value}\0".encode())
        return digest.hexdigest()

    def _indexed(self) -> tuple[dict[str, Needle], dict[str, Needle], list[tuple[Needle, AllowEntry]]]:
        if self._index is None:
            words: dict[str, Needle] = {}
            numbers: dict[str, Needle] = {}
            allowed: list[tuple[Needle, AllowEntry]] = []
            for needle in self.needles:
                entry = next((e for e in self.allowlist if e.allows(needle)), None)
                if entry is not None:
                    allowed.append((needle, entry))
                    continue
                found = _looked_for(needle)
                if found is not None:
                    (numbers if found[0] == "n" else words).setdefault(found[1], needle)
            self._index = words, numbers, allowed
        return self._index

    @property
    def word_needles(self) -> dict[str, Needle]:
        """The first needle of each word form."""
        return self._indexed()[0]

    @property
    def number_needles(self) -> dict[str, Needle]:
        """The first needle of each number form."""
        return self._indexed()[1]

    @property
    def allowed(self) -> list[tuple[Needle, AllowEntry]]:
        """The needles an allowlist entry lets be published, with the entry."""
        return self._indexed()[2]

    def __bool__(self) -> bool:
        return self._any

    def needle(self, form: tuple[str, str]) -> Needle:
        """The first needle of a form (side "w" or "n", the form)."""
        return (self.word_needles if form[0] == "w" else self.number_needles)[form[1]]

    def rows(self, form: tuple[str, str]) -> int:
        """How many registry rows hold a value of this form (all its needles). Counted when a finding is
        written, which stops the build: not kept for every form of a county meanwhile."""
        if self._rows is None:
            allowed = {id(n) for n, _ in self.allowed}
            self._rows = Counter()
            for n in self.needles:
                if id(n) not in allowed and (key := _looked_for(n)) is not None:
                    self._rows[key] += n.rows
        return self._rows[form]

    def find(self, text: str) -> list[tuple[tuple[str, str], str]]:
        """(needle form, masked context) for every registry value in `text` that no public word covers."""
        found = []
        base = _base(text)
        if len(self.words):
            letters = letters_form(text, base)
            spans = []
            for end, value in self.words.iter(letters):
                length, side = divmod(value, SIDES)
                spans.append(
                    (end - length + 1, end + 1, SIDE_NAMES[side], letters[end - length + 1 : end + 1])
                )
            covered = _Cover([(s, e) for s, e, side, _ in spans if side == "p"])
            for s, e, side, form in spans:
                if side != "w" or covered(s, e):
                    continue
                found.append((("w", form), self._context(letters, s, e, spans)))
        if self.numbers:
            numbers, lengths, shortest = self.numbers, self.number_lengths, self.shortest_number
            for run in number_runs(text, base, shortest):
                # in the order an automaton reports them: by where they end, the longest first
                for end in range(shortest, len(run) + 1):
                    for form in (run[end - n : end] for n in lengths if n <= end):
                        if form in numbers:
                            found.append((("n", form), mask_value(self.number_needles[form].kind, form)))
        return found

    def _context(self, text: str, start: int, end: int, spans) -> str:
        """Twelve characters either side, with every registry value in that stretch masked."""
        lo, hi = max(0, start - 12), min(len(text), end + 12)
        chars = list(text[lo:hi])
        for s, e, side, form in spans:
            if side == "w" and s < hi and e > lo:
                masked = mask_value(self.word_needles[form].kind, form)
                for i in range(max(s, lo), min(e, hi)):
                    chars[i - lo] = masked[i - s] if i - s < len(masked) else "*"
        return ("…" if lo else "") + "".join(chars) + ("…" if hi < len(text) else "")


def _looked_for(needle: Needle) -> tuple[str, str] | None:
    """("w", letters form) or ("n", digits), as the needle is looked for; None when it is too short or no
    word to look for."""
    digits = needle.kind in DIGIT_KINDS
    form = digits_form(needle.value) if digits else letters_form(needle.value)
    if form == needle.value:
        form = needle.value  # most values are their own form: kept once, not twice
    if len(form) < MIN_LENGTH.get(needle.kind, DEFAULT_MIN_LENGTH):
        return None
    if not digits and (form.isdigit() or (form.isascii() and len(form) < MIN_LATIN)):
        return None  # "=3+4" in a name column is not a name; a short Latin word is in every script
    return ("n" if digits else "w", form)


class _Cover:
    """Whether a stretch [s, e) lies within one of `spans` (a page has thousands of place names, and a name
    inside one of them stands beside each: looked up by binary search, not span by span)."""

    def __init__(self, spans: list[tuple[int, int]]):
        spans.sort()
        self.starts = [s for s, _ in spans]
        self.reach = list(itertools.accumulate((e for _, e in spans), max))  # furthest end so far

    def __call__(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self.starts, start)  # the spans that start at or before `start`
        return i > 0 and self.reach[i - 1] >= end


def published_texts(path: Path, data: bytes | None = None) -> list[str]:
    """The texts of one published file as a reader (or a search engine) could get them."""
    suffix = path.suffix.lower()
    data = path.read_bytes() if data is None else data
    if suffix == ".gz":
        import gzip

        return published_texts(path.with_suffix(""), gzip.decompress(data))
    if suffix == ".pdf":
        return [_pdf_text(data)]
    if suffix in ZIP_SUFFIXES:
        import io
        import zipfile

        out = []
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for member in z.namelist():
                out.append(member)
                out += published_texts(Path(member), z.read(member))
        return out
    text = data.decode("utf-8", errors="ignore")
    if suffix == ".json":  # the search index: its strings, decoded by the JSON parser (fast), markup and all
        try:
            return [_readable(part) for part in _json_texts(json.loads(text))]
        except ValueError:
            pass
    return [_readable(text)]


def _readable(text: str) -> str:
    if "<" in text:
        # Tags removed, so that a name split by them (张<b>小</b>明) joins up again; comments kept as text;
        # the attribute values added after, where text can hide as well (title="…", alt="…").
        values = " ".join(v for groups in ATTRIBUTE_VALUE.findall(text) for v in groups if v)
        text = TAG.sub("", text.replace("<!--", " ").replace("-->", " ")) + "\n" + values
    return text


def _json_texts(value) -> list[str]:
    """A search index (`{"config": …, "docs": [entry, …]}`) as one text per entry and one for the rest, so
    that a rebuild reads only the entries of the pages it changed (`scan_for_pii`); other JSON as one."""
    if isinstance(value, dict) and isinstance(value.get("docs"), list):
        rest = {k: v for k, v in value.items() if k != "docs"}
        return ["\n".join(_strings(entry)) for entry in value["docs"]] + ["\n".join(_strings(rest))]
    return ["\n".join(_strings(value))]


def _strings(value) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif value is not None:
        yield str(value)


def _page_texts(data: bytes) -> list[str]:
    """The text of every page, as PDFium reads it (the slow part of reading a PDF, done in C++)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        texts = []
        for page in document:
            text_page = page.get_textpage()
            texts.append(text_page.get_text_range())
            text_page.close()
            page.close()
        return texts
    finally:
        document.close()


def _pdf_text(data: bytes) -> str:
    """The text of its pages, and every string the file holds besides (document information, bookmarks,
    form fields and their values, annotations, link and destination names, names that are not plain ASCII)
    and its XMP metadata."""
    import io

    import pikepdf

    parts = _page_texts(data)
    # qpdf parses the objects in C++ (pypdf, which read only the metadata, bookmarks and fields, in Python,
    # took a third of the time of reading the W1 site's PDFs)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            _pdf_strings(obj, parts)
        metadata = pdf.Root.get("/Metadata")
        if isinstance(metadata, pikepdf.Stream):
            parts.append(metadata.read_bytes().decode("utf-8", errors="ignore"))
    return "\n".join(parts)


def _pdf_strings(obj, out: list[str]) -> None:
    """The strings in one object of a PDF, those in its dictionaries and arrays included, and its names
    (keys too) other than plain ASCII ones (/Type, /F1: a PDF's own vocabulary, thousands of them). The
    objects it refers to are read as objects of their own: no reference is followed (they may loop)."""
    import pikepdf

    if isinstance(obj, pikepdf.String):
        out.append(str(obj))
    elif isinstance(obj, pikepdf.Name):
        if not str(obj).isascii():
            out.append(str(obj))
    elif isinstance(obj, pikepdf.Array):
        for value in obj:
            if not getattr(value, "is_indirect", False):  # numbers and booleans come as Python values
                _pdf_strings(value, out)
    elif isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        for key, value in obj.items():
            if not key.isascii():
                out.append(key)
            if not getattr(value, "is_indirect", False):
                _pdf_strings(value, out)


@dataclass(frozen=True)
class Leak:
    """A registry value found in published files, or a file that could not be read."""

    needle: Needle | None
    files: tuple[str, ...]
    context: str


def scan_for_pii(folder: Path, matcher: Matcher, clean: Path | None = None) -> list[Leak]:
    """Every published file (its path too) checked; hits gathered per registry value."""
    if not matcher:
        return []
    hits: dict[tuple[str, str], list[Hit]] = defaultdict(list)
    unreadable: list[Leak] = []
    seen: dict[str, list[tuple[tuple[str, str], str]]] = {}
    used: set[str] = set()
    # The parts of a file of several (a search index's entries, a workbook's members) found clean against
    # the same registry strings, by their text's hash: a changed search index is read for its new entries.
    parts_file = clean / f"parts-{matcher.key}" if clean is not None else None
    parts_clean = _hashes(parts_file)
    parts_now: set[str] = set()
    # Likewise the files' names (a site's thousands, the same from one month to the next), by their hash.
    names_file = clean / f"names-{matcher.key}" if clean is not None else None
    names_clean = _hashes(names_file)
    names_now: set[str] = set()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink()):
        rel = path.relative_to(folder).as_posix()
        name = hashlib.sha256(rel.encode()).hexdigest()
        in_name = [] if name in names_clean else matcher.find(rel)
        for form, context in in_name:
            hits[form].append(Hit(rel, f"文件名 {context}"))
        if not in_name:
            names_now.add(name)
        if path.is_symlink():
            unreadable.append(Leak(None, (rel,), "符号链接"))
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        verdict = None
        if clean is not None:
            # A file already found clean against the same registry strings is not read again (a monthly
            # rebuild changes a few pages; the earlier editions, the theme and most PDFs are as they were).
            # Only hashes are kept, never text.
            verdict = clean / hashlib.sha256((digest + matcher.key).encode()).hexdigest()
            used.add(verdict.name)
            if verdict.exists():
                continue
        if digest not in seen:  # the theme's files and alias pages repeat: read each content once
            try:
                seen[digest] = _found(published_texts(path, data), matcher, parts_clean, parts_now)
            except Exception as exc:  # a file we cannot read is a file we cannot vouch for
                unreadable.append(Leak(None, (rel,), exc.__class__.__name__))
                continue
        for form, context in seen[digest]:
            hits[form].append(Hit(rel, context))
        if verdict is not None and not seen[digest]:
            verdict.parent.mkdir(parents=True, exist_ok=True)
            verdict.touch()
    for kept, now in ((parts_file, parts_now), (names_file, names_now)):
        if kept is not None and now:
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_text("".join(f"{h}\n" for h in sorted(now)), encoding="ascii")
            used.add(kept.name)
    if clean is not None and clean.is_dir():  # verdicts of files no longer published go
        for old in clean.iterdir():
            if old.name not in used:
                old.unlink()
    leaks = []
    for form, found in sorted(hits.items()):
        files = tuple(dict.fromkeys(h.file for h in found))
        leaks.append(Leak(matcher.needle(form), files, found[0].context))
    return unreadable + leaks


def _hashes(path: Path | None) -> set[str]:
    try:
        return set(path.read_text(encoding="ascii").split()) if path is not None else set()
    except OSError:
        return set()


def _found(texts: list[str], matcher: Matcher, clean: set[str], now: set[str]) -> list:
    """What `matcher` finds in a file's texts. Of a file of several parts, those in `clean` are not read
    again; the others are read as one text (one pass, as a reader would see them one after the other) and,
    when nothing is found, added to `now`."""
    if len(texts) == 1:
        return matcher.find(texts[0])
    digests = [hashlib.sha256(text.encode()).hexdigest() for text in texts]
    now.update(d for d in digests if d in clean)
    unread = [(text, d) for text, d in zip(texts, digests, strict=True) if d not in clean]
    found = matcher.find("\n".join(text for text, _ in unread)) if unread else []
    if not found:  # a leak stops the build: which of the parts held it need not be kept
        now.update(d for _, d in unread)
    return found


def guard(
    folder: Path,
    needles: Sequence[Needle],
    public_words: Iterable[str],
    allowlist: list[AllowEntry],
    allowlist_hint: str,
    clean: Path | None = None,
    kept: SignedFiles | None = None,
) -> None:
    """Fail the build if published output holds a registry value: one message per value, naming its
    registry row and field, the files and one (masked) context, and how to allowlist a false alarm.
    `kept`: where the automata are kept for the next build (only this build's are kept)."""
    matcher = Matcher(needles, tuple(public_words), allowlist, kept)
    if kept is not None:
        kept.prune()
    leaks = scan_for_pii(folder, matcher, clean)
    if not leaks:
        return
    problems = []
    for leak in leaks:
        if leak.needle is None:
            problems.append(
                Problem(
                    leak.files[0],
                    f"无法读取这个待发布文件（{leak.context}），不能确认其中没有个人信息，已停止发布",
                )
            )
            continue
        n = leak.needle
        files = "、".join(leak.files[:3]) + (f" 等 {len(leak.files)} 个文件" if len(leak.files) > 3 else "")
        count = matcher.rows(_looked_for(n))  # type: ignore[arg-type]  # found, so looked for
        more = f"（另有 {count - 1} 行相同）" if count > 1 else ""
        problems.append(
            Problem(
                leak.files[0],
                f"发布内容中含有台账个人信息，已停止发布：台账{n.source}{more}的{n.kind}“{mask_value(n.kind, n.value)}”"
                f"出现在 {files} 中，例如“{leak.context}”。如经核实这不是个人信息（例如与常用词或公开号码相同），"
                f"可在 {allowlist_hint} 中加一条 {{field: {n.kind}, value: <台账中的原值>, reason: <理由>, "
                f"reviewer: <核实人>}} 后重新生成",
            )
        )
    raise InputError(problems)
