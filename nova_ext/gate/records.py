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

"""The gate's decisions as instance action events, and the restart report.

Every decision is recorded as the instance action event
``nova_ext_third_party_gate`` of the boot's ``create`` action, so that users
and operators see it in ``os-instance-actions`` and not only in the logs.
A restart of nova-compute loses the waits in flight with the process; at
the next start, :func:`report_interrupted` finds the servers whose gate
event is still open, says so in the log and finishes the event. Kept apart
from the waiter because both the waiter and the startup report write these
records, and a record never decides anything.
"""

from nova.compute import task_states
from nova.compute import vm_states
import nova.conf
from nova import objects
from oslo_log import log as logging

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

ACTION_EVENT = 'nova_ext_third_party_gate'

# The texts of the records (and faults) of a wait that ended without a
# verdict.
RESTARTED = ('Third-party gate wait interrupted: nova-compute stopped before '
             'the verdict; the guest was never resumed')
DELETED = 'Third-party gate wait ended: the server is being deleted'
SPAWN_FAILED = ('Third-party gate wait ended: the guest could not be '
                'created')


def open_gate_action(context, instance_uuid):
    """The newest action of an instance if its gate event is still open."""
    actions = objects.InstanceActionList.get_by_instance_uuid(
        context, instance_uuid, limit=1)
    if not actions:
        return None
    events = objects.InstanceActionEventList.get_by_action(
        context, actions[0].id)
    if any(e.event == ACTION_EVENT and e.finish_time is None for e in events):
        return actions[0]
    return None


def record_start(context, instance):
    """Start the gate's action event (of the context's request)."""
    try:
        objects.InstanceActionEvent.event_start(
            context, instance.uuid, ACTION_EVENT,
            want_result=False, host=instance.host or CONF.host)
    except Exception:
        LOG.warning('Could not record the start of the third-party gate '
                    'as an instance action event', exc_info=True,
                    instance=instance)


def record_finish(context, instance_uuid, error_message):
    """Finish the gate's action event (of the context's request)."""
    try:
        if error_message is None:
            objects.InstanceActionEvent.event_finish(
                context, instance_uuid, ACTION_EVENT, want_result=False)
        else:
            # A traceback makes the result 'Error'; the gate has none
            # worth showing, the message says it all.
            objects.InstanceActionEvent.event_finish_with_failure(
                context, instance_uuid, ACTION_EVENT,
                exc_val=error_message, exc_tb=error_message,
                want_result=False)
    except Exception:
        LOG.warning('Could not record the third-party gate decision as '
                    'an instance action event', exc_info=True,
                    instance_uuid=instance_uuid)


def report_interrupted(context, instances):
    """Report the servers a restart left waiting at the gate.

    A restart loses the wait with the process; the guest stays paused
    (never resumed) and Nova's compute manager then sets a building
    server to ERROR. The operator learns here which servers that was,
    and the gate's open action event says it too.
    """
    for instance in instances:
        if (instance.vm_state != vm_states.BUILDING and
                instance.task_state not in (
                    task_states.SPAWNING, task_states.REBUILD_SPAWNING)):
            continue
        try:
            action = open_gate_action(context, instance.uuid)
        except Exception:
            LOG.warning('Could not look up the third-party gate record',
                        exc_info=True, instance=instance)
            continue
        if action is None:
            continue
        LOG.warning('nova-compute stopped while this server waited at '
                    'the third-party gate: its guest was never resumed '
                    'and the server goes to ERROR. Delete it to release '
                    'it, and create it again to ask the gate again.',
                    instance=instance)
        record_context = context.elevated()
        record_context.request_id = action.request_id
        record_finish(record_context, instance.uuid, RESTARTED)
