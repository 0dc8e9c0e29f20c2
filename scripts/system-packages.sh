#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages that the demo or the tests need, only those missing.
#
#   scripts/system-packages.sh venv   python3-venv, if `$PYTHON -m venv` (default python3) cannot work
#   scripts/system-packages.sh demo   the above, plus gettext, Pango/HarfBuzz for WeasyPrint, a CJK font
#   scripts/system-packages.sh test   the demo set, plus chromium, postgresql, redis-server, poppler-utils
#
# Does nothing (and never runs apt-get update) when everything is already installed.
set -euo pipefail

set_name=${1:-demo}

# Package sets, one list per purpose.
DEMO_PACKAGES=(gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-microhei)
TEST_PACKAGES=(chromium postgresql redis-server poppler-utils)

case "$set_name" in
    venv) wanted=() ;;
    demo) wanted=("${DEMO_PACKAGES[@]}") ;;
    test) wanted=("${DEMO_PACKAGES[@]}" "${TEST_PACKAGES[@]}") ;;
    *) echo "usage: $0 venv|demo|test" >&2; exit 2 ;;
esac

# python3-venv only matters when $PYTHON (default python3) has no venv/ensurepip (Debian's own python3).
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    wanted=(python3-venv "${wanted[@]}")
fi

# Outside Debian/Ubuntu there is no apt: name the packages and let the user decide.
if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    if ((${#wanted[@]})); then
        echo "system-packages: no dpkg/apt-get here; make sure the equivalents of these are installed: ${wanted[*]}" >&2
    fi
    exit 0
fi

# Keep only the packages that dpkg does not report as installed.
missing=()
for pkg in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ $status == *" installed" ]] || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then
    echo "system-packages ($set_name): all present"
else
    # Root runs apt-get through env (to pass DEBIAN_FRONTEND); others through sudo (-n without a terminal).
    if ((EUID == 0)); then
        as_root=(env)
    elif command -v sudo >/dev/null 2>&1; then
        if [[ -t 0 ]]; then as_root=(sudo); else as_root=(sudo -n); fi
    else
        echo "system-packages: missing ${missing[*]}, and this is neither root nor has sudo." >&2
        echo "Install them as root: apt-get install --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
    # Refresh the package lists once, then install without recommends (keeps chromium and postgresql small).
    echo "system-packages ($set_name): installing ${missing[*]}"
    if ! "${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get update -qq \
        || ! "${as_root[@]}" DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
        echo "system-packages: apt-get could not install ${missing[*]} (see its message above)." >&2
        exit 1
    fi
fi

# A Python that still cannot make a venv is not one that Debian's python3-venv fixes.
if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    echo "system-packages: '$PYTHON' has no venv/ensurepip even with python3-venv installed; use a Python that has them (make PYTHON=...)." >&2
    exit 1
fi
