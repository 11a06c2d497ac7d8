#!/usr/bin/env bash
# Fetch the pinned veraPDF command-line validator (a jar with all its
# dependencies) from Maven Central into tools/verapdf/. veraPDF is neither on
# PyPI nor in Debian, so Maven is the one ordinary client that can get it.
# Idempotent: does nothing when the jar is already there.
# Extra arguments are passed to mvn (e.g. -Dmaven.repo.local=/tmp/m2).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The one place the version is written (the Makefile and briefpers read it too).
VERSION="$(tr -d '[:space:]' < "${repo_root}/tools/verapdf.version")"
if [[ ! "${VERSION}" =~ ^[0-9]+(\.[0-9]+)+$ ]]; then
    echo "error: tools/verapdf.version holds no version: '${VERSION}'" >&2
    exit 1
fi
ARTIFACT="org.verapdf.apps:greenfield-apps:${VERSION}:jar"

dest_dir="${repo_root}/tools/verapdf"
jar="${dest_dir}/greenfield-apps-${VERSION}.jar"

if [[ -f "${jar}" ]]; then
    echo "veraPDF ${VERSION} already present: ${jar}"
    exit 0
fi

for tool in java mvn; do
    if ! command -v "${tool}" >/dev/null 2>&1; then
        echo "error: '${tool}' not found; install Java and Maven, e.g. 'sudo apt-get install default-jre-headless maven'" >&2
        exit 1
    fi
done

mkdir -p "${dest_dir}"
# dependency:copy works without a pom.xml: it resolves the artifact through the
# local Maven repository (-C: fail on a checksum mismatch) and copies it. Copy
# to a temporary directory and rename, so an interrupted download never leaves
# a partial jar that the check above would accept.
tmp_dir="$(mktemp -d "${dest_dir}/.fetch.XXXXXX")"
trap 'rm -rf "${tmp_dir}"' EXIT
# Maven's output is captured and shown only on failure: Debian's Maven 3.8
# prints stray colour codes even with -q -B.
if ! mvn_log="$(mvn -q -B -C "$@" \
        org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
        -Dartifact="${ARTIFACT}" \
        -DoutputDirectory="${tmp_dir}" 2>&1)"; then
    printf '%s\n' "${mvn_log}" >&2
    echo "error: could not fetch ${ARTIFACT} from Maven Central" >&2
    exit 1
fi
mv "${tmp_dir}/greenfield-apps-${VERSION}.jar" "${jar}"
echo "veraPDF ${VERSION} fetched: ${jar}"
