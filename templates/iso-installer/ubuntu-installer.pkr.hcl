# Ubuntu Server from its installer ISO, for MAAS.

packer {
  required_version = ">= 1.7.0"
}

source "qemu" "installer" {
  iso_url      = var.iso_url
  iso_checksum = var.iso_checksum

  output_directory = "output-installer"
  vm_name          = "ubuntu-custom.img"
  format           = "raw"
  disk_size        = var.disk_size
  memory           = var.memory
  cpus             = var.cpus
  headless         = var.headless

  # UEFI, as MAAS deploys it.
  efi_boot          = true
  efi_firmware_code = "/usr/share/OVMF/OVMF_CODE_4M.fd"
  efi_firmware_vars = "/usr/share/OVMF/OVMF_VARS_4M.fd"

  # autoinstall reads http/user-data from Packer's HTTP server.
  http_directory = "${path.root}/http"
  boot_wait      = "5s"
  boot_command = [
    "c<wait>",
    "linux /casper/vmlinuz --- autoinstall 'ds=nocloud-net;s=http://{{ .HTTPIP }}:{{ .HTTPPort }}/'<enter><wait>",
    "initrd /casper/initrd<enter><wait>",
    "boot<enter>",
  ]

  communicator           = "ssh"
  ssh_username           = var.ssh_username
  ssh_password           = var.ssh_password
  ssh_timeout            = "45m"
  ssh_handshake_attempts = 200
  shutdown_command       = "echo '${var.ssh_password}' | sudo -S shutdown -P now"
}

build {
  name    = "ubuntu-custom"
  sources = ["source.qemu.installer"]

  # What goes into the image.
  provisioner "shell" {
    execute_command = "echo '${var.ssh_password}' | sudo -S -E sh -eux '{{ .Path }}'"
    scripts         = ["${path.root}/scripts/setup.sh"]
  }

  # Enable to look around the VM before it is cleaned.
  provisioner "breakpoint" {
    disable = true
    note    = "The image is customised; cleanup comes next."
  }

  # Leave nothing MAAS would trip over.
  provisioner "shell" {
    execute_command = "echo '${var.ssh_password}' | sudo -S -E sh -eux '{{ .Path }}'"
    scripts         = ["${path.root}/scripts/cleanup.sh"]
  }

  post-processor "checksum" {
    checksum_types = ["sha256"]
    output         = "output-installer/{{ .BuildName }}.{{ .ChecksumType }}"
  }
}
