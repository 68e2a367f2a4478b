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

"""Tests of the records: capped, resettable, waitable."""

import fixtures

from tests.unit.reference import base


class TestRecords(base.ReferenceTestCase):

    def test_records_are_capped(self):
        self.useFixture(fixtures.MonkeyPatch(
            'nova_ext.reference.records.MAX_RECORDS', 3))
        tp = self.start()
        bodies = [base.gate_body() for _ in range(5)]
        for body in bodies:
            self.post(tp, body)
            self.status(tp, body['tag'])
        self.assertEqual([b['tag'] for b in bodies[2:]],
                         [r.tag for r in tp.requests])
        self.assertEqual([b['tag'] for b in bodies[2:]],
                         list(tp.decisions))
        self.assertEqual(3, len(tp.status_queries))
        # The oldest is forgotten by the status endpoint too.
        self.assertEqual(404, self.status(tp, bodies[0]['tag']).status_code)

    def test_reset(self):
        tp = self.start()
        self.post(tp, base.gate_body())
        tp.reset()
        self.assertEqual([], tp.requests)
        self.assertEqual({}, tp.decisions)
