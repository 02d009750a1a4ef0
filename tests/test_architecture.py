"""The package reads as its pipeline: imports run one way, from later stages to earlier ones.

LAYERS is the declared order, earliest first. A module may import modules of its own layer or of an
earlier one, never of a later one; a module that no layer names fails the test, so that a new module is
placed on purpose. Imports inside functions count too.
"""

from __future__ import annotations

import ast

from tests.conftest import ROOT

LAYERS = [
    # neutral: shared types and helpers, settings; privacy tools that know nothing of the domain
    ["core"],
    ["config"],
    ["privacy"],
    # policy texts: model → load → outline/units/extract (model) → derive
    ["policy.model"],
    ["policy.corpus", "policy.editions", "policy.vocabulary"],
    ["policy.outline"],
    ["policy.units", "policy.phrases"],
    ["policy.roles", "policy.tables", "policy.definitions"],
    ["policy.extract"],
    ["policy.coverage"],
    ["policy.build", "policy.model_cache"],
    [
        "policy.review",
        "policy.age_rules",
        "policy.citations",
        "policy.matrices",
        "policy.work_calendar",
        "policy.changelog",
    ],
    # registries: model/schema → cells → the workbook layout → readers → validation → derive → publish
    ["registry.model", "registry.schema", "registry.places"],
    ["registry.cells", "registry.headers"],
    ["registry.template"],
    ["registry.readers", "registry.config", "registry.folder", "registry.local_rules"],
    ["registry.submissions", "registry.read_cache"],
    ["registry.validate"],
    ["registry.synthetic"],
    ["registry.pii", "registry.monthly"],
    ["registry.briefings", "registry.figures"],
    ["registry.rejected"],
    # the 双零 self-assessment: criteria → the form definition → where it sits in each channel → ingest (load)
    # → scoring (derive) → the forms of each channel (publish)
    ["assessment.criteria"],
    ["assessment.definition"],
    ["assessment.layout"],
    ["assessment.ingest"],
    ["assessment.scoring"],
    ["assessment.forms", "assessment.fillable"],
    # render, then publish
    ["website.render"],
    ["website.pages"],
    ["website.registry_pages", "website.assessment_pages", "website.edition_pages"],
    ["website.mkdocs_build"],
    ["printing.jobs"],
    ["printing.handbook"],
    ["printing.fonts"],
    ["printing.pdf"],
    ["printing.packs"],
    # the build's stages, the command-line verbs, the entry point
    ["pipeline"],
    ["commands"],
    ["cli", "__main__"],
]


def module_name(path) -> str:
    rel = path.relative_to(ROOT / "generators").with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(parts)


def layer_of(name: str) -> int | None:
    """The layer of the longest declared prefix of `name` (the package itself belongs to no layer)."""
    best = None
    for index, layer in enumerate(LAYERS):
        for prefix in layer:
            if name == prefix or name.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    return best[0] if best else None


def imports_of(path) -> set[str]:
    """Modules of the package that `path` imports (names relative to `generators`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            if name.startswith("generators."):
                found.add(name.removeprefix("generators."))
    return found


def edges() -> list[tuple[str, str]]:
    out = []
    for path in sorted((ROOT / "generators").rglob("*.py")):
        source = module_name(path)
        for target in sorted(imports_of(path)):
            out.append((source, target))
    return out


def test_every_module_has_a_declared_layer():
    modules = [p for p in sorted((ROOT / "generators").rglob("*.py")) if p.name != "__init__.py"]
    unplaced = [module_name(p) for p in modules if layer_of(module_name(p)) is None]
    assert unplaced == []


def test_package_files_only_describe_their_package():
    """A package's __init__ holds its docstring, no imports: nothing hides between the layers."""
    inits = sorted((ROOT / "generators").rglob("__init__.py"))
    assert [module_name(p) for p in inits if imports_of(p)] == []


def test_imports_run_from_later_stages_to_earlier_ones():
    against = []
    for source, target in edges():
        s, t = layer_of(source), layer_of(target)
        if s is not None and t is not None and t > s:
            against.append(f"{source} → {target}")
    assert against == []


def test_the_check_catches_a_backward_edge():
    """The test itself: an import from the model into the site would be found."""
    assert layer_of("website.pages") > layer_of("policy.model")
    assert layer_of("registry.synthetic") > layer_of("registry.template")
    assert layer_of("assessment.forms") > layer_of("assessment.ingest")
