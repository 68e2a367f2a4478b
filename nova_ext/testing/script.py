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

"""Run one functional-harness case as a script (the demo, the benchmarks).

A script calls :func:`setup` before importing anything from Nova: it sends
file descriptors 1 and 2 to a log file, so that Nova's own log does not
drown what the script says (:func:`say` writes to the terminal), and picks
the concurrency backend (native threading, Nova 34's default, unless
OS_NOVA_DISABLE_EVENTLET_PATCHING says otherwise) before anything imports
eventlet. It is apart from :mod:`nova_ext.testing.harness` for that reason:
the harness imports Nova.
"""

import os
import sys
import unittest

_OUT = None
_LOG = None


def setup(log_name):
    global _OUT, _LOG
    _LOG = os.path.abspath(log_name)
    _OUT = os.fdopen(os.dup(1), 'w')
    log = open(_LOG, 'w')
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    os.environ.setdefault('OS_NOVA_DISABLE_EVENTLET_PATCHING', 'true')
    # What Nova's test packages do first (nova.tests.functional too).
    from nova_ext import compat
    compat.monkey_patch()


def say(text=''):
    _OUT.write(text + '\n')
    _OUT.flush()


def run(case):
    """Run ``case`` (a TestCase instance); return the exit code."""
    result = unittest.TextTestRunner(stream=sys.stderr, verbosity=2).run(
        unittest.TestSuite([case]))
    if not result.wasSuccessful():
        say('FAILED: see %s' % _LOG)
        return 1
    say("(Nova's log: %s)" % _LOG)
    return 0
