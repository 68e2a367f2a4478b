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

"""The body of a gate request, as PROTOCOL.md describes it.

What nova-compute tells the third party about a spawn is the protocol's
contract with every third party, so it is built in one place, apart from
the waiter that sends it and waits for the verdict.
"""

import datetime
import json

import nova.conf

from nova_ext.gate import selection

CONF = nova.conf.CONF

# Where and how the third party posts its asynchronous verdict.
CALLBACK = {'event_name': 'third-party-gate',
            'path': '/os-server-external-events',
            'min_microversion': '2.93'}


def _iso(wall_start, seconds):
    when = wall_start + datetime.timedelta(seconds=seconds)
    return when.strftime('%Y-%m-%dT%H:%M:%SZ')


def body(context, instance, tag, operation, wall_start, timeout,
         max_total_wait, audit):
    """The gate request body (bytes).

    :param context: the request context of the spawn.
    :param instance: the instance being spawned.
    :param tag: the secret tag the verdict event must carry.
    :param operation: ``boot``, ``rebuild`` or ``unshelve``.
    :param wall_start: when the gate started (UTC, naive datetime).
    :param timeout: seconds to the deadline, from ``wall_start``.
    :param max_total_wait: seconds to the last deadline heartbeats reach.
    :param audit: whether the gate only audits (never holds the guest).
    :returns: the JSON body, UTF-8 encoded, keys sorted.
    """
    flavor = instance.flavor
    image_meta = instance.image_meta
    name = (image_meta.name if image_meta.obj_attr_is_set('name')
            else None)
    body = {
        'version': 1,
        'server_uuid': instance.uuid,
        'tag': tag,
        'deadline': _iso(wall_start, timeout),
        'max_deadline': _iso(wall_start, max_total_wait),
        'operation': operation,
        'host': instance.host or CONF.host,
        'project_id': instance.project_id,
        'user_id': instance.user_id,
        'display_name': instance.display_name,
        'flavor': {
            'name': flavor.name,
            'flavorid': flavor.flavorid,
            'vcpus': flavor.vcpus,
            'memory_mb': flavor.memory_mb,
            'root_gb': flavor.root_gb,
            'extra_specs': dict(flavor.extra_specs or {}),
        },
        'image': {
            'id': instance.image_ref or None,
            'name': name,
            'properties': selection.image_properties(instance),
        },
        'request_id': context.request_id,
        'mode': 'audit' if audit else 'enforce',
        'callback': dict(CALLBACK),
    }
    return json.dumps(body, sort_keys=True).encode('utf-8')
