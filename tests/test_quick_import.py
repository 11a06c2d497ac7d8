"""WeasyPrint's start-up without the fontTools modules it rarely uses (briefpers.quick_import)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FONT = next((ROOT / "styles" / "fonts").rglob("*.ttf"))


def fresh(script: str) -> dict:
    """Run `script` in a new interpreter; it prints one JSON object last."""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_subsetter_and_instancer_load_only_when_used(tmp_path):
    found = fresh(
        "import json, sys\n"
        "from briefpers.quick_import import import_weasyprint\n"
        "import_weasyprint()\n"
        "names = ('fontTools.subset', 'fontTools.varLib.instancer')\n"
        "after_import = [n for n in names if n in sys.modules]\n"
        "from briefpers.pipeline import build_letter\n"
        "build_letter('input/water-quality-2023.xml')\n"
        "after_build = [n for n in names if n in sys.modules]\n"
        "import fontTools.subset\n"
        "import weasyprint.pdf.fonts as f\n"
        "real = type(sys.modules['fontTools.subset']).__name__\n"
        "same = f.subset.Subsetter is fontTools.subset.Subsetter\n"
        "print(json.dumps([after_import, after_build, real, same]))\n"
    )
    after_import, after_build, real, same = found
    assert after_import == [] and after_build == []  # HarfBuzz subsets; no variable font
    assert real == "module"  # a later import gets the real module, not the stand-in
    assert same


def test_weasyprints_fonttools_subsetting_still_works():
    # WeasyPrint's path without libharfbuzz-subset0: the stand-in loads the subsetter.
    found = fresh(
        "import json, sys\n"
        "from briefpers.quick_import import import_weasyprint\n"
        "import_weasyprint()\n"
        "import weasyprint.pdf.fonts as f\n"
        "f.harfbuzz_subset = None\n"
        "from briefpers.pipeline import build_letter\n"
        "built = build_letter('input/water-quality-2023.xml')\n"
        "print(json.dumps([built.pages, 'fontTools.subset' in sys.modules]))\n"
    )
    assert found == [2, True]


def test_the_instancer_stand_in_calls_the_real_function():
    found = fresh(
        "import json, sys\n"
        "from briefpers.quick_import import import_weasyprint\n"
        "import_weasyprint()\n"
        "import weasyprint.pdf.fonts as f\n"
        "from fontTools.ttLib import TTFont\n"
        "before = 'fontTools.varLib.instancer' in sys.modules\n"
        "try:\n"
        f"    f.instantiateVariableFont(TTFont({str(FONT)!r}), {{}})\n"
        "    error = None\n"
        "except Exception as exc:\n"
        "    error = f'{type(exc).__name__}: {exc}'\n"
        "print(json.dumps([before, error, 'fontTools.varLib.instancer' in sys.modules]))\n"
    )
    before, error, after = found
    assert not before and after
    assert error is not None and "fvar" in error  # the real instancer's own refusal
