"""Load (default data): a seeded, realistic synthetic county registry, written as per-village workbooks.

Everything is drawn from one seeded random generator, so the same settings give the same people, IDs
and contacts every time. The people are fictional; their ID numbers are valid under GB 11643 so that
the importer treats them as it would real ones.
"""

from __future__ import annotations

import calendar as cal
import datetime as dt
import functools
import random
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from generators.core.months import add_years
from generators.policy.age_rules import AgeRule
from generators.privacy.guard import letters_form
from generators.registry.places import PlaceList, Township, Village, place_key
from generators.registry.schema import RegistrySchema
from generators.registry.template import registry_workbook

PLACE_WORDS = [  # drawn (shuffled) as before, so that the default county keeps its people and IDs
    "青石",
    "白沙",
    "松林",
    "桃源",
    "龙泉",
    "金竹",
    "清河",
    "柏树",
    "枫木",
    "石桥",
    "双河",
    "新华",
    "杨柳",
    "团结",
    "红岩",
    "玉屏",
    "长岭",
    "凤凰",
    "大坪",
    "高峰",
    "黄桷",
    "三合",
    "永兴",
    "万福",
]
# Place names beyond the county's list: a first character (plant, colour, direction, lucky word, surname)
# and a landform, as Chinese villages are commonly named (杨湾, 石门坎, 黄泥塘); three characters when the
# ~3,000 two-character names run out (then ~270,000 more): a province fits.
NAME_FIRST = (
    "青白松桃龙金清柏枫石双新杨红玉长凤大高黄三永万东西南北上下中前后马鹿花梅竹兰荷柳桂槐樟杉茶"
    "李张王陈刘何周吴郑谢罗曾邓唐罗宋安和平福寿丰太兴隆顺泰宁康乐明光云月星沙泉湖"
)
NAME_LAST = "山河桥坪岭湾塘冲溪坝沟林园庄店铺岗坡口源井田寨堡营湖洲滩垭坎门峪岩台庙洞场屯阁圩"
# (group name in the schema, group id, weight, youngest, oldest); ages are kept inside the rules
GROUP_WEIGHTS = [
    ("农村留守儿童", "left-behind", 34, 6, 15),
    ("闲散青少年", "idle", 18, 16, 25),
    ("有不良行为或严重不良行为青少年", "misconduct", 15, 12, 25),
    ("服刑人员未成年子女", "prisoners-children", 10, 6, 17),
    ("困境未成年人", "distressed", 17, 3, 17),
    ("流浪乞讨未成年人", "street-children", 6, 9, 17),
]
DISTRESS_TYPES = ["事实无人抚养", "遭受家庭暴力虐待遗弃", "家庭贫困", "重病重残", "孤儿"]
RARE_GIVEN_NAMES = ["䶮", "㛃婷"]  # outside GB 2312: the PDFs must still print them


@dataclass(frozen=True)
class SyntheticSettings:
    seed: int
    county: str
    area_code: str
    townships: int
    villages_per_township: int
    cases_per_village: int
    months: int
    last_month: str  # YYYY-MM

    @property
    def as_of(self) -> dt.date:
        y, m = map(int, self.last_month.split("-"))
        return dt.date(y, m, cal.monthrange(y, m)[1])

    @classmethod
    def from_config(cls, cfg: dict, **overrides) -> SyntheticSettings:
        values = {k: cfg[k] for k in cls.__dataclass_fields__}
        values.update({k: v for k, v in overrides.items() if v is not None})
        values["last_month"] = str(values["last_month"])
        values["area_code"] = str(values["area_code"])
        return cls(**values)


CJK = "\u3400-\u9fff"
EDGE_END = re.compile(f"([{CJK}])(?![{CJK}])")
EDGE_START = re.compile(f"(?<![{CJK}])([{CJK}])")


