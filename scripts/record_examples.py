"""Re-make the recordings behind the demo and the notebooks, then re-run the notebooks offline.

    python scripts/record_examples.py          # against the loopback stand-in (synthesized answers)
    python scripts/record_examples.py --live   # against the live APIs; needs AIMLAPI_API_KEY and INWORLD_API_KEY

Either way the notebooks are executed once more in replay mode, so their
committed outputs are exactly what a newcomer's offline run prints.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiml_embeddings_examples.demo import CASSETTE as DEMO_CASSETTE  # noqa: E402
from aiml_embeddings_examples.session import RECORD_ENV  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"


def execute(notebook: Path, env: dict[str, str]) -> None:
    """Run a notebook in place, as nbmake does, with the notebook's folder as working directory.

    The kernel inherits this process's environment, so the run's variables are swapped in around it.
    """
    import nbformat
    from nbclient import NotebookClient

    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        nb = nbformat.read(notebook, as_version=4)
        NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}}
        ).execute()
        nbformat.write(nb, notebook)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def record(env: dict[str, str]) -> None:
    env = {**env, RECORD_ENV: "1"}
    targets = [DEMO_CASSETTE, *sorted((NOTEBOOKS / "cassettes").glob("*.yaml"))]
    for old in targets:
        old.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-m", "aiml_embeddings.cli", "demo"], env=env, check=True, stdout=subprocess.DEVNULL
    )
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        execute(notebook, env)


def main(argv: list[str]) -> int:
    base = {k: v for k, v in os.environ.items() if k not in ("AIMLAPI_BASE_URL", "INWORLD_BASE_URL", RECORD_ENV)}
    if "--live" in argv:
        missing = [name for name in ("AIMLAPI_API_KEY", "INWORLD_API_KEY") if not base.get(name)]
        if missing:
            print(f"record_examples: set {' and '.join(missing)} to record live", file=sys.stderr)
            return 2
        record(base)
    else:
        from tests.standin import AIMLAPI_TEST_KEY, INWORLD_TEST_KEY, serve

        with serve() as url:
            record(
                {
                    **base,
                    "AIMLAPI_BASE_URL": f"{url}/v1",
                    "INWORLD_BASE_URL": url,
                    "AIMLAPI_API_KEY": AIMLAPI_TEST_KEY,
                    "INWORLD_API_KEY": INWORLD_TEST_KEY,
                }
            )
    offline = {k: v for k, v in base.items() if k not in ("AIMLAPI_API_KEY", "INWORLD_API_KEY", "INWORLD_API_SECRET")}
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        execute(notebook, offline)
    print(f"recorded {DEMO_CASSETTE.relative_to(ROOT)} and {len(list(NOTEBOOKS.glob('*.ipynb')))} notebooks")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
