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

"""Tests of the reference third party's settings, checked in one place."""

import re

from oslotest import base

from nova_ext.reference import settings


class TestSettings(base.BaseTestCase):

    def test_defaults(self):
        s = settings.Settings()
        self.assertEqual(('127.0.0.1', 0, None, 'sync', 0.0, None, 0, True),
                         (s.host, s.port, s.secret, s.mode, s.delay,
                          s.heartbeat, s.fail_first, s.offer_status_url))
        self.assertEqual(settings.DEFAULT_APPROVE_REASON, s.approve_reason)

    def test_normalised(self):
        s = settings.Settings(secret='s3cret', reject_name='^bad',
                              ignore_name=re.compile('slow'), delay='1.5',
                              mode='async', heartbeat=2, host='::1')
        self.assertEqual(b's3cret', s.secret)
        self.assertEqual('^bad', s.reject_name.pattern)
        self.assertEqual('slow', s.ignore_name.pattern)
        self.assertEqual((1.5, 2.0), (s.delay, s.heartbeat))
        self.assertEqual('localhost',
                         settings.Settings(host='localhost').host)

    def test_invalid(self):
        cases = [
            ({'mode': 'later'}, 'mode', 'must be one of sync, async'),
            ({'host': 'example.com'}, 'host',
             'must be an IP address or localhost'),
            ({'port': 70000}, 'port', 'must be an integer between'),
            ({'port': '80'}, 'port', 'must be an integer between'),
            ({'delay': -1}, 'delay', 'must be finite and not negative'),
            ({'delay': float('nan')}, 'delay', 'must be finite'),
            ({'delay': float('inf')}, 'delay', 'must be finite'),
            ({'delay': 'x'}, 'delay', 'must be a number of seconds'),
            ({'heartbeat': 0, 'mode': 'async'}, 'heartbeat',
             'must be positive'),
            ({'heartbeat': 'x'}, 'heartbeat', 'must be a number'),
            ({'heartbeat': 1}, 'heartbeat', 'needs mode async'),
            ({'reject_name': '('}, 'reject_name',
             "must be a regular expression; '(' is not"),
            ({'ignore_name': '[a'}, 'ignore_name',
             'must be a regular expression'),
            ({'sync_name': '[a', 'mode': 'async'}, 'sync_name',
             'must be a regular expression'),
            ({'sync_name': '^now'}, 'sync_name', 'needs mode async'),
            ({'secret': ''}, 'secret', 'must not be empty'),
            ({'secret': b''}, 'secret', 'must not be empty'),
            ({'fail_first': -1}, 'fail_first',
             'must be a non-negative integer'),
        ]
        for kwargs, argument, problem in cases:
            e = self.assertRaises(settings.InvalidArgument,
                                  settings.Settings, **kwargs)
            self.assertEqual(argument, e.argument, kwargs)
            self.assertIn(problem, e.problem)
            self.assertEqual('%s %s' % (argument, e.problem), str(e))
            self.assertIsInstance(e, ValueError)
