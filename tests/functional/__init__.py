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

# Functional tests run Nova's own in-process harness (nova.tests.functional)
# with the patches from patches/ applied to the installed Nova.
#
# Like Nova's own test packages, this one picks the concurrency backend
# before anything else is imported: eventlet by default, native threading
# with OS_NOVA_DISABLE_EVENTLET_PATCHING=true. .ci/run runs both.
from nova_ext import compat; compat.monkey_patch()  # noqa

import os  # noqa: E402
import sys  # noqa: E402

# Nova's wheel installs api-paste.ini under sys.prefix, not next to the
# package where [wsgi] api_paste_config looks by default; oslo.config reads
# OS_<GROUP>__<OPTION> environment variables, which also reach the tests of
# upstream Nova that .ci/run runs.
os.environ.setdefault(
    'OS_WSGI__API_PASTE_CONFIG',
    os.path.join(sys.prefix, 'etc', 'nova', 'api-paste.ini'))
