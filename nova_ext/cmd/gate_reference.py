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

"""``nova-ext-gate-reference``: run the reference third party.

DevStack and the all-in-one cloud run the reference third party
(:mod:`nova_ext.reference`) as a process; this is its command line. It only
maps flags to :class:`~nova_ext.reference.service.ReferenceThirdParty`
(whose settings check every value and name the bad one, turned here into a
usage error naming the flag), builds the keystoneauth1 client that posts
verdicts to Nova, and serves until SIGINT or SIGTERM.
"""

import argparse
import logging
import os
import re
import signal
import sys
import threading

from nova_ext.reference import events
from nova_ext.reference import service
from nova_ext.reference import settings

LOG = logging.getLogger(__name__)

_EPILOG = """\
Once listening, the command prints one line to stdout:
  nova-ext-gate-reference listening on http://HOST:PORT/gate
(set [third_party_gate] url to that URL) and logs every request and decision
to stderr. SIGINT or SIGTERM stop it (exit status 0).

This is a reference implementation and test double, not a production
service (doc/source/reference/third-party-protocol.rst says what one
must add).

examples:
  nova-ext-gate-reference --port 9099 --secret-file /etc/nova/gate-secret \\
      --reject-name '^forbidden-'
  nova-ext-gate-reference --mode async --os-cloud devstack-gate \\
      --heartbeat 20 --delay 60
  # a test compute API that trusts headers (no keystone):
  nova-ext-gate-reference --mode async \\
      --compute-endpoint http://127.0.0.1:8774/v2.1 \\
      --extra-header 'X-Roles: third_party_gate_reporter'
"""


def _header_arg(value):
    name, sep, content = value.partition(':')
    name = name.strip()
    if not sep or not name or not re.match(r'^[A-Za-z0-9-]+$', name):
        raise argparse.ArgumentTypeError(
            "--extra-header needs 'Name: value', not %r" % value)
    return name, content.strip()


def build_parser(argv):
    """Return the argparse parser (keystoneauth1 options depend on argv)."""
    from keystoneauth1 import loading

    parser = argparse.ArgumentParser(
        prog='nova-ext-gate-reference',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Reference third party for the nova-ext boot gate: '
                    'answers gate requests by simple rules, synchronously '
                    'or by posting third-party-gate events to Nova.',
        epilog=_EPILOG)
    parser.add_argument('--host', default='127.0.0.1',
                        help='Address to listen on (default: 127.0.0.1).')
    parser.add_argument('--port', type=int, default=0,
                        help='Port to listen on (default: 0, a free port; '
                             'the URL is printed at start).')
    secrets = parser.add_mutually_exclusive_group()
    secrets.add_argument('--secret',
                         help='Shared secret of the HMAC signatures (same '
                              'as [third_party_gate] secret). Visible in '
                              'ps: prefer --secret-file.')
    secrets.add_argument('--secret-file',
                         help='File holding the shared secret (trailing '
                              'newline ignored).')
    parser.add_argument('--mode', choices=('sync', 'async'), default='sync',
                        help='sync: verdict in the HTTP answer; async: 202 '
                             'then a third-party-gate event to Nova.')
    parser.add_argument('--reject-name', metavar='REGEX',
                        help='Reject servers whose display name matches.')
    parser.add_argument('--reject-reason', metavar='TEXT',
                        help='Reason given on rejection (default: "display '
                             'name matches REGEX").')
    parser.add_argument('--ignore-name', metavar='REGEX',
                        help='Accept but never decide servers whose display '
                             'name matches (the gate times out).')
    parser.add_argument('--sync-name', metavar='REGEX',
                        help='async: answer servers whose display name '
                             'matches synchronously instead.')
    parser.add_argument('--delay', type=float, default=0.0,
                        metavar='SECONDS',
                        help='Seconds to wait before answering (sync) or '
                             'deciding (async).')
    parser.add_argument('--heartbeat', type=float, metavar='SECONDS',
                        help='async: post an in-progress event every '
                             'SECONDS until the verdict.')
    parser.add_argument('--fail-first', type=int, default=0, metavar='N',
                        help='Answer 503 to the first N deliveries of each '
                             'tag (exercises the gate retries).')
    parser.add_argument('--no-status-url', dest='offer_status_url',
                        action='store_false',
                        help='Leave status_url out of pending answers.')
    parser.add_argument('--compute-endpoint', metavar='URL',
                        help='Compute API endpoint. Without keystoneauth1 '
                             'options or --os-cloud, the keystoneauth1 '
                             'noauth plugin is used (test setups only).')
    parser.add_argument('--extra-header', type=_header_arg, action='append',
                        default=[], metavar="'NAME: VALUE'",
                        help="Header added to every event POST, e.g. "
                             "'X-Roles: third_party_gate_reporter'.")
    parser.add_argument('--os-cloud', default=os.environ.get('OS_CLOUD'),
                        metavar='NAME',
                        help='clouds.yaml cloud to authenticate with '
                             '(openstacksdk); env OS_CLOUD.')
    parser.add_argument('--debug', action='store_true',
                        help='Log at DEBUG level.')
    default_auth = 'password' if os.environ.get('OS_AUTH_URL') else None
    loading.register_auth_argparse_arguments(parser, argv,
                                             default=default_auth)
    loading.register_session_argparse_arguments(parser)
    loading.register_adapter_argparse_arguments(parser, service_type='compute')
    return parser


