#!/bin/sh
# Your customisation, run as root inside the image: install packages, drop in configuration.
# Example: mark the image so you can tell it apart on a deployed machine.
echo "Built with Kiln on $(date -u +%Y-%m-%dT%H:%M:%SZ)" >/etc/kiln-image-info
