#!/bin/sh
# Installs the Debian packages given as arguments that are not yet installed.
# Uses apt-get when root, sudo otherwise; says clearly what to do when neither works.
set -eu
missing=""
for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
echo "islet: installing missing Debian packages:$missing"
if [ "$(id -u)" = 0 ]; then
    apt="apt-get"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null || command -v sudo >/dev/null 2>&1; then
    apt="sudo apt-get"
else
    echo "islet: cannot install$missing: not root and sudo is not available." >&2
    echo "islet: install them yourself: apt-get install$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! $apt install -y --no-install-recommends $missing; then
    $apt update && $apt install -y --no-install-recommends $missing || {
        echo "islet: package installation failed; run: apt-get install$missing" >&2
        exit 1
    }
fi
