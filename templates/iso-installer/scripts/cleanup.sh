#!/bin/sh
# Make the image ready for MAAS: cloud-init runs again on first boot, with a new machine identity.
set -eu
apt-get -y autoremove --purge
apt-get clean
cloud-init clean --logs --seed
rm -f /etc/sudoers.d/ubuntu
passwd -l ubuntu
truncate -s 0 /etc/machine-id
rm -f /var/lib/dbus/machine-id
rm -f /etc/ssh/ssh_host_*
rm -rf /tmp/* /var/tmp/*
sync
