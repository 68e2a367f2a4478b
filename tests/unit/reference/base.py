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

"""Shared helpers of the reference third party's tests: real HTTP calls."""

import json
import uuid

from oslotest import base as oslotest_base
import requests

from nova_ext.reference import fixture
from nova_ext.reference import protocol
from tests.unit.reference import fakes

SECRET = 's3cret'


def gate_body(**overrides):
    body = {
        'version': 1,
        'server_uuid': str(uuid.uuid4()),
        'tag': 'tag-%s' % uuid.uuid4().hex,
        'deadline': '2026-11-22T10:00:00Z',
        'max_deadline': '2026-11-22T11:00:00Z',
        'operation': 'boot',
        'host': 'compute1',
        'project_id': 'p', 'user_id': 'u',
        'display_name': 'web-1',
        'flavor': {'name': 'm1.small', 'extra_specs': {}},
        'image': {'id': str(uuid.uuid4()), 'properties': {}},
        'request_id': 'req-%s' % uuid.uuid4(),
        'mode': 'enforce',
        'callback': {'event_name': 'third-party-gate',
                     'path': '/os-server-external-events',
                     'min_microversion': '2.93'},
    }
    body.update(overrides)
    return body


class ReferenceTestCase(oslotest_base.BaseTestCase):

    def start(self, **kwargs):
        return self.useFixture(
            fixture.ReferenceThirdPartyFixture(**kwargs)).server

    def fake_nova(self, **kwargs):
        nova = fakes.FakeNova(**kwargs)
        self.addCleanup(nova.stop)
        return nova

    def post(self, tp, body, secret=None, headers=None, raw=None):
        if raw is None:
            raw = json.dumps(body).encode('utf-8')
        hdrs = {'Content-Type': 'application/json'}
        if isinstance(body, dict) and 'tag' in body:
            hdrs[protocol.TAG_HEADER] = str(body['tag'])
        if secret is not None:
            hdrs[protocol.SIGNATURE_HEADER] = protocol.sign(secret, raw)
        hdrs.update(headers or {})
        return requests.post(tp.url, data=raw, headers=hdrs, timeout=30)

    def status(self, tp, tag, secret=None, headers=None):
        hdrs = {protocol.TAG_HEADER: tag}
        if secret is not None:
            hdrs[protocol.SIGNATURE_HEADER] = protocol.sign(secret, tag)
        hdrs.update(headers or {})
        return requests.get(tp.status_url(tag), headers=hdrs, timeout=30)
