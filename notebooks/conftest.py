"""Notebooks run offline under pytest (nbmake): their kernels inherit this process's environment.

A developer's real key would send them live, so it is removed for the
test run; the notebooks then replay ``cassettes/`` and say so first.
"""

import os

for _name in (
    "AIMLAPI_API_KEY",
    "INWORLD_API_KEY",
    "INWORLD_API_SECRET",
    "AIMLAPI_BASE_URL",
    "INWORLD_BASE_URL",
    "AIML_RECORD_EXAMPLES",
):
    os.environ.pop(_name, None)
