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

"""Minimal ``iniset``/``iniget`` for the DevStack plugin's tests.

DevStack's own iniset edits a file in place with sed; this writes the same
content through configparser so that the tests read back real ini files.
"""

import configparser
import sys


def _parser():
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    return parser


def iniset(path, section, option, value):
    parser = _parser()
    parser.read(path)
    if section != 'DEFAULT' and not parser.has_section(section):
        parser.add_section(section)
    parser.set(section, option, value)
    with open(path, 'w') as f:
        parser.write(f)


def main(argv):
    if len(argv) != 6 or argv[1] != 'set':
        sys.exit('usage: ini_helper.py set FILE SECTION OPTION VALUE')
    iniset(*argv[2:])


if __name__ == '__main__':
    main(sys.argv)
