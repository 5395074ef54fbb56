"""A loopback benchmark of this package against the clients users would otherwise pick.

``python -m benchmarks.run`` reproduces BENCHMARKS.md; see that file.
"""
