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

"""Tests of the protocol checks: signatures, JSON bodies, fields."""

import json

from nova_ext.reference import protocol

from tests.unit.reference import base


class TestSignature(base.ReferenceTestCase):

    def test_good_signature_is_accepted(self):
        tp = self.start(secret=base.SECRET)
        resp = self.post(tp, base.gate_body(), secret=base.SECRET)
        self.assertEqual(200, resp.status_code)
        self.assertEqual('completed', resp.json()['status'])
        self.assertTrue(tp.requests[0].signature_valid)

    def test_bytes_secret(self):
        tp = self.start(secret=base.SECRET.encode('utf-8'))
        resp = self.post(tp, base.gate_body(), secret=base.SECRET)
        self.assertEqual(200, resp.status_code)

    def test_wrong_secret_is_refused(self):
        tp = self.start(secret=base.SECRET)
        body = base.gate_body()
        resp = self.post(tp, body, secret='not-the-secret')
        self.assertEqual(401, resp.status_code)
        self.assertIn('does not match', resp.json()['error'])
        self.assertFalse(tp.requests[0].signature_valid)
        self.assertEqual(401, tp.requests[0].response_status)
        # Refused requests are never decided.
        self.assertEqual({}, tp.decisions)
        self.assertEqual(404, self.status(tp, body['tag'],
                                          secret=base.SECRET).status_code)

    def test_signature_of_another_body_is_refused(self):
        tp = self.start(secret=base.SECRET)
        raw = json.dumps(base.gate_body()).encode('utf-8')
        other = json.dumps(base.gate_body()).encode('utf-8')
        resp = self.post(tp, None, raw=raw, headers={
            protocol.SIGNATURE_HEADER: protocol.sign(base.SECRET, other)})
        self.assertEqual(401, resp.status_code)

    def test_missing_signature_is_refused(self):
        tp = self.start(secret=base.SECRET)
        resp = self.post(tp, base.gate_body())
        self.assertEqual(401, resp.status_code)
        self.assertIn('missing X-Nova-Ext-Signature', resp.json()['error'])

    def test_garbage_signature_is_refused(self):
        tp = self.start(secret=base.SECRET)
        resp = self.post(tp, base.gate_body(), headers={
            protocol.SIGNATURE_HEADER: 'md5=\u00e9t\u00e9'.encode('utf-8')})
        self.assertEqual(401, resp.status_code)

    def test_no_secret_no_check(self):
        tp = self.start()
        resp = self.post(tp, base.gate_body(), headers={
            protocol.SIGNATURE_HEADER: 'sha256=whatever'})
        self.assertEqual(200, resp.status_code)
        self.assertIsNone(tp.requests[0].signature_valid)

    def test_sign(self):
        # Known HMAC-SHA256 vector (RFC 4231 test case 2).
        self.assertEqual(
            'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b9'
            '64ec3843',
            protocol.sign('Jefe', 'what do ya want for nothing?'))


class TestFields(base.ReferenceTestCase):

    def assertBadRequest(self, resp, text, code=400):
        self.assertEqual(code, resp.status_code, resp.text)
        self.assertEqual('application/json', resp.headers['Content-Type'])
        self.assertIn(text, resp.json()['error'])

    def test_invalid_json(self):
        tp = self.start(secret=base.SECRET)
        raw = b'{"version": 1,'
        self.assertBadRequest(
            self.post(tp, None, raw=raw, secret=base.SECRET), 'not valid JSON')
        self.assertEqual(400, tp.requests[0].response_status)
        self.assertIsNone(tp.requests[0].body)

    def test_not_utf8(self):
        tp = self.start()
        self.assertBadRequest(self.post(tp, None, raw=b'\xff\xfe'),
                              'not valid JSON')

    def test_not_an_object(self):
        tp = self.start()
        self.assertBadRequest(self.post(tp, None, raw=b'[1, 2]'),
                              'JSON object')

    def test_fields(self):
        tp = self.start()
        cases = [
            ({'version': 2}, 'unsupported protocol version'),
            ({'version': True}, 'unsupported protocol version'),
            ({'server_uuid': 'nope'}, 'server_uuid must be a UUID'),
            ({'server_uuid': None}, 'server_uuid must be a UUID'),
            ({'tag': ''}, 'tag must be'),
            ({'tag': 5}, 'tag must be'),
            ({'tag': 'x' * 256}, 'tag must be'),
            ({'display_name': 5}, 'display_name must be'),
            ({'operation': None}, 'operation must be'),
            ({'deadline': 'tomorrow'}, 'deadline must be an ISO 8601'),
            ({'max_deadline': 3}, 'max_deadline must be an ISO 8601'),
            ({'deadline': '2026-11-22T10:00:00'},
             'deadline must be an ISO 8601 time with a time zone'),
        ]
        for overrides, text in cases:
            self.assertBadRequest(self.post(tp, base.gate_body(**overrides)),
                                  text)
        body = base.gate_body()
        del body['display_name']
        self.assertBadRequest(self.post(tp, body), 'display_name is missing')
        self.assertBadRequest(
            self.post(tp, base.gate_body(),
                      headers={protocol.TAG_HEADER: 'other'}),
            'header does not match')
