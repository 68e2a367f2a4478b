"""Service clients of the tempest plugin (the gate's external events)."""

from nova_ext_tempest_plugin.services.gate_events_client import \
    GateEventsClient

__all__ = ['GateEventsClient']
