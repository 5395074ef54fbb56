"""One measured client call per process: each module builds the clients of one family.

A driver runs in whichever venv holds its client (the peers pin versions
that cannot share ours), so this package imports nothing but the standard
library and numpy at module level.
"""
