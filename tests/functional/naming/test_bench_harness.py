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

"""The naming benchmark's harness runs nova-api's writers as deployed.

Nova's fixtures serialize every enginefacade writer transaction per
database under native threads (SQLite's single writer); nova-ext's
transactions run on the engine itself and never wait for that lock. Left
in place on MariaDB, it would hold back Nova's own writes (naming off and
on) and not nova-ext's, flattering the throughput ratio.
"""

import importlib
import importlib.util
import os
import unittest

import fixtures
from oslo_db.sqlalchemy import enginefacade
import testtools

from nova import test

BENCH = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir,
                     os.pardir, 'benchmarks', 'naming_bench.py')


class TestBenchmarkHarness(testtools.TestCase):

    def _bench(self):
        # The module sets these at import when unset: keep them as they
        # are for the other tests of this process.
        for var in ('OS_NOVA_DISABLE_EVENTLET_PATCHING',
                    'OS_WSGI__API_PASTE_CONFIG'):
            self.useFixture(fixtures.EnvironmentVariable(
                var, os.environ.get(var)))
        spec = importlib.util.spec_from_file_location(
            'nova_ext_naming_bench', BENCH)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def test_no_writer_lock_from_any_database_fixture(self):
        nova_fixtures = importlib.import_module('nova.tests.fixtures.nova')
        if not hasattr(nova_fixtures, 'DatabaseWriteLock'):
            # Nova 31-33: no native threads in the harness, no lock.
            self.skipTest('no DatabaseWriteLock in this Nova')
        bench = self._bench()
        with bench.no_write_lock():
            self.assertIs(bench._NoWriteLock,
                          nova_fixtures.DatabaseWriteLock)
        original = enginefacade._TransactionContextManager._transaction_scope
        seen = []

        class Probe(test.TestCase):
            # As NamingBenchmark.setUp: the API Database fixture and the
            # cells' both.
            def setUp(self):
                with bench.no_write_lock():
                    super().setUp()

            def test(self):
                seen.append(
                    enginefacade._TransactionContextManager.
                    _transaction_scope)

        result = unittest.TestResult()
        Probe('test').run(result)
        self.assertEqual([], result.errors + result.failures)
        self.assertEqual([original], seen)
