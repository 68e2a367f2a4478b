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

"""Check GateEventsClient against a loopback HTTP server.

Run by check-tempest-plugin.sh with tempest's venv: the request carries the
microversion header and the event unchanged, a ``third-party-gate`` answer
passes the client's response schema (tempest's own client would refuse it),
207 is accepted and 403 raises Forbidden.
"""

import http.server
import json
import threading

from tempest.lib.common import api_microversion_fixture
from tempest.lib import exceptions as lib_exc

from nova_ext_tempest_plugin.services import GateEventsClient

SEEN = []
STATUS = [200]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers['Content-Length'])
        body = json.loads(self.rfile.read(length))
        SEEN.append((self.path, dict(self.headers), body))
        out = json.dumps({'events': [dict(e, code=200)
                                     for e in body['events']]}).encode()
        if STATUS[0] == 403:
            out = b'{"forbidden": {"code": 403, "message": "no"}}'
        self.send_response(STATUS[0])
        self.send_header('Content-Type', 'application/json')
        version = self.headers['X-OpenStack-Nova-API-Version']
        self.send_header('X-OpenStack-Nova-API-Version', version)
        self.send_header('OpenStack-API-Version', 'compute %s' % version)
        self.send_header('Content-Length', str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


class Auth(object):
    """Just enough of an auth provider for RestClient."""

    def __init__(self, url):
        self.url = url

    def auth_request(self, method, url, headers=None, body=None,
                     filters=None):
        return '%s/%s' % (self.url, url), headers, body

    def base_url(self, filters, auth_data=None):
        return self.url


server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
client = GateEventsClient(
    Auth('http://127.0.0.1:%d/v2.1' % server.server_port), 'compute',
    'RegionOne')
fixture = api_microversion_fixture.APIMicroversionFixture(
    compute_microversion='2.93')
fixture.setUp()
event = {'name': 'third-party-gate',
         'server_uuid': '3f2c1e6a-4a6b-4f6e-9a51-0d6c2b9f8e11',
         'tag': 'abc', 'status': 'completed'}
body = client.create_server_external_events([event])
assert body['events'][0]['code'] == 200, body
path, headers, sent = SEEN[-1]
assert path == '/v2.1/os-server-external-events', path
assert headers['X-OpenStack-Nova-API-Version'] == '2.93', headers
assert sent == {'events': [event]}, sent
# Some events not accepted: 207 with a code per event.
STATUS[0] = 207
body = client.create_server_external_events([event])
assert body.response.status == 207, body.response
STATUS[0] = 403
try:
    client.create_server_external_events([event])
except lib_exc.Forbidden:
    pass
else:
    raise AssertionError('403 did not raise Forbidden')
fixture.cleanUp()
server.shutdown()
print('OK: GateEventsClient')
