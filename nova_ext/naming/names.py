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

"""Build display names and hostnames from a template within length limits.

Nova limits display names to 255 characters and hostnames to one 63
character DNS label. Upstream Nova truncates a hostname and then appends
``-N`` for multi-creates, so the result can exceed 63 characters, and a
plain cut of a templated name would cut the count off, making two servers
look alike. Here the requested name (and, if still needed, the project
name) is shortened before the template adds the count, so the count always
survives.
"""

import re

#: Nova's display name column and API limit.
MAX_DISPLAY_NAME = 255
#: One DNS label (RFC 1123), as nova.utils.sanitize_hostname uses.
MAX_HOSTNAME = 63

#: Keys shortened, in order, when a result is too long.
_SHRINKABLE = ('name', 'project-name', 'project_id')


def fold(name):
    """Return ``name`` in lower case, by Unicode's simple case mapping.

    The one rule nova-ext compares names by: each character's simple lower
    case mapping (Unicode's UnicodeData.txt), as PostgreSQL's ``lower()``
    applies it in a UTF-8 locale. MariaDB's ``lower()`` does not know 477
    letters of the Basic Multilingual Plane (Cherokee, Georgian
    Mtavruli...), SQLite's any beyond ASCII: the cells' lookups also send
    such names as written (:func:`nova_ext.naming.cells._spellings`).

    Python's ``str.lower()`` differs in two places, which would make a
    name look free in Python and taken in the database or the other way
    round: ``'İ'`` becomes two code points (``i`` and a combining dot),
    and a final capital sigma becomes ``'ς'``. ``str.casefold()`` differs
    more (``'ß'`` becomes ``'ss'``, which no database does): ``'Straße'`` and
    ``'STRASSE'`` are different names here, as they are to Nova.
    """
    return ''.join(c.lower()[0] for c in name)


def sanitize_hostname(name):
    """Sanitize like nova.utils.sanitize_hostname, without the length cut.

    The cut is left to :func:`fit` so that it shortens the name part rather
    than the end, where the count is.
    """
    # Characters outside U+0000-U+00FF cannot be in a hostname.
    name = name.encode('latin-1', 'ignore').decode('latin-1')
    name = re.sub(r'[ _\.]', '-', name)
    name = re.sub(r'[^\w.-]+', '', name)
    return name.lower().strip('.-')


def fit(template, values, limit, transform=None):
    """Format ``template`` so that ``transform(result)`` fits ``limit``.

    Shortens the values of the keys in ``_SHRINKABLE`` (the requested name
    first), never the count. Returns the transformed result; as a last
    resort, when the template's own text is too long, the result is cut
    from the start so that its end, where a count usually is, survives.
    """
    transform = transform or (lambda s: s)
    values = dict(values)
    result = transform(template.format(values))
    for key in _SHRINKABLE:
        if len(result) <= limit:
            break
        if key not in template.keys:
            continue
        value = str(values[key])
        while len(result) > limit and value:
            # Transforms may drop characters, so the overflow is a lower
            # bound of what to remove: step by it, at least one.
            over = len(result) - limit
            value = value[:max(0, len(value) - over)]
            values[key] = value
            result = transform(template.format(values))
    if len(result) > limit:
        result = transform(result[-limit:])
    return result


def display_name(template, values):
    """Return the display name, at most 255 characters, count kept."""
    return fit(template, values, MAX_DISPLAY_NAME)


def hostname(template, values):
    """Return the hostname for a templated display name, or None.

    None means the requested name has nothing usable in a hostname (for
    example it is all non-Latin characters); the caller then keeps Nova's
    own fallback, ``Server-<uuid>``.
    """
    if not sanitize_hostname(str(values['name'])):
        return None
    result = fit(template, values, MAX_HOSTNAME, sanitize_hostname)
    return result or None
