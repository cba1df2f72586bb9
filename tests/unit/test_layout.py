"""The house rules of docs/adding-a-family.md, checked on the source: the layers' arrows point one
way and nobody reaches into another module's private names."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FAMILIES = (
    "flows",
    "gans",
    "vae",
    "divergences",
    "stylegan",
    "autoencoders",
    "autoregressive",
    "diffusion",
    "arena",
    "minimax",
    "evaluation",
    "image_gans",
)


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


def test_the_live_runtime_imports_no_family():
    for path in sources("engine/live"):
        for module, names in imports(path):
            family = module.removeprefix("engine.").split(".")[0]
            assert family not in FAMILIES and not set(names) & set(FAMILIES), f"{path} imports {module}"


def test_no_module_imports_another_modules_private_names():
    for path in sources("engine", "app_ui", "app_pages", "benchmarks"):
        for module, names in imports(path):
            private = [name for name in names if name.startswith("_") and not name.startswith("__")]
            assert not private, f"{path} imports {private} from {module}"


def test_every_family_has_its_package_and_nothing_family_specific_sits_at_the_top():
    top_level = {path.stem for path in (ROOT / "engine").glob("*.py")}
    for family in FAMILIES:
        assert (ROOT / "engine" / family / "__init__.py").exists()
        assert not {name for name in top_level if name.startswith(family.rstrip("s"))}, f"a {family} module at engine/"
    for family in (
        "flows",
        "gans",
        "vae",
        "autoencoders",
        "autoregressive",
        "diffusion",
    ):  # the live families: the same module names
        assert {"task.py", "views.py"} <= {path.name for path in (ROOT / "engine" / family).glob("*.py")}
