"""Options listing for oslo-config-generator (``oslo.config.opts``)."""

from nova_ext.conf import naming
from nova_ext.conf import third_party_gate


def list_opts():
    """Return the options of every group, for the sample config generator."""
    return naming.list_opts() + third_party_gate.list_opts()
