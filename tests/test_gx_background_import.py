"""GX's import on a background thread (quality_checks/gx_import.py `import_in_background`, started by make run
before its first run): the first validation waits for it and gets the same package, once per process, with
scipy.stats still deferred; a failing import fails where GX is asked for, as an import on the spot would."""

import subprocess
import sys


def _python(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\n")


def test_the_first_validation_waits_for_the_background_import_and_gets_the_same_package():
    out = _python(
        "import sys, threading\n"
        "from quality_checks import gx_import\n"
        "t = gx_import.import_in_background()\n"
        "print(t is not None and t.daemon, gx_import.import_in_background() is None)\n"  # once per process
        "gx = gx_import.great_expectations()\n"
        "print(t.is_alive(), gx is sys.modules['great_expectations'], 'scipy.stats._stats_py' in sys.modules)\n"
        "from quality_checks.gx_runner import run_suite\n"
        "from quality_checks.expectations import ExpectationSpec\n"
        "import pyarrow as pa\n"
        "o = run_suite(pa.table({'a': [1, 2, 3]}), 's', [ExpectationSpec('ExpectColumnValuesToBeBetween', "
        "{'column': 'a', 'min_value': 1, 'max_value': 2})])\n"
        "print(o.success, o.outcomes[0].unexpected_count)\n")
    assert out[0] == "True True"
    assert out[1] == "False True False"  # joined before use; scipy.stats not run by the import
    assert out[2] == "False 1"  # a real validation on the imported GX


def test_an_import_that_fails_in_the_background_fails_where_gx_is_asked_for():
    out = _python(
        "import sys, importlib.abc\n"
        "class Refuse(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == 'great_expectations': raise ImportError('no GX here')\n"
        "sys.meta_path.insert(0, Refuse())\n"
        "from quality_checks import gx_import\n"
        "gx_import.import_in_background().join()\n"
        "try:\n"
        "    gx_import.great_expectations()\n"
        "except ImportError as e:\n"
        "    print('raised:', e)\n")
    assert out[0] == "raised: no GX here"
