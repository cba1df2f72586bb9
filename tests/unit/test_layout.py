"""The house rules of docs/adding-a-family.md, checked on the source: the layers' arrows point one
way, families import no other family (but the aggregators), a role has one module name in every
family, long modules say why, and nobody reaches into another module's private names."""

import ast
from pathlib import Path

from engine import families

ROOT = Path(__file__).resolve().parents[2]
FAMILIES = families.families()
ROLE_SYNONYMS = {"model", "network", "networks", "race", "lab", "live_views", "figures", "plots", "training", "trainer"}
LONG_MODULE_LINES = 260  # engine/live and app_ui modules over this say why in their docstring


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for each import in a file; names is empty for ``import module``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def sources(*folders: str) -> list[Path]:
    return [path for folder in folders for path in (ROOT / folder).rglob("*.py")]


def test_engine_never_imports_streamlit_or_app_code():
    for path in sources("engine"):
        for module, _ in imports(path):
            assert not module.startswith(("streamlit", "app_ui", "app_pages")), f"{path} imports {module}"


def test_no_module_imports_another_modules_private_names():
    for path in sources("engine", "app_ui", "app_pages", "benchmarks"):
        for module, names in imports(path):
            private = [name for name in names if name.startswith("_") and not name.startswith("__")]
            assert not private, f"{path} imports {private} from {module}"


def family_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "engine" and parts[1] in FAMILIES else None


def test_the_family_list_is_every_engine_package_but_the_shared_layers():
    assert {"flows", "gans", "vae", "arena", "evaluation", "image_gans"} <= set(FAMILIES)
    assert not set(FAMILIES) & {"live", "targets", "train"}
    assert set(families.AGGREGATORS) <= set(FAMILIES)
    assert "engine.autoencoders.task" in families.live_task_modules()  # every live family's task is preloaded


def test_no_family_imports_another_but_the_aggregators():
    for family in FAMILIES:
        if family in families.AGGREGATORS:
            continue
        for path in sources(f"engine/{family}"):
            for module, names in imports(path):
                imported = {family_of(module)} | {name for name in names if module == "engine" and name in FAMILIES}
                assert imported <= {None, family}, f"{path} imports {module} {names}"


def test_shared_layers_import_no_family():
    shared = [path for path in (ROOT / "engine").glob("*.py")] + sources("engine/targets", "engine/live")
    for path in shared:
        for module, _ in imports(path):
            assert family_of(module) is None, f"{path} imports {module}"


def test_a_role_has_one_module_name_in_every_family_and_every_module_is_listed():
    for family in FAMILIES:
        package = ROOT / "engine" / family
        modules = {path.stem for path in package.glob("*.py")} - {"__init__"}
        assert not modules & ROLE_SYNONYMS, (
            f"engine/{family} names a role {modules & ROLE_SYNONYMS}: use {families.ROLE_MODULES}"
        )
        docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
        unlisted = {name for name in modules if f"{family}.{name}" not in docstring and f"{name}.py" not in docstring}
        assert not unlisted, f"engine/{family}/__init__.py does not list {unlisted}"


def test_long_runtime_and_page_modules_say_why():
    for path in sources("engine/live", "app_ui"):
        lines = len(path.read_text().splitlines())
        if lines > LONG_MODULE_LINES:
            docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
            assert "250 lines" in docstring, f"{path} has {lines} lines and its docstring does not say why"


def test_the_ray_backend_imports_nothing_of_the_process_backend():
    for module, _ in imports(ROOT / "engine/live/ray_backend.py"):
        assert module not in ("engine.live.process", "engine.live.fork_server"), module


def test_nothing_family_specific_sits_at_the_top_and_live_families_have_their_task_and_views():
    top_level = {path.stem for path in (ROOT / "engine").glob("*.py")}
    for family in FAMILIES:
        assert not {name for name in top_level if name.startswith(family.rstrip("s"))}, f"a {family} module at engine/"
    for module in families.live_task_modules():
        family = module.split(".")[1]
        assert (ROOT / "engine" / family / "views.py").exists(), f"{family} trains live but has no views.py"


def test_every_benchmark_is_listed_by_its_own_file():
    from benchmarks import BENCHMARKS

    assert {"flows", "gans", "crowd", "arena", "sample_metrics"} <= set(BENCHMARKS)
    assert not {"common", "streamlit_client", "browser_timing", "__main__"} & set(BENCHMARKS)
    assert all(BENCHMARKS.values())  # each says what it measures
