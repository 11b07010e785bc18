# Kiln's MAAS starter: a customised Ubuntu cloud image for MAAS, shaped like canonical/packer-maas's
# ubuntu-cloudimg. The VM boots the cloud image on a backing file with a NoCloud seed (cd_content,
# label cidata), provisioning runs over SSH, curtin hooks are copied in, and the image is cleaned for
# MAAS (cloud-init state, machine-id, host keys, netplan). Build it, then export it for MAAS (tgz) or
# upload it from Kiln.

packer {
  required_version = ">= 1.7.0"
}

locals {
  cloudimg_url      = var.cloudimg_url != "" ? var.cloudimg_url : "https://cloud-images.ubuntu.com/${var.ubuntu_series}/current/${var.ubuntu_series}-server-cloudimg-${var.architecture}.img"
  cloudimg_checksum = var.cloudimg_checksum != "" ? var.cloudimg_checksum : "file:https://cloud-images.ubuntu.com/${var.ubuntu_series}/current/SHA256SUMS"
  customize_script  = var.customize_script != "" ? var.customize_script : "${path.root}/scripts/customize.sh"
}

source "qemu" "cloudimg" {
  iso_url          = local.cloudimg_url
  iso_checksum     = local.cloudimg_checksum
  disk_image       = true
  use_backing_file = true
  format           = "qcow2"
  disk_size        = var.disk_size
  qemu_img_args {
    create = ["-F", "qcow2"]
  }

  efi_firmware_code = var.ovmf_code
  efi_firmware_vars = var.ovmf_vars
  efi_drop_efivars  = true
  memory            = 2048
  cpus              = 2
  headless          = var.headless

  cd_label = "cidata"
  cd_content = {
    "meta-data" = "instance-id: kiln-maas-build\nlocal-hostname: kiln-maas-build\n"
    "user-data" = templatefile("user-data.pkrtpl.hcl", { password = var.ssh_password })
  }

  ssh_username           = "ubuntu"
  ssh_password           = var.ssh_password
  ssh_timeout            = var.timeout
  ssh_handshake_attempts = 100
  shutdown_command       = "echo '${var.ssh_password}' | sudo -S shutdown -P now"
  output_directory       = "output-cloudimg"
}

build {
  name    = "cloudimg"
  sources = ["source.qemu.cloudimg"]

  provisioner "shell" {
    execute_command = "echo '${var.ssh_password}' | {{ .Vars }} sudo -S -E sh -eu '{{ .Path }}'"
    scripts         = ["${path.root}/scripts/setup.sh"]
  }

  provisioner "shell" {
    execute_command   = "echo '${var.ssh_password}' | {{ .Vars }} sudo -S -E sh -eu '{{ .Path }}'"
    expect_disconnect = true
    scripts           = [local.customize_script]
  }

  provisioner "file" {
    destination = "/tmp/"
    sources     = ["${path.root}/curtin/curtin-hooks"]
  }

  provisioner "shell" {
    environment_vars = ["CLOUDIMG_CUSTOM_KERNEL=${var.kernel}"]
    execute_command  = "echo '${var.ssh_password}' | {{ .Vars }} sudo -S -E sh -eu '{{ .Path }}'"
    scripts          = ["${path.root}/scripts/setup-curtin.sh"]
  }

  provisioner "shell" {
    execute_command = "echo '${var.ssh_password}' | {{ .Vars }} sudo -S -E sh -eu '{{ .Path }}'"
    scripts         = ["${path.root}/scripts/cleanup.sh"]
  }
}
