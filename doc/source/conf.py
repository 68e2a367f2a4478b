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

"""Sphinx configuration of nova-ext's documentation (tox -e docs)."""

from PIL import ImageDraw

extensions = [
    'openstackdocstheme',
    'oslo_config.sphinxext',
    'oslo_policy.sphinxext',
    'sphinxcontrib.seqdiag',
]

# blockdiag 3.0.0 (the last release, under sphinxcontrib-seqdiag) measures
# text with ImageDraw.textsize, which Pillow 10 removed; textbbox gives the
# same width and height.
if not hasattr(ImageDraw.ImageDraw, 'textsize'):
    def _textsize(self, text, font=None, *args, **kwargs):
        left, top, right, bottom = self.textbbox((0, 0), text, font=font)
        return right - left, bottom - top

    ImageDraw.ImageDraw.textsize = _textsize

# SVG, inlined in the page: scales, and needs no font file on the builder.
seqdiag_html_image_format = 'SVG'
seqdiag_antialias = True

# openstackdocstheme
openstackdocs_repo_name = 'x/nova-ext'
openstackdocs_bug_project = 'nova-ext'
openstackdocs_bug_tag = 'doc'
openstackdocs_auto_name = False

project = 'nova-ext'
copyright = 'nova-ext developers'
source_suffix = '.rst'
master_doc = 'index'
exclude_patterns = []
pygments_style = 'native'
html_theme = 'openstackdocs'
html_theme_options = {
    'display_global_toc_section': True,
}
