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

"""The contracts of the hook points that ``patches/`` adds to Nova.

Each patch adds one stevedore entry point group and calls what the group's
entry points name; the patch headers name the contract and describe the
calls in prose, and this module states them as code, the way os-vif declares
``PluginBase``. Every plugin nova-ext ships subclasses its contract, and a
unit test checks that each shipped entry point resolves to an implementation
of it, so a change of a hook's signature breaks a test rather than a running
Nova.

This module is imported while ``nova.objects`` is being imported (patch 0001
loads the external event extensions there): it imports nothing of Nova at
run time.
"""

import abc
import typing

if typing.TYPE_CHECKING:
    from nova import context as nova_context
    from nova import objects


class ExternalEventExtension(abc.ABC):
    """An event type of ``POST /os-server-external-events`` (patch 0001).

    Entry point group ``nova.external_events``: the entry point's name is
    the event name, and it names an *instance* of a subclass.
    """

    @abc.abstractmethod
    def authorize(self, context: 'nova_context.RequestContext') -> bool:
        """Whether the caller may post this event (runs in nova-api).

        False is not a denial: nova-api then applies Nova's own
        ``os_compute_api:os-server-external-events:create`` rule.
        """

    @abc.abstractmethod
    def handle(self, context: 'nova_context.RequestContext',
               instance: 'objects.Instance',
               event: 'objects.InstanceExternalEvent') -> None:
        """Deliver the event to its instance (runs in nova-compute)."""


class GuestGateWaiter(abc.ABC):
    """One guest held paused by a gate, as ``GuestGate.start`` returns it."""

    @abc.abstractmethod
    def wait(self) -> object:
        """Return when the guest may run; raise when it may not.

        The libvirt driver's failure path then destroys the guest and the
        exception reaches the compute manager. An exception whose
        ``host_fault`` attribute is False ends the build without counting
        against the host (patch 0001).
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Drop the wait at once: the spawn failed before ``wait()``."""


class GuestGate(abc.ABC):
    """A gate of the libvirt spawn path (patch 0002).

    Entry point group ``nova.virt.libvirt.guest_gates``: the entry point
    names the subclass, which the driver instantiates once, with no
    arguments, at its start. A class that cannot be loaded stops
    nova-compute.
    """

    @abc.abstractmethod
    def start(self, context: 'nova_context.RequestContext',
              instance: 'objects.Instance'
              ) -> typing.Optional[GuestGateWaiter]:
        """Start holding a guest about to be powered on, or return None.

        Called before the guest is created; a waiter makes the driver
        create it paused and resume it only after ``waiter.wait()``. None
        means the gate does not hold this guest (not gated, or already let
        through): the driver creates it running, unless something else
        (a pending vif-plugged event) holds it.
        """

    def instances_at_startup(self, context: 'nova_context.RequestContext',
                             instances: 'objects.InstanceList') -> None:
        """See the host's instances once, at nova-compute start."""


class InstanceNamer(abc.ABC):
    """Names the servers of a create request (patch 0003).

    Entry point group ``nova.compute.api.instance_namers``: the entry point
    names the subclass, which ``nova.compute.api.API`` instantiates once,
    with no arguments.
    """

    @abc.abstractmethod
    def reserve(self, context: 'nova_context.RequestContext',
                base_options: dict, num_instances: int
                ) -> typing.Callable[['objects.Instance', int], None]:
        """Reserve the names of a whole request; return the namer.

        Called once per request after quotas fixed ``num_instances``; the
        callable is then called as ``name_instance(instance, index)`` for
        each instance, after Nova set its display name and hostname.
        """
