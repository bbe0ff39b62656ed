# -*- coding: utf-8 -*-
# Copyright: huaweicloud.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a module run imports, checked in a fresh interpreter: every task compiles the collection code it imports
(AnsiballZ keeps no bytecode), so a read-only task must not load requests/urllib3 (installed here, so their
absence means nothing imports them) nor the code of waits, members, image sources or credentials files
(tests/bench/ping_floor.py measures what that costs)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import subprocess
import sys

import pytest

PACKAGE = "ansible_collections.huaweicloud.cloud.plugins."
NEVER = ["requests", "urllib3", "configparser"]
NOT_FOR_A_READ = ["module_utils._waiter", "module_utils._members", "module_utils._lookup", "module_utils._sources",
                  "module_utils._image_state", "module_utils._attributes", "module_utils._prune"]

PROBE = """
import json, sys
import ansible.module_utils.basic
import ansible_collections.huaweicloud.cloud.plugins.modules.{module}
print(json.dumps(sorted(sys.modules)))
"""


def imported_by(module):
    pytest.importorskip("requests")
    path = [entry for entry in sys.path if entry]
    code = "import sys; sys.path[:0] = %r\n" % path + PROBE.format(module=module)
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return set(json.loads(output))


def test_a_read_only_task_imports_only_what_it_uses():
    loaded = imported_by("ims_image_info")
    assert PACKAGE + "module_utils._transport" in loaded  # the probe did import the module
    assert [name for name in NEVER if name in loaded] == []
    assert [name for name in NOT_FOR_A_READ if PACKAGE + name in loaded] == []


@pytest.mark.parametrize("module", ["ims_image", "ims_image_copy", "ims_image_member", "ims_job", "ims_image_prune"])
def test_no_module_imports_a_third_party_http_library(module):
    loaded = imported_by(module)
    assert PACKAGE + "modules." + module in loaded
    assert [name for name in NEVER if name in loaded] == []
