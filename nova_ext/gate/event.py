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

"""The ``third-party-gate`` external event (``nova.external_events``).

Patch 0001 imports this module while ``nova.objects`` is being imported, in
nova-api and nova-compute alike: it must stay light, so everything it needs
is imported inside the functions.

``authorize`` runs in nova-api for a POST /os-server-external-events whose
events are all ``third-party-gate`` ones; ``handle`` runs in nova-compute and
hands the event to the gate waiting for it.
"""

import logging as std_logging
from urllib import parse

from oslo_log import log as logging

from nova_ext import hooks

LOG = logging.getLogger(__name__)

EVENT_NAME = 'third-party-gate'

# How many characters of a tag the logs show.
_SHOWN = 6


def tag_id(tag):
    """What the logs show of a tag: enough to find it, not to use it.

    While its gate waits, the tag is a bearer secret: with the reporter role
    it decides the boot. So no log line at INFO or above carries it whole.
    """
    if not tag:
        return tag
    return '%s...' % tag[:_SHOWN]


def redact(text, tag):
    """``text`` with every copy of ``tag``, plain or URL-quoted, shortened.

    For what may carry the tag without saying so: a status URL (the
    reference third party puts the tag in its path), an HTTP error naming
    that URL, a reason written by the third party.
    """
    if not text or not tag or len(tag) <= _SHOWN:
        # A tag no longer than what tag_id() shows of it is shown anyway.
        return text
    text = str(text)
    for form in (tag, parse.quote(tag, safe='')):
        text = text.replace(form, tag_id(tag))
    return text


class _TagFilter(std_logging.Filter):
    """Shorten the tag of third-party-gate events in nova-api's log lines.

    nova-api logs every event it creates, tag included, at INFO
    ("Creating event third-party-gate:<tag> for instance ..."). A filter on
    its logger keeps that line without a patch line: it only rewrites the
    arguments of records about this extension's event.
    """

    def filter(self, record):
        args = record.args
        if (isinstance(args, dict) and args.get('name') == EVENT_NAME and
                args.get('tag')):
            record.args = dict(args, tag=tag_id(args['tag']))
        return True


# Installed on import: patch 0001 imports this module in nova-api before any
# event can be posted.
_API_LOGGER = 'nova.api.openstack.compute.server_external_events'
if not any(isinstance(f, _TagFilter)
           for f in std_logging.getLogger(_API_LOGGER).filters):
    std_logging.getLogger(_API_LOGGER).addFilter(_TagFilter())


class GateEvent(hooks.ExternalEventExtension):
    """The ``third-party-gate`` event of POST /os-server-external-events."""

    def authorize(self, context):
        """Whether the caller may post third-party-gate events.

        False is not a denial: nova-api then applies Nova's own
        ``os_compute_api:os-server-external-events:create`` rule, which still
        lets admin and service users through.
        """
        from nova_ext.policies import enforcer
        from nova_ext.policies import third_party_gate

        return enforcer.authorize(context, third_party_gate.CREATE)

    def handle(self, context, instance, event):
        """Deliver a third-party-gate event to the gate waiting for it."""
        from nova_ext.gate import registry

        if registry.REGISTRY.deliver(instance.uuid, event.tag, event.status):
            LOG.info('Received third-party-gate event %(status)s '
                     '(tag %(tag)s)',
                     {'status': event.status, 'tag': tag_id(event.tag)},
                     instance=instance)
        else:
            LOG.info('Ignoring third-party-gate event %(status)s '
                     '(tag %(tag)s): no gate waits for this tag (unknown '
                     'tag, duplicate or late event)',
                     {'status': event.status, 'tag': tag_id(event.tag)},
                     instance=instance)


#: What the ``nova.external_events`` entry point ``third-party-gate`` names.
EXTENSION = GateEvent()
# Module-level names for callers that hold the module.
authorize = EXTENSION.authorize
handle = EXTENSION.handle