@dataclass(frozen=True)
class PrintedWords:
    """What the site prints whatever the registry holds (policy texts, vocabularies, templates, the theme's
    words, the place list), as the privacy guard reads it. Made-up places and people avoid its words: the
    guard looks for every registry name in everything published, so a made-up person called 成文 would stop
    the build at 成文日期, and one called 区青 where a list prints 杨湾社区、青山社区; a made-up 平台村 would
    make the word 平台 part of a public place name wherever the texts use it.

    The guard takes no name for a person's inside a place name (杨柳 in 杨柳社区), so neither do these
    words: a place name keeps only its first and last character, where a name may read across its edge.
    Pages put one text after another (a label, then a clause; a question, then a place): a two-character
    name may also read across such an edge, from a character that ends a stretch of text to one that
    begins one."""

    letters: str  # every text in letter form, one line each
    pairs: frozenset[str]  # every two-character stretch of them (most made-up names have two or three)
    ends: frozenset[str] = frozenset()  # characters that end a stretch of CJK text in some text
    starts: frozenset[str] = frozenset()  # characters that begin one

    @classmethod
    def of(cls, texts: Iterable[str], places: Iterable[str] = ()) -> PrintedWords:
        import ahocorasick

        automaton = ahocorasick.Automaton()
        for word in places:
            form = letters_form(word)
            if len(form) > 1:
                automaton.add_word(form, len(form))
        lines, ends, starts = [], set(), set()
        for text in texts:
            ends.update(EDGE_END.findall(text))
            starts.update(EDGE_START.findall(text))
            line = letters_form(text)
            if len(automaton):
                if automaton.kind != ahocorasick.AHOCORASICK:
                    automaton.make_automaton()
                inside = bytearray(len(line))  # characters strictly inside a place name
                for end, length in automaton.iter(line):
                    inside[end - length + 2 : end] = b"\x01" * (length - 2)
                line = "".join("\n" if flag else ch for ch, flag in zip(line, inside, strict=True))
            lines.append(line)
        letters = "\n".join(lines)
        pairs = frozenset(letters[i : i + 2] for i in range(len(letters) - 1))
        return cls(letters, pairs, frozenset(ends), frozenset(starts))

    def has_word(self, word: str) -> bool:
        """`word` stands in one of the texts."""
        return word in self.pairs if len(word) == 2 else word in self.letters

    def __contains__(self, name: str) -> bool:
        """A person's `name` stands in a text, or may read across the edge of two."""
        return self.has_word(name) or (len(name) == 2 and name[0] in self.ends and name[1] in self.starts)


NOTHING_PRINTED = PrintedWords("", frozenset())


def _place_bases(seed: int) -> Iterator[str]:
    """Every two-character place name in a seeded order, then every three-character one: endless enough,
    never the same name twice."""
    first = list(dict.fromkeys(NAME_FIRST))
    last = list(dict.fromkeys(NAME_LAST))
    rng = random.Random(f"places-{seed}")  # its own generator: the people's draws stay as they were
    two = [a + b for a in first for b in last]
    rng.shuffle(two)
    yield from two
    for middle in first:
        three = [a + middle + b for a in first for b in last if a != middle]
        rng.shuffle(three)
        yield from three


def synthetic_places(
    settings: SyntheticSettings, listed: PlaceList, printed: PrintedWords = NOTHING_PRINTED
) -> PlaceList:
    """The county's place list at the synthetic size: the listed townships and villages first, exactly as
    listed, then made-up ones (unique, plausible, no word the site prints) for whatever the size asks
    beyond the list."""
    taken = {place_key(n) for n in listed.names()}
    taken |= {n[:-1] for n in taken if n.endswith(("镇", "乡", "村"))}
    taken |= {n[:-2] for n in taken if n.endswith(("街道", "社区"))}
    bases = (b for b in _place_bases(settings.seed) if b not in taken and not printed.has_word(b))
    townships = []
    for t in range(settings.townships):
        if t < len(listed.townships):
            known = listed.townships[t]
        else:
            model = listed.townships[t % len(listed.townships)] if listed.townships else None
            street = model.name.endswith("街道") if model else t % 2 == 1
            known = Township(
                next(bases) + ("街道" if street else "镇"), follows=model.follows if model else ()
            )
        street = known.name.endswith("街道")
        villages = list(known.villages[: settings.villages_per_township])
        while len(villages) < settings.villages_per_township:
            villages.append(Village(next(bases) + ("社区" if street else "村"), known.name))
        townships.append(Township(known.name, known.aliases, known.follows, tuple(villages)))
    return PlaceList(listed.county or settings.county, tuple(townships), listed.follows)


def with_synthetic_places(listed: PlaceList, sized: PlaceList) -> PlaceList:
    """The county's list with the places `synthetic_places` made up added: every listed place stays (a
    smaller synthetic county leaves some without a registry), and generated ones come after them."""
    by_name = {t.name: t for t in sized.townships}
    townships = []
    for t in listed.townships:
        known = {v.name for v in t.villages}
        extra = tuple(v for v in by_name[t.name].villages if v.name not in known) if t.name in by_name else ()
        townships.append(Township(t.name, t.aliases, t.follows, t.villages + extra))
    listed_names = {t.name for t in listed.townships}
    townships += [t for t in sized.townships if t.name not in listed_names]
    return PlaceList(listed.county, tuple(townships), listed.follows)


