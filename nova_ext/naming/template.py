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

"""Parse, check, fill and reverse display-name templates.

A template is a Python ``%``-format string with mapping keys, for example
``%(project-name)s-%(name)s-%(count)03d``. It is parsed once into literal
text and conversions so that it can be:

* validated when the option is read (an unknown key or a malformed
  conversion stops nova-api at start instead of failing a create);
* filled for a new server;
* turned back into a regular expression, to find the counts that existing
  servers already use when a counter is seeded.

This module must stay free of Nova imports: the option type in
``nova_ext.conf.naming`` calls :func:`validate` while oslo.config parses
values.
"""

import re

#: Keys the template may use. ``nova_ext.conf.naming`` imports this tuple.
KEYS = ('name', 'count', 'uuid', 'project-name', 'project_id')

#: Conversions Python's ``%`` operator knows. Which one suits which key is
#: left to formatting the sample values, as Queens' template did: any
#: template that formats is accepted.
_CONVERSIONS = 'diouxXeEfFgGcrsa'

#: Conversions of ``count`` that write it in decimal, so that the count
#: can be read back from an existing name to seed a counter.
_DECIMAL = 'diursa'

_TOKEN = re.compile(
    r'%(?:'
    r'(?P<percent>%)|'
    r'(?:\((?P<key>[^)]*)\))?'
    r'(?P<flags>[-#0 +]*)'
    r'(?P<width>\*|\d+)?'
    r'(?:\.(?P<precision>\*|\d*))?'
    r'[hlL]?'
    r'(?P<conversion>.?)'
    r')', re.DOTALL)

#: Sample values used to prove that a template formats.
_SAMPLE = {
    'name': 'server',
    'count': 1,
    'uuid': '01234567-89ab-cdef-0123-456789abcdef',
    'project-name': 'project',
    'project_id': '00000000000000000000000000000000',
}


class Field(object):
    """One ``%(key)...`` conversion of a template."""

    def __init__(self, key, spec, width, precision, conversion):
        self.key = key
        self.spec = spec
        self.width = width
        self.precision = precision
        self.conversion = conversion

    def format(self, value):
        return self.spec % {self.key: value}


class Template(object):
    """A parsed display-name template.

    ``parts`` is a list of literal strings and :class:`Field` objects, in
    order.
    """

    def __init__(self, text):
        self.text = text
        self.parts = _parse(text)
        self.keys = frozenset(
            p.key for p in self.parts if isinstance(p, Field))

    @property
    def unique_by_uuid(self):
        """Tell whether the server's whole UUID is in every name.

        Only then are names unique without a count: ``%(uuid).8s`` keeps 8
        of its 32 hexadecimal digits, and those repeat.
        """
        sample = _SAMPLE['uuid']
        return any(isinstance(p, Field) and p.key == 'uuid' and
                   sample in p.format(sample) for p in self.parts)

    def format(self, values):
        """Fill the template from ``values`` (a dict keyed by key)."""
        out = []
        for part in self.parts:
            if isinstance(part, Field):
                out.append(part.format(values[part.key]))
            else:
                out.append(part)
        return ''.join(out)

    def _known_text(self, part, known):
        """The text a known field gives, or None when it is not known."""
        if part.key == 'count' or part.key not in known:
            return None
        return part.format(known[part.key])

    def pattern(self, known):
        """Return a compiled regex matching the names this template gives.

        :param known: values of the keys that are fixed for the names we
            look for (typically ``name`` and, in the project scope,
            ``project-name`` and ``project_id``). Other keys match any text.
            Each ``count`` field is captured in a group ``count<N>``.
        :returns: the regex, or None when the template has no ``count`` or
            writes it in a way that cannot be read back (hexadecimal,
            floating point).

        Matching is case-insensitive because counters compare requested
        names lower-cased.
        """
        regex = []
        counts = 0
        for part in self.parts:
            if not isinstance(part, Field):
                regex.append(re.escape(part))
            elif part.key == 'count':
                if part.conversion not in _DECIMAL:
                    return None
                # Broad on purpose: count_from() keeps a match only if
                # formatting its number gives back exactly this text.
                regex.append(r'(?P<count%d> *[+ ]?\d+ *)' % counts)
                counts += 1
            else:
                text = self._known_text(part, known)
                regex.append('.*?' if text is None else re.escape(text))
        if not counts:
            return None
        return re.compile(''.join(regex), re.IGNORECASE | re.DOTALL)

    def name_anchored(self, known):
        """Tell whether names start with text fixed by ``known`` and name.

        True when every field up to the first ``%(name)s`` is in
        ``known``: :meth:`like_pattern` then starts with the requested
        name rather than a wildcard.
        """
        for part in self.parts:
            if not isinstance(part, Field):
                continue
            if part.key == 'name':
                return True
            if part.key == 'count' or part.key not in known:
                return False
        return False

    def like_pattern(self, known):
        """Return a SQL ``LIKE`` pattern that every matching name fits.

        Used to narrow the rows read from the database before the exact
        :meth:`count_from` check in Python. Uses ``\\`` as the escape
        character.
        """
        out = []
        for part in self.parts:
            text = part if not isinstance(part, Field) else \
                self._known_text(part, known)
            if text is not None:
                out.append(like_escape(text))
            elif not out or out[-1] != '%':
                out.append('%')
        return ''.join(out)

    def count_from(self, name, known, pattern=None):
        """Return the count of an existing ``name``, or None.

        Only a name this template could have produced gives a count: the
        number read back must format to exactly the text found, so
        ``web 7`` is no count of ``%(name)s%(count)d`` and ``web007`` none
        of ``%(name)s%(count)d`` (but one of ``%(name)s%(count)03d``).

        :param pattern: ``self.pattern(known)``, when the caller has it.
        """
        pattern = pattern or self.pattern(known)
        match = pattern.fullmatch(name) if pattern else None
        if match is None:
            return None
        fields = [p for p in self.parts
                  if isinstance(p, Field) and p.key == 'count']
        texts = [match.group('count%d' % i) for i in range(len(fields))]
        count = int(texts[0].strip().lstrip('+'))
        if count < 1:
            return None
        for field, text in zip(fields, texts):
            if field.format(count) != text:
                return None
        return count


