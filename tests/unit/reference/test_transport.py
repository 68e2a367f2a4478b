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

"""Tests of the HTTP transport: framing, paths, methods, JSON errors."""

import json
import socket

import requests

from tests.unit.reference import base


class TestTransport(base.ReferenceTestCase):

    def raw_request(self, tp, data):
        with socket.create_connection(('127.0.0.1', tp.port)) as sock:
            sock.sendall(data)
            answer = b''
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        head, _, body = answer.partition(b'\r\n\r\n')
        return int(head.split()[1]), json.loads(body)

    def test_missing_content_length(self):
        tp = self.start()
        status, body = self.raw_request(
            tp, b'POST /gate HTTP/1.0\r\nHost: x\r\n\r\n')
        self.assertEqual(411, status)
        self.assertIn('Content-Length', body['error'])

    def test_bad_content_length(self):
        tp = self.start()
        status, body = self.raw_request(
            tp, b'POST /gate HTTP/1.0\r\nContent-Length: -3\r\n\r\n')
        self.assertEqual(400, status)

    def test_chunked(self):
        tp = self.start()
        status, body = self.raw_request(
            tp, b'POST /gate HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n'
                b'2\r\n{}\r\n0\r\n\r\n')
        self.assertEqual(400, status)
        self.assertIn('chunked', body['error'])

    def test_too_large(self):
        tp = self.start()
        status, body = self.raw_request(
            tp, b'POST /gate HTTP/1.0\r\nContent-Length: 2000000\r\n\r\n')
        self.assertEqual(413, status)

    def test_short_body(self):
        tp = self.start()
        with socket.create_connection(('127.0.0.1', tp.port)) as sock:
            sock.sendall(b'POST /gate HTTP/1.0\r\nContent-Length: 10\r\n\r\n'
                         b'{}')
            sock.shutdown(socket.SHUT_WR)
            answer = sock.makefile('rb').read()
        self.assertIn(b' 400 ', answer.split(b'\r\n')[0])

    def test_bad_request_line_gets_json(self):
        tp = self.start()
        status, body = self.raw_request(tp, b'GET /gate x HTTP/1.0\r\n\r\n')
        self.assertEqual(400, status)
        self.assertEqual({'error': 'Bad request syntax (\'GET /gate x '
                                   'HTTP/1.0\')'}, body)
        status, body = self.raw_request(
            tp, b'OPTIONS /gate HTTP/1.0\r\n\r\n')
        self.assertEqual(501, status)
        self.assertIn('OPTIONS', body['error'])

    def test_paths_and_methods(self):
        tp = self.start()
        self.assertEqual({'status': 'ok'},
                         requests.get(tp.base_url + '/healthz').json())
        self.assertEqual(404, requests.get(tp.base_url + '/x').status_code)
        self.assertEqual(404, requests.post(tp.base_url + '/x',
                                            data=b'{}').status_code)
        self.assertEqual(405, requests.get(tp.url).status_code)
        self.assertEqual(405, requests.post(tp.base_url + '/healthz',
                                            data=b'').status_code)
        self.assertEqual(405, requests.put(tp.url, data=b'').status_code)
        self.assertEqual(404, requests.get(tp.base_url +
                                           '/status/').status_code)
