#!/usr/bin/env bash
# Installs the spkey-desktop @VERSION@ application folder this script is in.
#
#   ./install.sh [--prefix DIR] [--bin-dir DIR] [--data-dir DIR] [--no-menu]
#   ./install.sh --uninstall [--prefix DIR]
#
# Copies the folder to the prefix (root: /opt/spkey-desktop, others:
# ~/.local/share/spkey-desktop), then adds the spkey-desktop command and a menu
# entry with its icon. Nothing is downloaded; Python is inside the folder.
# The system libraries Qt's window needs are the only prerequisite (README).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=packaging/linux/install-common.sh
. "$here/share/install-common.sh"

usage() {
    sed -n '2,10s/^# \{0,1\}//p' "$0"
}

prefix="" bin_dir="" data_dir="" menu=1 uninstall=0
while [ $# -gt 0 ]; do
    case $1 in
        --prefix) prefix=${2:?--prefix needs a folder}; shift 2 ;;
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
if [ -e "$prefix" ] && [ "$here" -ef "$prefix" ]; then
    die "this folder is the installation itself; run the install.sh of a new copy"
fi

clear_prefix
mkdir -p "$prefix"
cp -a "$here/." "$prefix/"
installed=$("$prefix/spkey-desktop" --version)
[ "$installed" = "@VERSION@" ] || die "installed spkey-desktop says it is '$installed'"
record app "@VERSION@" "$menu"
echo "Installed spkey-desktop $installed in $prefix"

if [ "$menu" = 1 ]; then
    install_menu "$prefix/spkey-desktop" "$prefix/share/spkey-desktop.desktop" \
        "$prefix/share/spkey-desktop.svg" "$prefix/share/spkey-desktop.png"
fi
