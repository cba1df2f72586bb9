"""The Hugging Face Space image (Dockerfile, .dockerignore), read statically: what a Space needs.

The image itself is built and run by deploy/docker_check.sh (minutes; not part of the suite).
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PORT = "7860"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order; continuation lines joined, comments dropped."""
    lines, current = [], ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        lines.append(current + line)
        current = ""
    assert not current, "the Dockerfile ends inside a continued line"
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def args(name: str) -> list[str]:
    return [rest for instruction, rest in instructions() if instruction == name]


def exec_form(rest: str) -> list[str]:
    return json.loads(rest)


def dockerignore_excludes(path: str) -> bool:
    """Docker's rule: the last pattern that matches the path or one of its parent folders decides."""
    excluded = False
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        regex = (
            re.escape(pattern)
            .replace(r"\*\*/", "(.*/)?")
            .replace(r"\*\*", ".*")
            .replace(r"\*", "[^/]*")
            .replace(r"\?", "[^/]")
        )
        parts = path.split("/")
        if any(re.fullmatch(regex, "/".join(parts[:i])) for i in range(1, len(parts) + 1)):
            excluded = not negate
    return excluded


def test_the_base_image_is_a_build_argument():
    steps = instructions()
    assert steps[0][0] == "ARG" and steps[0][1].startswith("BASE_IMAGE=")
    default = steps[0][1].split("=", 1)[1]
    assert re.match(r"python:3\.11[-.\w]*$", default), default  # the Python the project is tested with
    assert args("FROM") == ["${BASE_IMAGE}"]


def test_streamlit_serves_the_app_on_7860_on_all_interfaces():
    assert args("EXPOSE") == [PORT]
    (cmd,) = args("CMD")
    command = exec_form(cmd)
    assert command[:3] == ["streamlit", "run", command[2]]
    script = command[2]
    assert (ROOT / script).is_file() and not dockerignore_excludes(script)
    assert f"--server.port={PORT}" in command and "--server.address=0.0.0.0" in command
    # without it, Streamlit on 0.0.0.0 (headless) asks checkip.amazonaws.com for the start banner
    assert "--browser.serverAddress=localhost" in command


def test_it_runs_as_uid_1000_with_a_writable_home():
    users = args("USER")
    assert users and users[-1] not in ("root", "0")
    (useradd,) = [rest for instruction, rest in instructions() if instruction == "RUN" and "useradd" in rest]
    assert re.search(rf"--uid 1000 .*\b{re.escape(users[-1])}\b", useradd) or users[-1].split(":")[0] == "1000"
    assert "--create-home" in useradd or " -m " in useradd
    env = " ".join(args("ENV"))
    assert f"HOME=/home/{users[-1]}" in env


def test_the_health_check_asks_streamlit():
    (check,) = args("HEALTHCHECK")
    assert f"127.0.0.1:{PORT}/_stcore/health" in check and "b'ok'" in check
    assert "curl" not in check and "wget" not in check  # not in python:3.11-slim


def test_offline_at_run_time():
    env = " ".join(args("ENV"))
    assert "HF_HUB_OFFLINE=1" in env


def test_torch_comes_from_the_cpu_index_at_the_pinned_version():
    assert "ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" in [f"ARG {a}" for a in args("ARG")]
    text = (ROOT / "Dockerfile").read_text()
    pinned = re.search(r"^torch==\S+", (ROOT / "requirements.txt").read_text(), flags=re.M).group()
    for version in re.findall(r"torch==[\w.+]+", text):  # no second, hard-coded pin
        assert version == pinned
    assert '--index-url "$TORCH_INDEX_URL" "$TORCH_PIN"' in text
    assert "torch.version.cuda is None" in text


@pytest.mark.skipif(shutil.which("sed") is None, reason="needs sed")
def test_the_dockerfile_reads_the_torch_pin_from_requirements_txt():
    text = (ROOT / "Dockerfile").read_text()
    expression = re.search(r"TORCH_PIN=\"\$\(sed -n '([^']+)' /tmp/requirements\.txt\)\"", text).group(1)
    found = subprocess.run(
        ["sed", "-n", expression, str(ROOT / "requirements.txt")], capture_output=True, text=True, check=True
    )
    assert (
        found.stdout.strip() == re.search(r"^torch==\S+", (ROOT / "requirements.txt").read_text(), flags=re.M).group()
    )


def test_only_the_runtime_requirements_are_installed():
    runs = " ".join(rest for instruction, rest in instructions() if instruction == "RUN")
    assert re.findall(r"pip install -r ([^\s;]+)", runs) == ["/tmp/requirements.txt"]
    assert "requirements-dev" not in (ROOT / "Dockerfile").read_text()
    assert args("COPY")[0] == "requirements.txt /tmp/requirements.txt"
    assert dockerignore_excludes("requirements-dev.txt")


def test_the_app_and_its_shipped_weights_reach_the_image():
    shipped = [
        p
        for folder in ("pretrained", "app_ui", "app_pages", "engine", "assets", ".streamlit")
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert any(p.name == "model.safetensors" for p in shipped) and any(p.name == "README.md" for p in shipped)
    for path in [*shipped, ROOT / "serve.py", ROOT / "app.py", ROOT / "requirements.txt"]:
        assert not dockerignore_excludes(path.relative_to(ROOT).as_posix()), path


@pytest.mark.parametrize(
    "path",
    [
        ".git/HEAD",
        "artifacts/crowd-server.log",
        "tests/unit/test_dockerfile.py",
        "benchmarks/crowd.py",
        "engine/__pycache__/x.cpython-311.pyc",
        ".pytest_cache/v/x",
        ".venv/bin/python",
    ],
)
def test_what_the_app_does_not_need_stays_out(path):
    assert dockerignore_excludes(path)
