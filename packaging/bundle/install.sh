#!/usr/bin/env bash
# Installs spkey-desktop @VERSION@ from this folder, with no internet access.
#
#   ./install.sh [--prefix DIR] [--python PYTHON] [--no-menu]
#   ./install.sh --uninstall [--prefix DIR]
#
# Creates a virtual environment in the prefix folder and installs the wheels in
# wheels/ into it with pip, which is given nothing but this folder to install
# from; requirements.txt pins every wheel by its SHA-256, so a damaged copy is
# refused. Then adds the spkey-desktop command and a menu entry.
# README.txt beside this script says where every file goes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=packaging/linux/install-common.sh
. "$here/share/install-common.sh"

usage() {
    cat <<EOF
usage: $0 [--prefix DIR] [--python PYTHON] [--bin-dir DIR] [--data-dir DIR]
          [--no-menu] [--uninstall]

  --prefix DIR     where the app goes (root: /opt/spkey-desktop,
                   others: ~/.local/share/spkey-desktop)
  --python PYTHON  the Python @PYTHON_VERSION@ to use (default: python3)
  --bin-dir DIR    where the spkey-desktop command goes
                   (root: /usr/local/bin, others: ~/.local/bin)
  --data-dir DIR   where the menu entry and icon go, under applications/ and
                   icons/ (root: /usr/local/share, others: ~/.local/share)
  --no-menu        install no command link, menu entry or icon
  --uninstall      remove the installation in the prefix folder
EOF
}

python=python3 prefix="" bin_dir="" data_dir="" menu=1 uninstall=0
while [ $# -gt 0 ]; do
    case $1 in
        --prefix) prefix=${2:?--prefix needs a folder}; shift 2 ;;
        --python) python=${2:?--python needs a command}; shift 2 ;;
        --bin-dir) bin_dir=${2:?--bin-dir needs a folder}; shift 2 ;;
        --data-dir) data_dir=${2:?--data-dir needs a folder}; shift 2 ;;
        --no-menu) menu=0; shift ;;
        --uninstall) uninstall=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
default_dirs
if [ "$uninstall" = 1 ]; then
    remove_installation
    exit 0
fi

# --- the Python to install into -------------------------------------------------
# The wheels were built for one Python version (some hold compiled code).
found=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])') \
    || die "cannot run '$python'; install Python @PYTHON_VERSION@ (Debian 12: python3)"
[ "$found" = "@PYTHON_VERSION@" ] \
    || die "this bundle is for Python @PYTHON_VERSION@, but '$python' is Python $found"
"$python" -c 'import ensurepip, venv' 2>/dev/null \
    || die "'$python' cannot create virtual environments; on Debian or Ubuntu: sudo apt-get install python3-venv"

# --- the app, in its own virtual environment -------------------------------------
clear_prefix
mkdir -p "$(dirname "$prefix")"
"$python" -m venv "$prefix"
# pip adds find-links and index settings from its configuration files and PIP_*
# variables to the command line's: drop them all, so this folder is the only
# source, whatever the machine is set up for.
for name in $(compgen -e); do
    case $name in PIP_*) unset "$name" ;; esac
done
export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
"$prefix/bin/python" -m pip install --quiet --no-index --find-links "$here/wheels" \
    --require-hashes --requirement "$here/requirements.txt"
installed=$("$prefix/bin/spkey-desktop" --version)
[ "$installed" = "@VERSION@" ] || die "installed spkey-desktop says it is '$installed'"
record bundle "@VERSION@" "$menu"
echo "Installed spkey-desktop $installed in $prefix"

if [ "$menu" = 1 ]; then
    install_menu "$prefix/bin/spkey-desktop" "$here/share/spkey-desktop.desktop" \
        "$here/share/spkey-desktop.svg" "$here/share/spkey-desktop.png"
fi
