# A quick start: no virtual machine, just the steps of a build.

variable "greeting" {
  type        = string
  default     = "Hello from Kiln"
  description = "What the first provisioner prints."
}

source "null" "example" {
  communicator = "none"
}

build {
  name    = "quickstart"
  sources = ["source.null.example"]

  # Runs on this machine, not in a VM.
  provisioner "shell-local" {
    inline = ["echo '${var.greeting} (${source.name})'"]
  }

  # Enable this breakpoint to pause the build here.
  provisioner "breakpoint" {
    disable = true
    note    = "Paused between the two provisioners."
  }

  provisioner "shell-local" {
    inline = ["echo 'Build ${build.name} is done.'"]
  }

  post-processor "manifest" {
    output     = "manifest.json"
    strip_path = true
  }
}
