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

"""Client for ``POST /os-server-external-events`` with nova-ext's events.

Tempest's own ServerExternalEventsClient validates the response against a
schema that lists upstream Nova's event names only, so a successful
``third-party-gate`` answer would fail its validation.
"""

from oslo_serialization import jsonutils as json
from tempest.lib.common import rest_client
from tempest.lib.services.compute import base_compute_client

create_external_events = {
    # 207: some events were not accepted (per-event code tells which).
    'status_code': [200, 207],
    'response_body': {
        'type': 'object',
        'properties': {
            'events': {
                'type': 'array', 'minItems': 1,
                'items': {
                    'type': 'object',
                    'properties': {
                        'server_uuid': {'type': 'string', 'format': 'uuid'},
                        'name': {'type': 'string'},
                        'status': {
                            'type': 'string',
                            'enum': ['failed', 'completed', 'in-progress'],
                        },
                        'tag': {'type': 'string', 'maxLength': 255},
                        'code': {'type': 'integer'},
                    },
                    'required': ['server_uuid', 'name', 'code'],
                    'additionalProperties': False,
                },
            },
        },
        'required': ['events'],
        'additionalProperties': False,
    },
}


class GateEventsClient(base_compute_client.BaseComputeClient):
    """Posts server external events, third-party-gate ones included."""

    def create_server_external_events(self, events):
        """Post ``events`` (a list of event dicts) in one request.

        The compute microversion comes from the test's
        APIMicroversionFixture, as for tempest's compute clients:
        ``third-party-gate`` needs 2.93 or later.
        """
        post_body = json.dumps({'events': events})
        resp, body = self.post('os-server-external-events', post_body)
        body = json.loads(body)
        self.validate_response(create_external_events, resp, body)
        return rest_client.ResponseBody(resp, body)
