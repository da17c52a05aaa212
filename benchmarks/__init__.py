"""Benchmarks of spkey-desktop at the scale of a large organization.

Run them all with ``python -m benchmarks`` (``--smoke`` for the reduced sizes
CI runs). Each measurement runs in a process of its own, so that memory and
timings of one do not leak into another, and prints its figure next to its
target and to a baseline measured in the same run. See benchmarks/README.md.
"""
