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

"""Which spawns the third-party gate holds, and what it says of their image.

A gated spawn is an operation listed in ``[third_party_gate] operations``
that the selectors (``flavor_extra_spec``, ``image_property``,
``projects``) pick. Kept apart from the waiter so that the rules an operator
configures read in one place, without the HTTP exchange around them; the
gate request reuses :func:`image_properties` for its ``image`` field.
"""

from nova.compute import task_states
from nova.compute import vm_states
from oslo_utils import strutils

from nova_ext.gate import config as gate_config

# Instance properties stored in system metadata with the image_ prefix that
# are image attributes, not image properties.
_IMAGE_ATTRIBUTES = ('min_ram', 'min_disk', 'disk_format',
                     'container_format', 'base_image_ref')


def _matches(actual, expected):
    """Compare a selector value, treating boolean-like values as booleans.

    ``third_party_gate:enabled=true`` must select a flavor whose extra spec
    says ``True``: Nova's validation accepts both spellings.
    """
    if actual is None:
        return False
    if actual == expected:
        return True
    try:
        return (strutils.bool_from_string(actual, strict=True) ==
                strutils.bool_from_string(expected, strict=True))
    except ValueError:
        return False


def image_properties(instance):
    """Image properties of the instance, as stored in its system metadata.

    ImageMetaProps would drop the operator's own properties, which are the
    ones a selector is most likely to use.
    """
    props = {}
    for key, value in (instance.system_metadata or {}).items():
        if key.startswith('image_') and value is not None:
            key = key[len('image_'):]
            if key not in _IMAGE_ATTRIBUTES:
                props[key] = value
    return props


def operation_of(instance):
    """Name the operation that is spawning the guest (None: unknown)."""
    if instance.task_state == task_states.REBUILD_SPAWNING:
        return 'rebuild'
    if instance.vm_state == vm_states.SHELVED_OFFLOADED:
        return 'unshelve'
    if (instance.vm_state == vm_states.BUILDING and
            instance.task_state == task_states.SPAWNING):
        return 'boot'
    return None


def is_selected(conf, instance):
    """Whether the selectors pick this instance (all when none is set)."""
    spec = gate_config.parse_selector(conf, 'flavor_extra_spec')
    prop = gate_config.parse_selector(conf, 'image_property')
    if not (spec or prop or conf.projects):
        return True
    if spec and _matches(instance.flavor.extra_specs.get(spec[0]), spec[1]):
        return True
    if prop and _matches(image_properties(instance).get(prop[0]), prop[1]):
        return True
    return bool(conf.projects) and instance.project_id in conf.projects
