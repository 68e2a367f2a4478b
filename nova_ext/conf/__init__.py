"""Configuration options of nova-ext.

Options are registered on demand by the code that uses them (never at import
time), so that importing nova_ext from Nova's hook points has no side effects
on a Nova that does not enable the extension.
"""

from nova_ext.conf import naming
from nova_ext.conf import third_party_gate


def register_opts(conf):
    """Register every nova-ext option on ``conf``.

    Registering twice is harmless: oslo.config accepts re-registration of an
    identical option.
    """
    third_party_gate.register_opts(conf)
    naming.register_opts(conf)
