#!/usr/bin/env bash
# The system libraries Qt needs: for the offscreen GUI tests (always), and for a real window under
# X / Xvfb (with "x11"). Installs the missing Debian packages when it can (root or passwordless
# sudo, apt-get present); otherwise prints one line naming them and fails.
set -euo pipefail

declare -A PACKAGE_OF=(
    [libEGL.so.1]=libegl1 [libGL.so.1]=libgl1 [libfontconfig.so.1]=libfontconfig1
    [libxkbcommon.so.0]=libxkbcommon0 [libglib-2.0.so.0]=libglib2.0-0 [libdbus-1.so.3]=libdbus-1-3
)
if [[ "${1:-}" == "x11" ]]; then
    PACKAGE_OF+=(
        [libxcb-icccm.so.4]=libxcb-icccm4 [libxcb-keysyms.so.1]=libxcb-keysyms1
        [libxcb-cursor.so.0]=libxcb-cursor0 [libxcb-image.so.0]=libxcb-image0
        [libxcb-render-util.so.0]=libxcb-render-util0 [libxkbcommon-x11.so.0]=libxkbcommon-x11-0
        [libX11-xcb.so.1]=libx11-xcb1
    )
fi

missing=()
known=$(ldconfig -p 2>/dev/null || true)
for library in "${!PACKAGE_OF[@]}"; do
    grep -qF "${library} (" <<<"$known" || missing+=("${PACKAGE_OF[$library]}")
done
if [[ "${1:-}" == "x11" ]] && ! command -v xvfb-run >/dev/null; then
    missing+=(xvfb xauth)
fi
[[ ${#missing[@]} -eq 0 ]] && exit 0

if command -v apt-get >/dev/null; then
    if [[ $(id -u) -eq 0 ]]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="none"; fi
    if [[ "$SUDO" != "none" ]]; then
        echo "installing system packages for Qt: ${missing[*]}"
        $SUDO apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
            { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q "${missing[@]}" >/dev/null; }
        exit 0
    fi
fi
echo "stopframe: Qt needs these system packages, please install them: ${missing[*]}" >&2
exit 1
