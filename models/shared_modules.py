"""models/repair/common.py for the other model folders (colorize, faces), whose own module is also
named `common`: loaded once under the name `repair_common`, for its U-Net, data loaders and split."""
from __future__ import annotations

import importlib.util
import os
import sys


def repair_common():
    if 'repair_common' in sys.modules:
        return sys.modules['repair_common']
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'repair', 'common.py')
    spec = importlib.util.spec_from_file_location('repair_common', path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules['repair_common'] = mod
    spec.loader.exec_module(mod)
    return mod
