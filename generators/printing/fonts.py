"""Publish: the print fonts, cut once from the installed Noto Sans CJK SC and cached.

Why (measured; see README “PDF 排版的速度 / PDF speed”): embedding the stock 65,535-glyph CFF font
costs about 40× the layout of a page. A cut to GB 2312 + ASCII + punctuation with TrueType outlines
embeds ten times faster. Characters outside the cut (rare names such as 䶮, 㛃) go to a second, tiny cut
made from exactly the characters this build prints that the first lacks, so a rare name still prints
without the cost.
"""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

from generators.core.cache import KeyedFiles
from generators.core.errors import InputError, Problem

FAMILY = "Noto Sans CJK SC"
CUT_VERSION = "1"  # bump when the cut's recipe changes, so cached cuts are made again
EXTRA_RANGES = [  # beyond GB 2312: punctuation, symbols and marks our pages print
    (0x20, 0x7E),
    (0xA0, 0xFF),
    (0x2000, 0x206F),
    (0x2100, 0x214F),
    (0x2190, 0x21FF),
    (0x2460, 0x24FF),
    (0x2500, 0x257F),
    (0x25A0, 0x25FF),
    (0x2600, 0x26FF),
    (0x3000, 0x303F),
    (0xFF00, 0xFFEF),
]


@dataclass(frozen=True)
class PrintFonts:
    """Font files for the print stylesheet, in fallback order."""

    regular: Path
    bold: Path
    extra: Path | None  # rare characters of this build; None when the main cut covers everything
    missing: tuple[str, ...] = ()  # characters no cut has (printed with whatever the system finds)
    made: tuple[str, ...] = ()  # the cuts this call had to make (none when all were cached)


@functools.cache  # the same set every time: a build asks for it once per font set
def base_charset() -> frozenset[int]:
    chars: set[int] = set()
    for a, b in EXTRA_RANGES:
        chars.update(range(a, b + 1))
    for hi in range(0xA1, 0xF8):  # every GB 2312 code point, from the codec rather than a table of ours
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes((hi, lo)).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


def find_face(style: str) -> tuple[Path, int]:
    """The installed Noto Sans CJK SC face (file and index in its .ttc), via fontconfig."""
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{family}\n%{file}\n%{index}", f"{FAMILY}:style={style}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError) as e:
        raise InputError([Problem("fc-match", f"无法查询系统字体（fontconfig）：{e}")]) from e
    if len(out) < 3 or FAMILY not in out[0]:
        raise InputError(
            [
                Problem(
                    FAMILY,
                    "找不到中文字体 Noto Sans CJK SC，无法生成 PDF。请安装 Debian 软件包 "
                    "fonts-noto-cjk（`bash bootstrap.sh` 以 root 运行时会自动安装）",
                )
            ]
        )
    return Path(out[1]), int(out[2] or 0)


def cut(source: Path, index: int, chars: Iterable[int], dest: Path) -> None:
    """Subset a face to `chars` and convert its outlines to TrueType (quadratic) curves."""
    font = TTFont(source, fontNumber=index, lazy=True)
    options = subset.Options()
    options.layout_features = ["ccmp", "kern", "liga", "mark", "mkmk"]  # horizontal Simplified Chinese
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(chars))
    subsetter.subset(font)
    if "CFF " in font:
        _to_truetype(font)
    font.recalcTimestamp = False  # keep the source's head.modified: the same cut gives the same bytes
    tmp = dest.with_suffix(f".{os.getpid()}.tmp")
    font.save(tmp, reorderTables=True)
    tmp.replace(dest)  # atomic: a half-written cut never looks cached


def _to_truetype(font: TTFont) -> None:
    """CFF → glyf, the recipe of fontTools' Snippets/otf2ttf.py."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, glyphs
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for attr in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    font["post"].formatType = 3.0  # no glyph names: CJK fonts have too many for format 2
    font.sfntVersion = "\0\1\0\0"


def _key(*parts: object) -> str:
    return hashlib.sha256("\n".join(map(str, parts)).encode("utf-8")).hexdigest()[:16]


def _face_key(source: Path, index: int) -> str:
    """The installed face as what is made from it is kept by: a newer font file makes them again."""
    stat = source.stat()
    return _key(CUT_VERSION, source, index, stat.st_size, stat.st_mtime_ns)


def _main_cuts(cache: Path) -> tuple[dict[str, tuple[Path, int, Path]], list[str]]:
    """The cached GB 2312 cuts of the regular and bold faces (made on first use, ~10 s each)."""
    cache.mkdir(parents=True, exist_ok=True)
    base = base_charset()
    faces, made = {}, []
    for style in ("Regular", "Bold"):
        source, index = find_face(style)
        dest = cache / f"print-{style.lower()}-{_face_key(source, index)}.ttf"
        if not dest.exists():
            cut(source, index, base, dest)
            made.append(style)
        faces[style] = (source, index, dest)
    return faces, made


def printed_chars(texts: Iterable[str]) -> set[int]:
    """The characters the texts print (beyond ASCII, no spaces, not our private-use slots)."""
    chars: set[str] = set()
    for text in texts:  # one at a time: a county's packs are opened one by one to be read here
        chars.update(text)
    used = {ord(ch) for ch in chars if ord(ch) > 0x7E and not ch.isspace()}
    return used - set(range(0xE000, 0xF900))  # private use: our own slots in templates, never printed


def covered(cache: Path, source: Path, index: int) -> set[int]:
    """The characters a face has, kept in `cache` beside the cuts: reading the installed face's table of
    65,535 characters took a tenth of a second, twice a build (a monthly rebuild takes five seconds)."""
    kept = KeyedFiles(cache / "charsets")
    key = _face_key(source, index)
    data = kept.get(key)
    codes = array("I")
    if data is not None and len(data) % codes.itemsize == 0:
        codes.frombytes(data)
    else:
        codes.extend(sorted(TTFont(source, fontNumber=index, lazy=True).getBestCmap()))
        kept.put(key, codes.tobytes())
    return set(codes)


def _with_rare(cache: Path, faces: dict[str, tuple[Path, int, Path]], used: set[int], made: list[str]):
    """The fonts for text printing `used`: the main cuts, and a cut of the rare characters among them."""
    rare = sorted(used - base_charset())
    extra: Path | None = None
    missing: tuple[str, ...] = ()
    if rare:
        source, index, _ = faces["Regular"]
        cmap = covered(cache, source, index)
        missing = tuple(chr(c) for c in rare if c not in cmap)
        found = [c for c in rare if c in cmap]
        if found:
            extra = cache / f"print-extra-{_key(CUT_VERSION, source, index, *found)}.ttf"
            if not extra.exists():
                cut(source, index, found, extra)
                made = [*made, "Extra"]
    return PrintFonts(faces["Regular"][2], faces["Bold"][2], extra, missing, tuple(made))


def prepare_print_fonts(cache: Path, texts: Iterable[str] = ()) -> PrintFonts:
    """The cached cuts (made on first use, ~10 s each), plus a cut for the texts' rare characters."""
    faces, made = _main_cuts(cache)
    return _with_rare(cache, faces, printed_chars(texts), made)


def fonts_for(cache: Path, used: set[int]) -> PrintFonts:
    """The cached cuts, plus a cut for the rare characters among `used` (see `printed_chars`)."""
    faces, made = _main_cuts(cache)
    return _with_rare(cache, faces, used, made)


def with_made(fonts: PrintFonts, earlier: PrintFonts) -> PrintFonts:
    """`fonts`, saying also the cuts an earlier call of the same build made."""
    return replace(fonts, made=tuple(dict.fromkeys(earlier.made + fonts.made)))
