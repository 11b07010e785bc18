variable "iso_url" {
  type        = string
  default     = "https://releases.ubuntu.com/24.04/ubuntu-24.04.2-live-server-amd64.iso"
  description = "The installer ISO to boot."
}

variable "iso_checksum" {
  type        = string
  default     = "file:https://releases.ubuntu.com/24.04/SHA256SUMS"
  description = "The ISO's checksum, or a file: URL of a checksum list that names it."
}

variable "ssh_username" {
  type        = string
  default     = "ubuntu"
  description = "The user autoinstall creates (see http/user-data)."
}

variable "ssh_password" {
  type        = string
  default     = "ubuntu"
  sensitive   = true
  description = "That user's password, used over SSH until cleanup locks it."
}

variable "disk_size" {
  type    = string
  default = "8G"
}

variable "memory" {
  type    = number
  default = 2048
}

variable "cpus" {
  type    = number
  default = 2
}

variable "headless" {
  type        = bool
  default     = true
  description = "Run without a window; watch the VM's screen in Kiln's console instead."
}
