# Sourced by the scripts: finds Python 3.13 (or 3.12), makes .venv and installs the requirements
# file named by $REQUIREMENTS, only when it changed since the last install.

find_python() {
    for candidate in python3.13 python3.12; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys' >/dev/null 2>&1; then
            command -v "$candidate"; return
        fi
    done
    if command -v pyenv >/dev/null 2>&1; then
        for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[23]\.' | sort -rV); do
            echo "$(pyenv root)/versions/$version/bin/python3"; return
        done
    fi
    for candidate in "$HOME"/.pyenv/versions/3.13.*/bin/python3 "$HOME"/.pyenv/versions/3.12.*/bin/python3; do
        if [ -x "$candidate" ]; then echo "$candidate"; return; fi
    done
    if python3 -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
        command -v python3; return
    fi
    echo "mini-CRM needs Python 3.12 or newer (3.13 recommended)." >&2
    return 1
}

if [ ! -x .venv/bin/python ]; then
    PYTHON=$(find_python)
    echo "Creating .venv with $("$PYTHON" --version)"
    "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$(basename "$REQUIREMENTS")"
if [ ! -f "$stamp" ] || [ -n "$(find requirements*.txt -newer "$stamp")" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
    touch "$stamp"
fi
