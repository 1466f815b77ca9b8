#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/size.sh — code size of the device side.
#
#   bench/size.sh            the table: libotaclient (our code only: the
#                            shared library holds libotaclient and the
#                            formats library, no dependency) at -O2 (the
#                            build) and -Os (build-os/), ota-client (our code
#                            linked in statically, the libraries dynamically),
#                            and the shared libraries ota-client loads
#   bench/size.sh --check    compare the -O2 numbers with bench/sizes.txt:
#                            fail when one grew by more than 10 %.  Growing
#                            past that is allowed by recording the new size
#                            in bench/sizes.txt with a note saying why.
#
# "text" is the .text section (machine code); "text+ro" is size(1)'s text
# column (code, read-only data, unwind tables, dynamic symbols).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
SO=$(sed -n 's/^#define OTA_CLIENT_VERSION "\([0-9]*\.[0-9]*\)\..*/libotaclient.so.\1/p' \
     client/include/ota/client.h)
BASE=${SIZES_FILE:-bench/sizes.txt}

sec() { size -A "$1" | awk -v s="$2" '$1 == s { print $2 }'; }   # FILE SECTION
bert() { size -B "$1" | awk 'NR == 2 { print $1 }'; }             # text column

measure() { # BUILD: name .text text+ro per artefact
    printf 'libotaclient %s %s\n' "$(sec "$1/$SO" .text)" "$(bert "$1/$SO")"
    printf 'ota-client %s %s\n' "$(sec "$1/ota-client" .text)" "$(bert "$1/ota-client")"
}

if [ "${1:-}" = --check ]; then
    make --no-print-directory BUILD="$BUILD" "$BUILD/$SO" "$BUILD/ota-client" >/dev/null
    bad=0
    while read -r name text ro; do
        want=$(awk -v n="$name" '$1 == n { print $2 }' "$BASE")
        if [ -z "$want" ]; then echo "size: $name is not in $BASE"; bad=1; continue; fi
        limit=$((want + want / 10))
        if [ "$text" -gt "$limit" ]; then
            echo "size: $name .text $text bytes, more than 10 % above $want in $BASE:" \
                 "record the new size there with a note saying why"
            bad=1
        else
            echo "size: $name .text $text bytes (recorded $want, limit $limit)"
        fi
    done < <(measure "$BUILD")
    exit $bad
fi

make --no-print-directory BUILD="$BUILD" "$BUILD/$SO" "$BUILD/ota-client" >/dev/null
make --no-print-directory BUILD=build-os OPT=-Os "build-os/$SO" "build-os/ota-client" >/dev/null
kib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }
echo "Compiler: $(${CC:-cc} --version | head -1); $(uname -m)."
echo
echo "| our code | .text KiB (-O2) | text+ro KiB (-O2) | .text KiB (-Os) | text+ro KiB (-Os) |"
echo "|---|---:|---:|---:|---:|"
paste -d' ' <(measure "$BUILD") <(measure build-os) | while read -r n t r _ t2 r2; do
    echo "| $n | $(kib "$t") | $(kib "$r") | $(kib "$t2") | $(kib "$r2") |"
done
echo
echo "Shared libraries ota-client loads (.text KiB), largest first:"
echo
echo "| library | .text KiB |"
echo "|---|---:|"
ldd "$BUILD/ota-client" | awk '$3 ~ /^\// { print $1, $3 }' | while read -r n p; do
    echo "$(sec "$p" .text) $n"
done | sort -rn | while read -r t n; do echo "| $n | $(kib "$t") |"; done
