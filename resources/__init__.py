"""Icons and other files the app loads at run time.

Installed as the package ``spkey_desktop.resources`` (see pyproject.toml), so
``importlib.resources.files("spkey_desktop.resources")`` finds them from the source
tree, the wheel and a frozen build alike.
"""
