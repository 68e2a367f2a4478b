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

#: Keys the template may use (mirrors nova_ext.conf.naming.TEMPLATE_KEYS).
KEYS = ('name', 'count', 'uuid', 'project-name', 'project_id')

#: Conversions allowed per key. ``count`` is an integer shown in decimal so
#: that it can be read back from existing names; the other keys are text.
_CONVERSIONS = {
    'count': 'diu',
    'name': 's',
    'uuid': 's',
    'project-name': 's',
    'project_id': 's',
}

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
    'uuid': '00000000-0000-0000-0000-000000000000',
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

    def format(self, values):
        """Fill the template from ``values`` (a dict keyed by key)."""
        out = []
        for part in self.parts:
            if isinstance(part, Field):
                out.append(part.format(values[part.key]))
            else:
                out.append(part)
        return ''.join(out)

    def pattern(self, known):
        """Return a compiled regex matching the names this template gives.

        :param known: values of the keys that are fixed for the names we
            look for (typically ``name`` and, in the project scope,
            ``project-name`` and ``project_id``). Other keys match any text.
            ``count`` is captured in the group named ``count``.

        Matching is case-insensitive because counters compare requested
        names case folded.
        """
        regex = []
        seen_count = False
        for part in self.parts:
            if not isinstance(part, Field):
                regex.append(re.escape(part))
                continue
            pad = r'\s*' if part.width else ''
            if part.key == 'count':
                if seen_count:
                    regex.append(pad + r'[+ ]?(?P=count)' + pad)
                else:
                    regex.append(pad + r'[+ ]?(?P<count>\d+)' + pad)
                    seen_count = True
            elif part.key in known:
                value = str(known[part.key])
                if part.precision is not None:
                    value = value[:part.precision]
                regex.append(pad + re.escape(value) + pad)
            else:
                regex.append('.*?')
        return re.compile(''.join(regex), re.IGNORECASE | re.DOTALL)

    def like_pattern(self, known):
        """Return a SQL ``LIKE`` pattern that every matching name fits.

        Used to narrow the rows read from the database before the exact
        :meth:`pattern` match in Python. Uses ``\\`` as the escape
        character.
        """
        out = []
        for part in self.parts:
            if isinstance(part, Field):
                if part.key in known and part.key != 'count' \
                        and not part.width:
                    value = str(known[part.key])
                    if part.precision is not None:
                        value = value[:part.precision]
                    out.append(_like_escape(value))
                elif not out or out[-1] != '%':
                    out.append('%')
            else:
                out.append(_like_escape(part))
        return ''.join(out)

    def count_from(self, name, known):
        """Return the count of an existing ``name``, or None."""
        match = self.pattern(known).fullmatch(name)
        if match is None or 'count' not in match.groupdict():
            return None
        return int(match.group('count'))


def _like_escape(text):
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
        if conversion not in _CONVERSIONS[key]:
            raise ValueError(
                'unsupported conversion %r for key %r in display name '
                'template %r; use %s' % (
                    '%' + conversion, key, text,
                    ' or '.join('%%(%s)%s' % (key, c)
                                for c in _CONVERSIONS[key])))
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
