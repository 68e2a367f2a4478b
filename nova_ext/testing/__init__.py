"""Test support, shipped so that tests, the demo and the benchmarks share it.

``harness`` is Nova's functional harness with nova-ext's gate and namer set
up (the base class and fixtures of ``tests/functional``, of
``tools/demo.py`` and of ``benchmarks/gate_bench.py``); ``script`` runs one
of its cases as a script. Nothing in nova-ext's services imports this
package: it imports Nova's test tree (``nova.tests``) and ``fixtures``, a
test requirement, and only tests, the demo and the benchmarks import it.
This package itself imports nothing, so that ``script`` can run before Nova
is imported.
"""
