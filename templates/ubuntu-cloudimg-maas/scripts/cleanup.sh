#!/bin/sh
# Leaves the image as MAAS wants it: no state from this build's instance, no host identity.
cloud-init clean --logs
rm -f /etc/netplan/50-cloud-init.yaml
# curtin writes the deployed machine's fstab; the build's own names disks that will not be there.
rm -f /etc/fstab
rm -f /etc/ssh/ssh_host_*
rm -rf /root/.ssh /root/.cache
# An empty machine-id: systemd (or the guest's init) makes a new one on the deployed machine.
: >/etc/machine-id
# Lock the build password again.
passwd -l ubuntu >/dev/null 2>&1 || sed -i 's/^ubuntu:[^:!*]*/ubuntu:!/' /etc/shadow
if command -v apt-get >/dev/null 2>&1; then
  apt-get -y autoremove --purge
  apt-get clean
fi
sync
