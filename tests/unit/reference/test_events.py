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

"""Tests of the event poster and of what the service accepts as Nova."""

import uuid

from oslotest import base as test_base

from nova_ext.reference import events
from tests.unit.reference import fakes


class TestEvents(test_base.BaseTestCase):

    def fake_nova(self, **kwargs):
        nova = fakes.FakeNova(**kwargs)
        self.addCleanup(nova.stop)
        return nova

    def test_later_microversion(self):
        fake = self.fake_nova()
        poster = events.NovaEventPoster.from_endpoint(
            fake.endpoint, microversion='2.96')
        self.assertTrue(poster.post_event(str(uuid.uuid4()), 't',
                                          'in-progress').ok)
        post, = fake.wait_for_posts(1)
        self.assertEqual('compute 2.96',
                         post['headers']['OpenStack-API-Version'])

    def test_post_result_ok(self):
        ok = events.PostResult(event={}, status_code=200,
                               body={'events': [{'code': 200}]})
        self.assertTrue(ok.ok)
        multi = events.PostResult(event={}, status_code=207,
                                  body={'events': [{'code': 404}]})
        self.assertFalse(multi.ok)
        partial = events.PostResult(event={}, status_code=200,
                                    body={'events': [{'code': 422}]})
        self.assertFalse(partial.ok)
        poster = events.NovaEventPoster.from_endpoint('http://127.0.0.1:1')
        self.assertRaises(ValueError, poster.post_event, 'u', 't', 'maybe')
        self.assertRaises(TypeError, events.NovaEventPoster, object())
