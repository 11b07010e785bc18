# Pass as a variable file to change the release or the VM's size.
disk_size = "12G"
memory    = 4096
cpus      = 4
