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

"""Configuration options of nova-ext: ``third_party_gate`` (the
``[third_party_gate]`` group), ``naming`` (display-name templating, in
``[DEFAULT]``) and ``opts`` (the ``oslo.config.opts`` entry point).

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
