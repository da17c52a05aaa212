"""``python -m spkey_desktop``: the same as the ``spkey-desktop`` command."""

import sys

from spkey_desktop.app import main

sys.exit(main())
