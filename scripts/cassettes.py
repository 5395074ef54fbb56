"""Make the test cassettes: offline from the stand-in, or live from the APIs.

    python scripts/cassettes.py synthesize [pytest paths or -k ...]
        Start the loopback stand-in (tests/standin), run the vcr tests in
        record mode against it, and write their cassettes as if the real
        hosts had answered. Deterministic: a second run writes the same files.

    python scripts/cassettes.py record [pytest paths or -k ...]
        With AIMLAPI_API_KEY and/or INWORLD_API_KEY set: run the same tests
        against the live APIs and overwrite their cassettes. Tests of a
        provider whose key is not set are left alone, and so are the tests
        whose answer only the stand-in can give (marked standin_only).

Both strip credentials and account headers, and open every cassette they
write with a comment saying how it was made (see tests/cassettes/README.md).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.standin import StandInAPI, serve
from tests.standin.runs import (
    record_args,
    record_env,
    run_pytest,
    stamp,
    synthesize_args,
    synthesize_env,
)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("synthesize", "record"):
        print(__doc__, file=sys.stderr)
        return 2
    command, selection = argv[0], argv[1:]
    started = time.time() - 1  # file times can be coarse
    if command == "synthesize":
        with serve(StandInAPI()) as standin:
            result = run_pytest(synthesize_args(selection), synthesize_env(standin))
    else:
        env, providers = record_env()
        if not providers:
            print("record: set AIMLAPI_API_KEY and/or INWORLD_API_KEY first", file=sys.stderr)
            return 2
        print(f"record: live, for {', '.join(providers)}")
        result = run_pytest(record_args(selection), env)
    print(result.stdout, end="")
    print(result.stderr, end="", file=sys.stderr)
    for cassette in stamp(since=started):
        print(f"wrote {cassette.relative_to(Path.cwd()) if cassette.is_relative_to(Path.cwd()) else cassette}")
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
