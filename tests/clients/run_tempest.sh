#!/usr/bin/env bash
# Runs the selected tempest identity tests against a running iam-groups.
#
#   IAM_TEST_URL=http://127.0.0.1:5000 IAM_TEST_PASSWORD=admin-secret \
#   IAM_TEST_PYTHON=.venv/bin/python bash tests/clients/run_tempest.sh
#
# Environment: IAM_TEST_URL and IAM_TEST_PASSWORD (required); IAM_TEST_USER (admin),
# IAM_TEST_PROJECT (admin), IAM_TEST_USER_DOMAIN (Default), IAM_TEST_REGION (RegionOne);
# IAM_TEST_PYTHON, the client virtualenv's python (default: python3 on PATH);
# IAM_TEST_TEMPEST_CONCURRENCY (2); IAM_TEST_TEMPEST_WORKSPACE, a folder to use (and
# keep) for the workspace, default a temporary one that is removed unless a test failed;
# IAM_TEST_TEMPEST_REGEX, an extra regex that narrows the selection (for debugging).
#
# Prints tempest's per-test lines, then one line "tempest: N passed, N failed, N skipped"
# and the failed tests. Exits 0 only if tempest ran at least one test and none failed.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
: "${IAM_TEST_URL:?set IAM_TEST_URL, the service base URL}"
: "${IAM_TEST_PASSWORD:?set IAM_TEST_PASSWORD, the admin password}"
python="${IAM_TEST_PYTHON:-$(command -v python3)}"
bin="$(dirname "$python")"
tempest="$bin/tempest"
[ -x "$tempest" ] || { echo "run_tempest: no $tempest (install tests/requirements.txt)" >&2; exit 2; }

keep=false
if [ -n "${IAM_TEST_TEMPEST_WORKSPACE:-}" ]; then
    ws="$IAM_TEST_TEMPEST_WORKSPACE"
    rm -rf "$ws"
    keep=true
else
    ws="$(mktemp -d "${TMPDIR:-/tmp}/iam-tempest.XXXXXX")/workspace"
fi
# tempest init records workspaces under $HOME/.tempest: keep that out of the real home.
export HOME="$(dirname "$ws")/home"
mkdir -p "$HOME"
export PATH="$bin:$PATH"
unset OS_CLOUD OS_AUTH_URL OS_USERNAME OS_PASSWORD OS_PROJECT_NAME 2>/dev/null || true

"$tempest" init "$ws" >/dev/null
sub() { printf '%s' "$1" | sed -e 's/[\/&|]/\\&/g'; }
sed -e "s|@WORKSPACE@|$(sub "$ws")|g" \
    -e "s|@AUTH_URL@|$(sub "${IAM_TEST_URL%/}/v3")|g" \
    -e "s|@ADMIN_USER@|$(sub "${IAM_TEST_USER:-admin}")|g" \
    -e "s|@ADMIN_PASSWORD@|$(sub "$IAM_TEST_PASSWORD")|g" \
    -e "s|@ADMIN_PROJECT@|$(sub "${IAM_TEST_PROJECT:-admin}")|g" \
    -e "s|@ADMIN_DOMAIN@|$(sub "${IAM_TEST_USER_DOMAIN:-Default}")|g" \
    -e "s|@REGION@|$(sub "${IAM_TEST_REGION:-RegionOne}")|g" \
    "$here/tempest.conf.in" > "$ws/etc/tempest.conf"

args=(run --include-list "$here/tempest-selection.txt"
      --concurrency "${IAM_TEST_TEMPEST_CONCURRENCY:-2}")
if [ -n "${IAM_TEST_TEMPEST_REGEX:-}" ]; then
    args+=(--regex "$IAM_TEST_TEMPEST_REGEX")
fi

cd "$ws"
set +e
"$tempest" "${args[@]}" 2>&1 | tee "$ws/run.out"
rc=${PIPESTATUS[0]}
set -e

count() { sed -n "s/^ - $1: *\([0-9]*\).*/\1/p" "$ws/run.out" | tail -1; }
passed="$(count Passed)"; failed="$(count Failed)"; skipped="$(count Skipped)"
passed="${passed:-0}"; failed="${failed:-0}"; skipped="${skipped:-0}"
echo
echo "tempest: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$failed" != 0 ] || [ "$rc" != 0 ]; then
    echo "failed tests:"
    grep -E '\.\.\. FAILED$' "$ws/run.out" | sed -e 's/^{[0-9]*} /  /' -e 's/ \[.*$//' | sort -u || true
    keep=true
fi
if $keep; then
    echo "tempest workspace kept: $ws (log: $ws/logs/tempest.log)"
else
    rm -rf "$(dirname "$ws")"
fi
if [ "$rc" != 0 ] || [ "$failed" != 0 ] || [ "$passed" = 0 ]; then
    exit 1
fi
