#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Regenerates the demo keys in this directory.  DEMO ONLY: these private keys
# are unencrypted and public (they are in git).  Never use them for a real
# repository: make your own with `ota-sign keygen` (see README, key ceremony).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sign=${OTA_SIGN:-$here/../build/ota-sign}
cd "$here"
rm -f ./*.key ./*.pub
for role in root targets snapshot timestamp; do
    "$sign" keygen --unencrypted -o "$role" 2>/dev/null >/dev/null
done
echo "demo keys regenerated in $here (unencrypted, for the demo only)"
