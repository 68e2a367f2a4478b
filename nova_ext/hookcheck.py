# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""An ERROR at nova-api start when a feature is on but its hook is missing.

Nova reaches nova_ext only through the hook points patches/ adds. When Nova
is reinstalled or upgraded without ``nova-ext-patch apply``, those hooks are
gone and the features are silently off: the naming does nothing, the API
refuses ``third-party-gate`` events. Nothing of nova_ext runs then, except
what an *upstream* loading point reaches: nova-api loads the
``nova.api.extra_spec_validators`` entry point group while it builds its
application, after its configuration is parsed. This module is registered
in that group; its ``register()`` checks the configuration against the
hooked Nova modules, logs an ERROR for each feature configured on whose hook
point is missing, and registers no validator.

nova-compute loads no entry point group unpatched that could carry this
check (the gate's hook is in the libvirt driver); there, and on every host,
``nova-ext-patch check`` tells.
"""

import importlib.util

from oslo_config import cfg
from oslo_log import log as logging

from nova_ext import conf as ext_conf
from nova_ext.conf import naming as naming_conf

LOG = logging.getLogger(__name__)


class Hook(object):
    """A feature's option, and the hook point it needs in Nova."""

    def __init__(self, group, option, module, namespace, patch,
                 is_on=None):
        self.group = group
        self.option = option
        self.module = module
        self.namespace = namespace
        self.patch = patch
        self._is_on = is_on

    def is_on(self, conf):
        """Whether the feature is configured on in ``conf``."""
        if self._is_on is not None:
            return self._is_on(conf)
        group = conf if self.group == 'DEFAULT' else conf[self.group]
        return bool(group[self.option])


# The hooks nova-api needs. The gate's own hook (nova.virt.libvirt.
# guest_gates) is nova-compute's; on nova-api the gate needs the event
# extension point, which admits third-party-gate events.
API_HOOKS = (
    # Naming is on when the switch says so or, unset, when the template or
    # the force flag is set in the configuration.
    Hook('DEFAULT', 'multi_instance_display_name_template_enabled',
         'nova.compute.api', 'nova.compute.api.instance_namers',
         '0003-compute-api-instance-namers.patch',
         is_on=naming_conf.enabled),
    Hook('third_party_gate', 'enabled',
         'nova.objects.external_event', 'nova.external_events',
         '0001-external-event-extensions.patch'),
)


def read_source(module):
    """The source text of ``module`` as installed, without importing it."""
    spec = importlib.util.find_spec(module)
    with open(spec.origin, encoding='utf-8') as f:
        return f.read()


def missing_hooks(conf, hooks=API_HOOKS):
    """The hooks of features configured on whose hook point is missing.

    A hook point is there when the module that loads it names its entry
    point group, which is what the patch adds.
    """
    ext_conf.register_opts(conf)
    missing = []
    for hook in hooks:
        if hook.is_on(conf) and hook.namespace not in read_source(
                hook.module):
            missing.append(hook)
    return missing


def register():
    """Entry point of ``nova.api.extra_spec_validators``: check, log.

    :returns: no validator (the extension's validators are
        nova_ext.gate.extra_specs).
    """
    try:
        missing = missing_hooks(cfg.CONF)
    except Exception:
        # A diagnostic must not stop nova-api from building its
        # application (an invalid value is reported where it is used).
        LOG.exception('nova-ext could not check its hook points in Nova')
        return []
    for hook in missing:
        LOG.error('[%(group)s] %(option)s is on, but %(module)s has no '
                  '%(namespace)s hook point: the patch %(patch)s is not '
                  'applied to this Nova, so the feature does nothing. Run '
                  '"nova-ext-patch apply" and restart the service.',
                  {'group': hook.group, 'option': hook.option,
                   'module': hook.module, 'namespace': hook.namespace,
                   'patch': hook.patch})
    return []