def _draw_order(settings: SyntheticSettings, township: Township, t: int) -> list[Village]:
    """The order in which a township's villages draw their people: for the listed villages, the order in
    which earlier versions named them from the shuffled PLACE_WORDS, so that the default county keeps
    the same people in the same village; made-up villages after them, as listed."""
    rng = random.Random(settings.seed)
    words = PLACE_WORDS[:]
    rng.shuffle(words)
    legacy = iter(words * 3)
    rank: dict[str, int] = {}
    for i in range(min(settings.townships, len(words) * 3 // (settings.villages_per_township + 1))):
        next(legacy)
        for _ in range(settings.villages_per_township):
            if i == t:
                rank.setdefault(next(legacy) + ("村" if i % 2 == 0 else "社区"), len(rank))
            else:
                next(legacy)
    listed = list(township.villages)
    return sorted(listed, key=lambda v: (rank.get(v.name, len(rank)), listed.index(v)))


def place_list_yaml(places: PlaceList) -> str:
    """The place list in data/places.yaml's form (the build reads a generated county's list from it)."""

    def village(v: Village) -> dict:
        return {"name": v.name, **({"aliases": list(v.aliases)} if v.aliases else {})}

    data = {
        "county": places.county,
        "follows": list(places.follows),
        "townships": [
            {
                "name": t.name,
                **({"aliases": list(t.aliases)} if t.aliases else {}),
                **({"follows": list(t.follows)} if t.follows else {}),
                "villages": [village(v) for v in t.villages],
            }
            for t in places.townships
        ],
    }
    return "# 模拟台账的地名表（由生成器按 data/places.yaml 扩展，勿手工修改）\n" + yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, width=1000
    )


def id_number(area: str, birth: dt.date, seq: int, male: bool) -> str:
    from stdnum.cn import ric

    seq = seq % 500 * 2 + (1 if male else 0)  # the 17th digit is odd for men
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def unique_id(area: str, birth: dt.date, seq: int, male: bool, used: set[str]) -> str:
    """An ID number not yet given out: the sequence code has 500 values per sex and birth date."""
    for attempt in range(500):
        number = id_number(area, birth, seq + attempt, male)
        if number not in used:
            used.add(number)
            return number
    raise ValueError(f"more than 500 synthetic people born on {birth}")


def _random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _unprinted(draw: Callable[[], str], printed: PrintedWords) -> str:
    """A made-up name that is no word the site prints (drawn again until it is not)."""
    name = draw()
    for _ in range(100):
        if name not in printed:
            break
        name = draw()
    return name


def _person(fake, male: bool, printed: PrintedWords) -> tuple[str, str]:
    """(surname, name) of a made-up person whose name is no word the site prints."""
    for _ in range(100):
        surname = fake.last_name()
        name = surname + (fake.first_name_male() if male else fake.first_name_female())
        if name not in printed:
            break
    return surname, name


def _guardian(fake, surname: str) -> str:
    return surname + fake.first_name()


def generate(
    settings: SyntheticSettings,
    rules: dict[str, AgeRule],
    places: PlaceList | None = None,
    printed: PrintedWords = NOTHING_PRINTED,
) -> dict[tuple[str, str], tuple[list, list]]:
    """(township, village) → (case rows, contact rows), rows keyed by schema column keys, for the places of
    `synthetic_places(settings, …)` (made-up ones only when no list is given). No person's name is a word
    of `printed`."""
    return dict(drawn_villages(settings, rules, places, printed))


def drawn_villages(
    settings: SyntheticSettings,
    rules: dict[str, AgeRule],
    places: PlaceList | None = None,
    printed: PrintedWords = NOTHING_PRINTED,
) -> Iterator[tuple[tuple[str, str], tuple[list, list]]]:
    """`generate`'s villages one at a time, in its order (one seeded generator draws them in turn): a
    county of any size is written holding one village's rows, not all of them."""
    if places is None:
        places = synthetic_places(settings, PlaceList(settings.county, ()), printed)
    from faker import Faker

    rng = random.Random(settings.seed)
    fake = Faker("zh_CN")
    fake.seed_instance(settings.seed)
    as_of = settings.as_of
    window_start = dt.date(as_of.year, as_of.month, 1)
    for _ in range(settings.months - 1):
        window_start = (window_start - dt.timedelta(days=1)).replace(day=1)
    words = PLACE_WORDS[:]
    rng.shuffle(words)  # no longer names places (the place list does), but keeps the draws that follow
    staff = [
        _unprinted(fake.name, printed) for _ in range(settings.townships * settings.villages_per_township * 2)
    ]
    seq = 0
    used_ids: set[str] = set()
    for t, place in enumerate(places.townships):
        township = place.name
        for v, village_place in enumerate(_draw_order(settings, place, t)):
            village = village_place.name
            code = f"T{t + 1}V{v + 1:02d}"
            contacts_by = staff[(t * settings.villages_per_township + v) * 2 :][:2]
            cases, contacts = [], []
            for n in range(settings.cases_per_village):
                seq += 1
                name_, gid, _, young, old = rng.choices(GROUP_WEIGHTS, weights=[g[2] for g in GROUP_WEIGHTS])[
                    0
                ]
                rule = rules[gid]
                young = max(young, rule.min_age or 0)
                old = min(old, (rule.below or 26) - 1)
                male = rng.random() < 0.55
                surname, name = _person(fake, male, printed)
                if seq in (7, 40):
                    name = surname + RARE_GIVEN_NAMES[seq % 2]
                # entered in the reporting window for about a fifth, earlier for the rest
                recent = rng.random() < 0.2
                entry = _random_date(
                    rng,
                    window_start if recent else window_start - dt.timedelta(days=900),
                    as_of if recent else window_start - dt.timedelta(days=1),
                )
                age_at_entry = rng.randint(young, old)
                birth = _random_date(
                    rng,
                    add_years(entry, -age_at_entry - 1) + dt.timedelta(days=1),
                    add_years(entry, -age_at_entry),
                )
                exit_date = exit_reason = None
                if rule.below is not None and add_years(birth, rule.below) <= as_of:
                    exit_date, exit_reason = add_years(birth, rule.below), "年龄超出"
                elif rng.random() < 0.12:
                    exit_date = _random_date(rng, max(entry, window_start), as_of)
                    exit_reason = rng.choice(["情况好转", "情况好转", "迁出", "其他"])
                if exit_date is not None and exit_date <= entry:
                    exit_date, exit_reason = None, None
                risk = rng.choices(["高", "中", "低"], weights=[15, 35, 50])[0]
                person = contacts_by[n % len(contacts_by)]
                cases.append(
                    {
                        "case_id": f"{code}-{n + 1:04d}",
                        "township": township,
                        "village": village,
                        "group": name_,
                        "distress_type": rng.choice(DISTRESS_TYPES) if gid == "distressed" else None,
                        "risk": risk,
                        "name": name,
                        "gender": "男" if male else "女",
                        "birth_date": birth,
                        "id_number": unique_id(settings.area_code, birth, seq, male, used_ids),
                        "guardian": _unprinted(functools.partial(_guardian, fake, surname), printed),
                        "guardian_relation": rng.choice(["父亲", "母亲", "祖父母", "外祖父母", "其他亲属"]),
                        "phone": fake.phone_number(),
                        "address": f"{settings.county}{township}{village}"
                        f"{rng.randint(1, 12)}组{rng.randint(1, 80)}号",
                        "status": {"idle": "无业", "left-behind": "在校"}.get(
                            gid, rng.choice(["在校", "就业", "无业", "辍学"])
                        ),
                        "contact_person": person,
                        "entry_date": entry,
                        "exit_date": exit_date,
                        "exit_reason": exit_reason,
                    }
                )
                # contacts: roughly monthly, with gaps so that some cases are overdue
                last_day = min(exit_date or as_of, as_of)
                day = entry + dt.timedelta(days=rng.randint(3, 20))
                diligence = rng.random()
                while day <= last_day:
                    if rng.random() < 0.55 + 0.45 * diligence:
                        contacts.append(
                            {
                                "case_id": cases[-1]["case_id"],
                                "date": day,
                                "method": rng.choices(["走访", "电话", "到校", "其他"], weights=[5, 3, 2, 1])[
                                    0
                                ],
                                "by": person,
                                "note": None,
                            }
                        )
                    day += dt.timedelta(days=rng.randint(20, 45))
            contacts.sort(key=lambda c: (c["date"], c["case_id"]))
            yield (township, village), (cases, contacts)


def village_workbook(schema: RegistrySchema, item: tuple[Path, str, list, list]) -> bytes:
    """Task: one village's workbook (`item` = path, title, case rows, contact rows)."""
    _, title, cases, contacts = item
    return registry_workbook(schema, cases, contacts, title=title)


def write_synthetic_registry(
    settings: SyntheticSettings,
    rules: dict[str, AgeRule],
    schema: RegistrySchema,
    folder: Path,
    places: PlaceList,
    run=None,
    printed: PrintedWords = NOTHING_PRINTED,
) -> list[Path]:
    """One workbook per village, as a village would keep it. The people are drawn in order (one seeded
    generator); the workbooks are written by `run` (an executor's, one task per village) when given, the
    villages drawn as its workers take them."""
    paths: list[Path] = []  # each item's, in the order drawn (the executor's indexes)

    def items() -> Iterator[tuple[Path, str, list, list]]:
        for (township, village), (cases, contacts) in drawn_villages(settings, rules, places, printed):
            paths.append(folder / f"{township}-{village}.xlsx")
            yield paths[-1], f"{township}{village}重点青少年群体台账（模拟数据）", cases, contacts

    if run is None:
        for item in items():
            item[0].write_bytes(village_workbook(schema, item))
    else:
        total = sum(len(t.villages) for t in places.townships) if places is not None else None
        for index, data in run(village_workbook, items(), schema, total):
            paths[index].write_bytes(data)
    return sorted(paths)
