#!/bin/sh
# Installs the curtin hooks MAAS runs at deployment. With a custom kernel the hook tells curtin which
# package to install; without one curtin's own hooks do the work and no hook is needed.
mkdir -p /curtin
if [ -n "${CLOUDIMG_CUSTOM_KERNEL:-}" ]; then
  echo "${CLOUDIMG_CUSTOM_KERNEL}" >/curtin/CUSTOM_KERNEL
fi
install -m 750 /tmp/curtin-hooks /curtin/curtin-hooks
rm -f /tmp/curtin-hooks
