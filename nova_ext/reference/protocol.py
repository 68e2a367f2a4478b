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

"""The third party's side of the gate protocol: headers, signing, validation.

The reference service checks every request the way a careful third party
would (doc/source/reference/third-party-protocol.rst): an HMAC signature, a
supported ``version``, well-formed fields. These checks are pure functions
of the request, kept apart from the HTTP transport and the service's state
so that each can be read (and tested) on its own.

The signing code is written again here rather than imported from
``nova_ext.gate.client`` on purpose: the reference is the gate's
counterpart in tests, and a test double sharing the client's code could not
catch the client drifting from the protocol.
"""

import datetime
import hashlib
import hmac
import json
import uuid

SIGNATURE_HEADER = 'X-Nova-Ext-Signature'
TAG_HEADER = 'X-Nova-Ext-Tag'
SIGNATURE_PREFIX = 'sha256='
PROTOCOL_VERSION = 1
MAX_BODY = 1024 * 1024
MAX_TAG_LENGTH = 255


class ProtocolError(Exception):
    """A request refused: the HTTP status and the message of its answer.

    Every refusal is answered as ``{"error": message}`` so that a client
    has one format to parse and learns which field was wrong.
    """

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def sign(secret, data):
    """Return the ``X-Nova-Ext-Signature`` value for ``data``.

    :param secret: the shared secret (str or bytes).
    :param data: the signed bytes (the body, or the tag for the status
        endpoint); a str is UTF-8 encoded.
    """
    if isinstance(secret, str):
        secret = secret.encode('utf-8')
    if isinstance(data, str):
        data = data.encode('utf-8')
    return SIGNATURE_PREFIX + hmac.new(secret, data,
                                       hashlib.sha256).hexdigest()


def header(headers, name):
    """Return the value of header ``name`` (any case), or None."""
    name = name.lower()
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def check_signature(secret, headers, data):
    """Check the signature of ``data`` (bytes) in constant time.

    :param secret: bytes, or None when signatures are not checked.
    :returns: True when checked and valid, None when not checked.
    :raises ProtocolError: 401, the header is missing or does not match.
    """
    if secret is None:
        return None
    given = header(headers, SIGNATURE_HEADER)
    if given is None:
        raise ProtocolError(401, 'missing %s header' % SIGNATURE_HEADER)
    expected = sign(secret, data).encode('ascii')
    if not hmac.compare_digest(expected, given.encode('utf-8', 'replace')):
        raise ProtocolError(401, '%s does not match' % SIGNATURE_HEADER)
    return True


def parse_body(raw):
    """Return the JSON object of a gate request body (bytes)."""
    try:
        body = json.loads(raw.decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as e:
        raise ProtocolError(400, 'body is not valid JSON: %s' % e)
    if not isinstance(body, dict):
        raise ProtocolError(400, 'body must be a JSON object')
    return body


def _parse_time(value):
    """Parse a protocol time: ISO 8601 with a time zone (UTC ``Z``)."""
    if not isinstance(value, str):
        raise ValueError('not a string')
    parsed = datetime.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError('no time zone')
    return parsed


def check_fields(body, headers):
    """Check the fields of a gate request; the first bad one is named.

    :raises ProtocolError: 400 naming the field.
    """
    version = body.get('version')
    if version != PROTOCOL_VERSION or isinstance(version, bool):
        raise ProtocolError(400, 'unsupported protocol version %r (this '
                                 'server speaks %d)' % (version,
                                                        PROTOCOL_VERSION))
    server_uuid = body.get('server_uuid')
    try:
        uuid.UUID(server_uuid)
    except (TypeError, ValueError, AttributeError):
        raise ProtocolError(400, 'server_uuid must be a UUID, not %r'
                            % (server_uuid,))
    tag = body.get('tag')
    if not isinstance(tag, str) or not 0 < len(tag) <= MAX_TAG_LENGTH:
        raise ProtocolError(400, 'tag must be a non-empty string of at most '
                                 '%d characters' % MAX_TAG_LENGTH)
    header_tag = header(headers, TAG_HEADER)
    if header_tag is not None and header_tag != tag:
        raise ProtocolError(400, '%s header does not match the body tag'
                            % TAG_HEADER)
    if 'display_name' not in body:
        raise ProtocolError(400, 'display_name is missing')
    if not isinstance(body['display_name'], (str, type(None))):
        raise ProtocolError(400, 'display_name must be a string or null')
    if not isinstance(body.get('operation'), str):
        raise ProtocolError(400, 'operation must be a string')
    for field in ('deadline', 'max_deadline'):
        try:
            _parse_time(body.get(field))
        except ValueError:
            raise ProtocolError(400, '%s must be an ISO 8601 time with a '
                                     'time zone, not %r'
                                % (field, body.get(field)))


def check_status_query(secret, tag, headers):
    """Check a ``GET /status/<tag>``: the signature covers the tag.

    :raises ProtocolError: 404 no tag, 401 bad signature, 400 the tag
        header names another tag.
    """
    if not tag:
        raise ProtocolError(404, 'no tag given')
    check_signature(secret, headers, tag.encode('utf-8'))
    header_tag = header(headers, TAG_HEADER)
    if header_tag is not None and header_tag != tag:
        raise ProtocolError(400, '%s header does not match the URL'
                            % TAG_HEADER)
