#!/usr/bin/env bash
# What `vmlockstat lab` needs on the host (run by `scripts/deps.sh --lab`):
# qemu for each guest arch, static busybox for x86_64 guests, cpio, and cross
# compilers for the static guest workload. Idempotent: apt runs only for what is
# missing. The host's dpkg architecture list is left alone: foreign-arch packages
# (kernels, busybox-static:arm64) are downloaded by `vmlockstat lab` itself with a
# private apt configuration under its cache directory (docs/lab.md).
set -euo pipefail

packages=(
  qemu-system-x86 qemu-system-arm qemu-system-misc qemu-system-ppc
  busybox-static cpio e2fsprogs kmod xz-utils zstd
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  gcc-s390x-linux-gnu libc6-dev-s390x-cross
  gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "deps-lab.sh: missing packages: ${missing[*]}; run as root (or: sudo $0)" >&2
  exit 1
fi
echo "deps-lab.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
