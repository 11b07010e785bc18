# Kiln's MAAS starter: a customised Ubuntu cloud image for MAAS, shaped like canonical/packer-maas's
# ubuntu-cloudimg. The VM boots the cloud image on a backing file with a NoCloud seed (cd_content,
# label cidata), provisioning runs over SSH, curtin hooks are copied in, and the image is cleaned for
# MAAS (cloud-init state, machine-id, host keys, netplan). The build ends as packer-maas's does, with
# the root file system as a MAAS tarball (custom-cloudimg.tar.gz, filetype tgz), checked for what MAAS
# and curtin trip on; with maas_profile set it is also uploaded to that MAAS region.

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

  # packer-maas's tarball step (fuse-nbd + fuse-tar-root), done by Kiln without root or FUSE: the root
  # partition (found by its contents; /boot from an XBOOTLDR partition when there is one) as a tgz,
  # then the readiness check. The built disk stays in output-cloudimg/.
  post-processors {
    post-processor "maas-image" {
      name     = "tarball"
      filetype = "tgz"
      output   = var.filename
    }

    # Only with maas_profile set: a build never talks to a MAAS region unless asked, and the profile
    # (`kiln maas login PROFILE URL KEY`) says which one. The upload checks the image again and stops on
    # errors; uploading the same name again replaces the image.
    post-processor "maas-upload" {
      name       = "upload"
      except     = var.maas_profile == "" ? ["qemu.cloudimg"] : []
      profile    = var.maas_profile
      image_name = var.maas_image_name
      title      = var.maas_image_title
      # The build's arch ("amd64") in MAAS's arch/subarch form.
      architecture = "${var.architecture}/generic"
    }
  }
}
