#!/usr/bin/env bash
# The project's test command (README.md): installs what the tests need on a
# fresh Debian machine, then runs every test.
#
# Needs: Debian's apparmor, apparmor-profiles and apparmor-profiles-extra
# packages (the profiles they install are a test corpus; apparmor_parser is
# the oracle), the Rust toolchain, and ../shared beside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in apparmor apparmor-profiles apparmor-profiles-extra; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ ! -d ../shared/conformance ]; then
  echo "error: ../shared (conformance cases and corpora) must sit beside the repository" >&2
  exit 2
fi

cargo test --locked --all-targets "$@"
