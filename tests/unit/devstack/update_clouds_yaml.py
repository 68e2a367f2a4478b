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

"""Stand-in for DevStack's tools/update_clouds_yaml.py.

Same command line; adds or replaces one cloud in the clouds.yaml file.
"""

import argparse

import yaml


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--file', required=True)
    parser.add_argument('--os-cloud', required=True)
    parser.add_argument('--os-region-name', default='RegionOne')
    parser.add_argument('--os-identity-api-version', default='3')
    parser.add_argument('--os-auth-url', required=True)
    parser.add_argument('--os-username', required=True)
    parser.add_argument('--os-password', required=True)
    parser.add_argument('--os-project-name')
    args = parser.parse_args()
    try:
        with open(args.file) as f:
            clouds = yaml.safe_load(f) or {}
    except FileNotFoundError:
        clouds = {}
    clouds.setdefault('clouds', {})[args.os_cloud] = {
        'region_name': args.os_region_name,
        'identity_api_version': args.os_identity_api_version,
        'auth': {
            'auth_url': args.os_auth_url,
            'username': args.os_username,
            'password': args.os_password,
            'project_name': args.os_project_name,
            'user_domain_id': 'default',
            'project_domain_id': 'default',
        },
    }
    with open(args.file, 'w') as f:
        yaml.safe_dump(clouds, f, default_flow_style=False)


if __name__ == '__main__':
    main()
