"""The ``third-party-gate`` external event (``nova.external_events``).

Patch 0001 imports this module while ``nova.objects`` is being imported, in
nova-api and nova-compute alike: it must stay light, so everything it needs
is imported inside the functions.

``authorize`` runs in nova-api for a POST /os-server-external-events whose
events are all ``third-party-gate`` ones; ``handle`` runs in nova-compute and
hands the event to the gate waiting for it.
"""

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

EVENT_NAME = 'third-party-gate'


def authorize(context):
    """Whether the caller may post third-party-gate events.

    False is not a denial: nova-api then applies Nova's own
    ``os_compute_api:os-server-external-events:create`` rule, which still
    lets admin and service users through.
    """
    from nova_ext.policies import enforcer
    from nova_ext.policies import third_party_gate

    return enforcer.authorize(context, third_party_gate.CREATE)


def handle(context, instance, event):
    """Deliver a third-party-gate event to the gate waiting for it."""
    from nova_ext.gate import registry

    if registry.REGISTRY.deliver(instance.uuid, event.tag, event.status):
        LOG.info('Received third-party-gate event %(status)s (tag %(tag)s)',
                 {'status': event.status, 'tag': event.tag},
                 instance=instance)
    else:
        LOG.info('Ignoring third-party-gate event %(status)s (tag %(tag)s): '
                 'no gate waits for this tag (unknown tag, duplicate or late '
                 'event)', {'status': event.status, 'tag': event.tag},
                 instance=instance)