def _load_poster(parser, args):
    from keystoneauth1 import exceptions as ks_exc
    from keystoneauth1 import loading

    headers = dict(args.extra_header)
    endpoint = args.compute_endpoint or args.os_endpoint_override
    try:
        if args.os_cloud:
            return events.NovaEventPoster.from_cloud(
                args.os_cloud, endpoint_override=endpoint, headers=headers,
                region_name=args.os_region_name)
        if args.os_auth_type:
            auth = loading.load_auth_from_argparse_arguments(args)
            sess = loading.load_session_from_argparse_arguments(
                args, auth=auth)
            return events.NovaEventPoster.from_session(
                sess, interface=args.os_interface,
                region_name=args.os_region_name,
                endpoint_override=endpoint, headers=headers)
        if endpoint:
            return events.NovaEventPoster.from_endpoint(
                endpoint, headers=headers)
    except (ks_exc.ClientException, ValueError) as e:
        parser.error('cannot set up the compute API client: %s' % e)
    except Exception as e:
        # openstacksdk raises its own config errors (unknown cloud...).
        parser.error('cannot set up the compute API client (--os-cloud '
                     '%s): %s' % (args.os_cloud, e))
    return None


def _read_secret(parser, args):
    if not args.secret_file:
        return args.secret
    try:
        with open(args.secret_file, encoding='utf-8') as f:
            return f.read().rstrip('\r\n')
    except (OSError, UnicodeDecodeError) as e:
        parser.error('--secret-file %s cannot be read: %s'
                     % (args.secret_file, e))


def _usage_error(parser, args, error):
    """Name the flag behind a setting the service refused."""
    if error.argument == 'nova':
        parser.error('--mode async needs Nova credentials: --os-cloud, '
                     'keystoneauth1 options (--os-auth-url ...) or '
                     '--compute-endpoint')
    flag = '--' + error.argument.replace('_', '-')
    if error.argument == 'secret' and args.secret_file:
        flag = '--secret-file'
    parser.error('%s %s' % (flag, error.problem))


def main(argv=None):
    """Run the reference third party until SIGINT/SIGTERM."""
    from keystoneauth1 import exceptions as ks_exc

    if argv is None:
        argv = sys.argv[1:]
    try:
        parser = build_parser(argv)
    except ks_exc.NoMatchingPlugin as e:
        sys.stderr.write('nova-ext-gate-reference: error: --os-auth-type: '
                         '%s\n' % e)
        return 2
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format='%(asctime)s %(levelname)s %(name)s: %(message)s')

    try:
        tp = service.ReferenceThirdParty(
            host=args.host, port=args.port, secret=_read_secret(parser, args),
            mode=args.mode, reject_name=args.reject_name,
            ignore_name=args.ignore_name, sync_name=args.sync_name,
            delay=args.delay,
            heartbeat=args.heartbeat, nova=_load_poster(parser, args),
            reject_reason=args.reject_reason, fail_first=args.fail_first,
            offer_status_url=args.offer_status_url)
    except settings.InvalidArgument as e:
        _usage_error(parser, args, e)
    try:
        tp.start()
    except OSError as e:
        parser.exit(2, '%s: error: cannot listen on %s:%s: %s\n'
                    % (parser.prog, args.host, args.port, e))

    done = threading.Event()

    def _signal(signum, frame):
        done.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _signal)
    print('nova-ext-gate-reference listening on %s' % tp.url, flush=True)
    try:
        while not done.wait(1):
            pass
    finally:
        LOG.info('Stopping')
        tp.stop()
    return 0


if __name__ == '__main__':  # pragma: no cover
    sys.exit(main())
