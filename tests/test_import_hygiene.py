"""The core never imports Streamlit: only ddq/ui/ and the pages may (DESIGN.md section 3)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_core_modules_do_not_import_streamlit():
    core = [
        p for p in (ROOT / "ddq").rglob("*.py") if "ui" not in p.relative_to(ROOT / "ddq").parts
    ]
    assert core, "no core modules found"
    offenders = [str(p.relative_to(ROOT)) for p in core if "streamlit" in _imports(p)]
    assert offenders == []


def test_importing_the_whole_core_loads_no_streamlit():
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / "ddq").rglob("*.py")
        if "ui" not in p.relative_to(ROOT / "ddq").parts
    )
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    code += "print('streamlit' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "False"


def test_the_cli_starts_without_heavy_modules():
    code = (
        "import sys, ddq.cli\n"
        "print(sorted(m for m in ('duckdb', 'pandas', 'pyarrow', 'streamlit') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "[]"
