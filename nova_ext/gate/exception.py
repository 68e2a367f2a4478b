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

"""Exceptions of the third-party gate.

The verdict exceptions subclass Nova's BuildAbortException on purpose: the
compute manager turns that exception into an ERROR server with a fault,
without rescheduling, and releases the networks and allocations of the
build. A rejected boot must not be retried on another host: the third party
said no to the server, not to the host.
"""

from nova import exception as nova_exception


class GateConfigError(nova_exception.InvalidConfiguration):
    """The ``[third_party_gate]`` configuration is invalid.

    Raised when the libvirt driver loads the gate, so that nova-compute
    refuses to start with a message naming the option instead of failing
    boots later.
    """

    msg_fmt = 'Invalid configuration: %(reason)s'


class GateAborted(nova_exception.BuildAbortException):
    """Base class of the gate's verdicts that end a boot in ERROR.

    Its message becomes the server's fault, which the server's owner reads:
    it says what happened and nothing of the third party's host names,
    ports or errors, which stay in nova-compute's log.
    """

    gate_msg = '%(detail)s'
    # A verdict says nothing about the host: patch 0001 makes Nova's compute
    # manager release the build (allocations included) without counting it
    # in the host's failed_builds, which BuildFailureWeigher reads.
    host_fault = False

    def __init__(self, instance_uuid, **kwargs):
        self.gate_reason = self.gate_msg % kwargs
        super().__init__(instance_uuid=instance_uuid,
                         reason=self.gate_reason)


class GateRejected(GateAborted):
    """The third party rejected the server."""

    gate_msg = 'Third-party gate rejected the server: %(reason)s'


class GateTimedOut(GateAborted):
    """No verdict arrived before the deadline."""

    gate_msg = 'Third-party gate gave no verdict within %(seconds)s seconds'


class GateUndeliverable(GateAborted):
    """The gate request could not be delivered to the third party."""

    gate_msg = 'Third-party gate could not be reached'


class GateAuthRefused(GateAborted):
    """The third party refused nova-compute's request as unauthorized.

    A configuration error (secret or client certificate), never a reason to
    let a guest through, whatever ``failure_policy`` says.
    """

    gate_msg = ('Third-party gate refused the request as unauthorized '
                '(a configuration error of the cloud)')


class GateDeleted(nova_exception.UnexpectedDeletingTaskStateError):
    """The server was deleted while its guest waited at the gate.

    Nova's own exception for a server deleted during its build, so that the
    compute manager takes its "disappeared during build" path: the build
    ends quietly and the pending delete then removes the server. Not the
    host's fault either (patch 0001): a user who gives up waiting for a
    verdict must not push the host down the scheduler's weighers.
    """

    host_fault = False
