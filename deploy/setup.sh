#!/usr/bin/env bash
# Installs what enlace needs to build, test and run, from Debian 12's archive only.
#
#   deploy/setup.sh            build + test dependencies
#   deploy/setup.sh --check    only report what is missing (exit 1 if anything is)
#
# Idempotent: asks dpkg which packages are missing, runs `apt-get update` once and installs only
# those. Works as root or through sudo; says clearly what to do when it can do neither.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build make pkg-config ccache git ca-certificates
  # the fuzz targets (tests/fuzz): clang and its runtimes (libFuzzer, ASan, UBSan), which
  # --no-install-recommends would leave out
  clang-14 libclang-rt-14-dev
  # libraries (Debian 12: gRPC 1.51, protobuf 3.21, OpenSSL 3.0, RocksDB 7.8, Abseil 20220623)
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libssl-dev
  librocksdb-dev libabsl-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # tests: the Python client (second language; grpc_tools needs pkg_resources), TLS probes,
  # packaging checks (CPack's shlibdeps needs `file`), process probes
  python3 python3-grpcio python3-grpc-tools python3-pkg-resources python3-protobuf
  python3-cryptography openssl dpkg-dev file systemd procps
  # the demo: RocksDB's ldb reads the hub's store back (deploy/demo/scan_hub_store.py)
  rocksdb-tools
)

check_only=0
if [[ "${1:-}" == "--check" ]]; then check_only=1; fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#PACKAGES[@]} packages are installed"
  exit 0
fi
echo "setup: missing packages: ${missing[*]}"
if [[ $check_only -eq 1 ]]; then exit 1; fi

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
elif command -v sudo >/dev/null 2>&1 && [[ -t 0 ]]; then
  as_root=(sudo)
else
  echo "setup: cannot install as user $(id -un): not root and no usable sudo." >&2
  echo "setup: ask an administrator to run:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! "${as_root[@]}" apt-get update -q; then
  echo "setup: apt-get update failed: check the network or the apt sources (/etc/apt/sources.list*)" >&2
  exit 1
fi
if ! "${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  echo "setup: apt-get install failed for: ${missing[*]}" >&2
  exit 1
fi
echo "setup: installed ${#missing[@]} packages"
