# Copyright 2026 nova-ext developers
#
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""Test support, shipped so that tests, the demo and the benchmarks share it.

``harness`` is Nova's functional harness with nova-ext's gate and namer set
up (the base class and fixtures of ``tests/functional``, of
``tools/demo.py`` and of ``benchmarks/gate_bench.py``); ``script`` runs one
of its cases as a script; ``trace`` time-stamps each step of gated builds
(``gate_bench.py --trace``). Nothing in nova-ext's services imports this
package: it imports Nova's test tree (``nova.tests``) and ``fixtures``, a
test requirement, and only tests, the demo and the benchmarks import it.
This package itself imports nothing, so that ``script`` can run before Nova
is imported.
"""
