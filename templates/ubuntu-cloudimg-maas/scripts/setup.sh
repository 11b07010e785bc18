#!/bin/sh
# Runs first, as root: wait for cloud-init to finish with the build's seed, then refresh packages
# where apt is available.
cloud-init status --wait >/dev/null || true
if command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  # As packer-maas: the image ships without a kernel; MAAS installs one at deployment (the one named
  # in /curtin/CUSTOM_KERNEL when the kernel variable is set).
  apt-get remove --purge -y linux-virtual 'linux-image-*'
fi
echo "setup done on $(hostname)"
