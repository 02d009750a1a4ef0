"""Derive: the registry's personal strings, which the publish guard looks for in everything published, and
the public words (the county's place names) that may contain them."""

from __future__ import annotations

from generators.privacy.guard import Needle
from generators.registry.personal import of_cases, of_contacts, of_rejected
from generators.registry.places import PlaceList
from generators.registry.schema import RegistrySchema
from generators.registry.validate import RegistryImport


def personal_values(imported: RegistryImport, schema: RegistrySchema) -> list[Needle]:
    """Every personal value of the registry — accepted and rejected rows alike — once, with the first row
    that holds it and how many do: the accepted cases, the contacts, the rejected rows, in the order the
    import took them. Nothing is left out because it also occurs in a policy text: only a reviewed
    allowlist exempts."""
    found = of_cases(imported.cases)
    of_contacts(imported.contacts, found)
    of_rejected(imported.rejected, schema, found)
    return found.needles(schema)


def place_words(places: PlaceList) -> list[str]:
    """The county's place names in every spelling and combination a page may print: public words, never
    personal data (a person called 杨柳 is still found; 杨柳社区 is not taken for them)."""
    words = set(places.names())
    for t in places.townships:
        for spelling in (t.name, *t.aliases):
            words.add(places.county + spelling)
            for v in t.villages:
                words.update(places.county + spelling + w for w in (v.name, *v.aliases))
    return sorted(w for w in words if w)
