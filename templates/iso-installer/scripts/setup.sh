#!/bin/sh
# Customise the image here: packages, configuration, files.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get -y upgrade
apt-get -y install cloud-init qemu-guest-agent
