variable "ubuntu_series" {
  type        = string
  default     = "noble"
  description = "The Ubuntu series the base cloud image comes from (jammy, noble, ...)."
}

variable "architecture" {
  type        = string
  default     = "amd64"
  description = "The image architecture (amd64)."
}

variable "cloudimg_url" {
  type        = string
  default     = ""
  description = "The base cloud image (URL or local path). Empty: Canonical's current image of ubuntu_series."
}

variable "cloudimg_checksum" {
  type        = string
  default     = ""
  description = "Checksum of the base image (`sha256:<hex>`, `file:<SHA256SUMS url>` or `none`). Empty: Canonical's SHA256SUMS."
}

variable "disk_size" {
  type        = string
  default     = "8G"
  description = "Size of the built disk."
}

variable "ovmf_code" {
  type        = string
  default     = "/usr/share/OVMF/OVMF_CODE_4M.fd"
  description = "UEFI firmware code (OVMF). Kiln finds OVMF itself when this file does not exist."
}

variable "ovmf_vars" {
  type        = string
  default     = "/usr/share/OVMF/OVMF_VARS_4M.fd"
  description = "UEFI variable store template; each build gets its own copy."
}

variable "headless" {
  type        = bool
  default     = true
  description = "Run the VM without a window (its console is in Kiln either way)."
}

variable "ssh_password" {
  type        = string
  default     = "ubuntu"
  sensitive   = true
  description = "Password of the ubuntu user during the build (the image ships with it locked)."
}

variable "customize_script" {
  type        = string
  default     = ""
  description = "Your own customisation script, run as root inside the image. Empty: scripts/customize.sh of this template."
}

variable "kernel" {
  type        = string
  default     = ""
  description = "A kernel package for MAAS to install at deployment (curtin reads /curtin/CUSTOM_KERNEL). Empty: MAAS picks one."
}

variable "timeout" {
  type        = string
  default     = "1h"
  description = "How long the build may wait for SSH."
}

variable "filename" {
  type        = string
  default     = "custom-cloudimg.tar.gz"
  description = "The MAAS tarball (filetype tgz) the build writes, relative to the working directory."
}

variable "maas_profile" {
  type        = string
  default     = ""
  description = "A saved MAAS connection (`kiln maas login PROFILE URL KEY`) to upload the tarball to. Empty: no upload."
}

variable "maas_image_name" {
  type        = string
  default     = "custom/ubuntu-cloudimg"
  description = "The boot resource name in MAAS (custom/NAME); uploading the same name replaces the image."
}

variable "maas_image_title" {
  type        = string
  default     = "Ubuntu custom cloud image (Kiln)"
  description = "The title MAAS shows for the image."
}
