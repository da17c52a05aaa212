# shellcheck shell=bash
# Shared by the two Linux install scripts (the wheel bundle's and the application
# folder's); sourced, never run. Both put the app in one folder (the prefix), a
# command in a bin folder and a menu entry with its icon in a share folder:
#
#   as root:   /opt/spkey-desktop, /usr/local/bin, /usr/local/share
#   as a user: ~/.local/share/spkey-desktop, ~/.local/bin, ~/.local/share
#
# A file in the prefix (.spkey-desktop-install) records what was installed
# where, so that installing again replaces an earlier installation and
# --uninstall removes exactly what was added.

MARKER=.spkey-desktop-install

die() {
    echo "install.sh: $*" >&2
    exit 1
}

# Fills in prefix, bin_dir and data_dir where the options left them empty.
default_dirs() {
    local user_data="${XDG_DATA_HOME:-$HOME/.local/share}"
    if [ "$(id -u)" -eq 0 ]; then
        prefix=${prefix:-/opt/spkey-desktop}
        bin_dir=${bin_dir:-/usr/local/bin}
        data_dir=${data_dir:-/usr/local/share}
    else
        prefix=${prefix:-$user_data/spkey-desktop}
        bin_dir=${bin_dir:-$HOME/.local/bin}
        data_dir=${data_dir:-$user_data}
    fi
    for dir in "$prefix" "$bin_dir" "$data_dir"; do
        case $dir in
            /*) ;;
            *) die "give an absolute path, not '$dir'" ;;
        esac
        # The path goes into the menu entry's Exec line, where these characters
        # would need escaping that not every desktop reads the same way.
        case $dir in
            *[\"\`\$\\%]* | *$'\n'*) die "the path '$dir' holds a character menu entries cannot hold" ;;
        esac
    done
}

# Removes an earlier installation at $prefix; refuses a folder that is not one.
clear_prefix() {
    if [ -f "$prefix/$MARKER" ]; then
        remove_installation
    elif [ -e "$prefix" ] && [ -n "$(ls -A "$prefix")" ]; then
        die "$prefix exists and is not an spkey-desktop installation; choose another --prefix"
    fi
}

# record KIND VERSION MENU: what --uninstall and the next installation read
# back (MENU is 1 when a menu entry and command link are installed).
record() {
    {
        echo "kind=$1"
        echo "version=$2"
        echo "bin_dir=$bin_dir"
        echo "data_dir=$data_dir"
        echo "menu=$3"
    } >"$prefix/$MARKER"
}

# install_menu EXECUTABLE DESKTOP_ENTRY SVG_ICON PNG_ICON
install_menu() {
    local executable=$1 entry=$2 svg=$3 png=$4
    local apps="$data_dir/applications" icons="$data_dir/icons/hicolor"
    mkdir -p "$bin_dir" "$apps" "$icons/scalable/apps" "$icons/256x256/apps"
    ln -sfn "$executable" "$bin_dir/spkey-desktop"
    install -m 644 "$svg" "$icons/scalable/apps/spkey-desktop.svg"
    install -m 644 "$png" "$icons/256x256/apps/spkey-desktop.png"
    # The entry names the installed executable by its full path: the bin
    # folder is not on every session's PATH (~/.local/bin often is not).
    sed "s|^Exec=.*|Exec=\"$executable\"|" "$entry" >"$apps/spkey-desktop.desktop"
    chmod 644 "$apps/spkey-desktop.desktop"
    # Menus and icon themes keep caches; refresh them where the tools exist.
    if command -v update-desktop-database >/dev/null; then
        update-desktop-database -q "$apps" || true
    fi
    if command -v gtk-update-icon-cache >/dev/null && [ -f "$icons/index.theme" ]; then
        gtk-update-icon-cache -q -t "$icons" || true
    fi
    echo "Menu entry: $apps/spkey-desktop.desktop"
    echo "Command:    $bin_dir/spkey-desktop"
}

# Removes the installation at $prefix with the menu entry and command it added.
remove_installation() {
    local kind="" bin="" data="" menu_added=0 key value
    [ -f "$prefix/$MARKER" ] || die "no spkey-desktop installation in $prefix"
    while IFS='=' read -r key value; do
        case $key in
            kind) kind=$value ;;
            bin_dir) bin=$value ;;
            data_dir) data=$value ;;
            menu) menu_added=$value ;;
        esac
    done <"$prefix/$MARKER"
    if [ "$menu_added" = 1 ]; then
        # Only the link that points into this installation.
        if [ "$(readlink "$bin/spkey-desktop" || true)" = "$(command_path "$kind")" ]; then
            rm -f "$bin/spkey-desktop"
        fi
        rm -f "$data/applications/spkey-desktop.desktop" \
            "$data/icons/hicolor/scalable/apps/spkey-desktop.svg" \
            "$data/icons/hicolor/256x256/apps/spkey-desktop.png"
    fi
    rm -rf "$prefix"
    echo "Removed the spkey-desktop installation in $prefix"
}

# The executable an installation of KIND (bundle or app) has in $prefix.
command_path() {
    case $1 in
        bundle) echo "$prefix/bin/spkey-desktop" ;;
        app) echo "$prefix/spkey-desktop" ;;
    esac
}
