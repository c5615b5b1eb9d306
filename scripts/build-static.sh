#!/usr/bin/env bash
# Builds crmconvert as one static binary, exactly as the Dockerfile's build
# stage does (it runs this script), and checks that it is static.
#
#   scripts/build-static.sh [OUTPUT]        default OUTPUT: bin/crmconvert
#
# GOOS and GOARCH cross-compile as usual. No C toolchain is needed: cgo is
# off, so the binary runs on a distroless "static" image or any Linux.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bin/crmconvert}
mkdir -p "$(dirname "$out")"

export CGO_ENABLED=0
go build -trimpath -buildvcs=false -ldflags='-s -w -buildid=' -o "$out" ./cmd/crmconvert

# The toolchain records how the binary was built; refuse anything but cgo off.
if ! go version -m "$out" | grep -q 'CGO_ENABLED=0'; then
  echo "build-static: $out was not built with CGO_ENABLED=0" >&2
  exit 1
fi
# Where the tools exist (not in the golang image), ask the system as well.
if command -v file >/dev/null; then
  info=$(file -b "$out")
  case $info in
    *"statically linked"*) ;;
    *) echo "build-static: file says: $info" >&2; exit 1 ;;
  esac
fi
target="$(go env GOOS)/$(go env GOARCH)"
if command -v ldd >/dev/null && [ "$target" = "$(go env GOHOSTOS)/$(go env GOHOSTARCH)" ]; then
  if ldd "$out" >/dev/null 2>&1; then
    echo "build-static: ldd lists shared libraries for $out:" >&2
    ldd "$out" >&2
    exit 1
  fi
fi
echo "build-static: $out ($(du -h "$out" | cut -f1), static, $target)"
