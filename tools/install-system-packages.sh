#!/usr/bin/env bash
# Best-effort install of the Debian packages briefpers benefits from:
#   libharfbuzz-subset0  WeasyPrint subsets fonts ~8x faster with it
#   poppler-utils        pdftotext/pdftoppm, for tests and previews
#   mupdf-tools          mutool, the independent reader the link tests use
#   python3-venv         when `python3 -m venv` cannot work without it
#   chromium             the browser the web-edition tests drive (axe-core, screenshots)
#   fonts-dejavu-core    the fonts the web edition's screen stylesheets name
# With --java also default-jre-headless when `java` is missing: only veraPDF
# (validation, `make validate`, the tests) needs Java; building does not.
# Needs apt-get and root; otherwise it says in one line what to install and
# carries on (exit 0): nothing here is required to build letters.
set -u
want=()
for pkg in libharfbuzz-subset0 poppler-utils mupdf-tools chromium fonts-dejavu-core; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || want+=("$pkg")
done
"${PYTHON:-python3}" -c 'import ensurepip' 2>/dev/null || want+=(python3-venv)
if [[ "${1:-}" == "--java" ]] && ! command -v java >/dev/null 2>&1; then
    want+=(default-jre-headless)
fi
((${#want[@]})) || exit 0
if ! command -v apt-get >/dev/null 2>&1 || [[ $(id -u) -ne 0 ]]; then
    echo "note: optional system packages missing: ${want[*]} (apt-get install as root); continuing without them" >&2
    exit 0
fi
echo "installing system packages: ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null \
    || echo "note: could not install ${want[*]}; continuing without them" >&2
exit 0