def like_escape(text):
    return (text.replace('\\', '\\\\').replace('%', '\\%')
            .replace('_', '\\_'))


def _parse(text):
    """Split ``text`` into literals and fields, raising ValueError."""
    parts = []
    literal = []
    pos = 0
    for match in _TOKEN.finditer(text):
        literal.append(text[pos:match.start()])
        pos = match.end()
        if match.group('percent'):
            literal.append('%')
            continue
        key = match.group('key')
        conversion = match.group('conversion')
        where = 'at position %d' % match.start()
        if not conversion or (key is None and conversion == '('):
            raise ValueError(
                'incomplete format %s in display name template %r'
                % (where, text))
        if key is None:
            raise ValueError(
                'conversion %r %s in display name template %r has no key; '
                'use one of %s, for example %%(name)s'
                % (match.group(0), where, text, ', '.join(KEYS)))
        if key not in KEYS:
            raise ValueError(
                'unknown key %r in display name template %r; allowed keys: '
                '%s' % (key, text, ', '.join(KEYS)))
        if conversion not in _CONVERSIONS:
            raise ValueError(
                'unsupported conversion %r %s in display name template %r'
                % ('%' + conversion, where, text))
        if '*' in (match.group('width') or '') + \
                (match.group('precision') or ''):
            raise ValueError(
                "'*' width or precision %s in display name template %r is "
                "not supported" % (where, text))
        if literal:
            parts.append(''.join(literal))
            literal = []
        width = match.group('width')
        precision = match.group('precision')
        # Rebuild the conversion with a plain key so that keys with a
        # hyphen (project-name) format through the % operator.
        parts.append(Field(
            key, match.group(0),
            int(width) if width else None,
            int(precision or 0) if precision is not None else None,
            conversion))
    literal.append(text[pos:])
    if ''.join(literal):
        parts.append(''.join(literal))
    return parts


def validate(text):
    """Check a template, raising ValueError naming what is wrong.

    Called by the option type, so that a bad template stops nova-api at
    start with a message naming the option (added by oslo.config) and the
    bad key or conversion.
    """
    template = Template(text)
    try:
        result = template.format(_SAMPLE)
    except (TypeError, ValueError, KeyError) as e:
        raise ValueError(
            'display name template %r does not format: %s' % (text, e))
    if not result.strip():
        raise ValueError(
            'display name template %r gives an empty name' % text)
    return template
