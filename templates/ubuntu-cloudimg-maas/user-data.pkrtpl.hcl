#cloud-config
# The build's own seed: a password login for the ubuntu user while Kiln provisions the image.
# cleanup.sh locks it again and removes everything cloud-init recorded about this instance.
password: ${password}
chpasswd:
  expire: false
ssh_pwauth: true
