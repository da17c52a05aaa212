"""The frozen app's entry point: the same as the ``spkey-desktop`` command."""

import sys

from spkey_desktop.app import main

if __name__ == "__main__":
    sys.exit(main())
