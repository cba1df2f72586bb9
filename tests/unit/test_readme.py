"""The README's commands are the ones CI runs and the ones that work."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_ci_runs_the_readme_test_command():
    test_command = next(line for block in bash_blocks() for line in block.splitlines() if "pytest" in line)
    ci_lines = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line and not line.startswith(("#", "set ", "cd "))
    ]
    assert ci_lines == [test_command]


def test_start_command_installs_the_pinned_requirements():
    start = next(line for block in bash_blocks() for line in block.splitlines() if "streamlit run" in line)
    assert "requirements.txt" in start
    requirements = (ROOT / "requirements.txt").read_text()
    assert "torch==2.13.0" in requirements and "torchvision" not in requirements


def test_engine_never_imports_streamlit():
    for path in (ROOT / "engine").rglob("*.py"):
        assert not re.search(r"^\s*(import|from) streamlit", path.read_text(), flags=re.M), path


def test_the_python_example_runs(capsys):
    code = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)[0]
    assert "time.monotonic() + 10" in code
    exec(compile(code.replace("time.monotonic() + 10", "time.monotonic() + 1"), "README.md", "exec"), {})
    assert "KL(p||q) =" in capsys.readouterr().out
