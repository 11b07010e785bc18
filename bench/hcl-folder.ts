/** The generated HCL folder the template benchmark (and a profiling driver) measure on. */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** A realistic folder: variables, locals, qemu sources and builds with provisioners, about `lines` lines. */
export function generateHclFolder(dir: string, lines: number): number {
  mkdirSync(dir, { recursive: true });
  const vars: string[] = [];
  const sources: string[] = [];
  const builds: string[] = [];
  let count = 0;
  let i = 0;
  while (count < lines) {
    vars.push(
      `variable "disk_size_${i}" {\n  type        = string\n  default     = "${8 + (i % 10)}G"\n  description = "Disk size of image ${i}"\n}\n\n`,
    );
    sources.push(
      `source "qemu" "image_${i}" {\n  iso_url          = "https://example.org/images/\${var.disk_size_${i}}/image-${i}.iso"\n  iso_checksum     = "sha256:${'ab'.repeat(32)}"\n  disk_size        = var.disk_size_${i}\n  memory           = ${1024 + i}\n  cpus             = 2\n  format           = "qcow2"\n  headless         = true\n  accelerator      = "tcg"\n  communicator     = "none"\n  shutdown_timeout = "30m"\n  output_directory = "output-\${source.name}"\n  boot_command     = ["<esc><wait>", "linux ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks-${i}.cfg<enter>"]\n  qemuargs = [\n    ["-m", "${1024 + i}M"],\n    ["-smp", "2"],\n  ]\n}\n\n`,
    );
    builds.push(
      `build {\n  name    = "build_${i}"\n  sources = ["source.qemu.image_${i}"]\n\n  provisioner "shell-local" {\n    inline = [\n      "echo building \${source.name} of size \${var.disk_size_${i}}",\n      "echo ${i}",\n    ]\n  }\n\n  post-processor "checksum" {\n    checksum_types = ["sha256"]\n    output         = "output-\${source.name}/SHA256SUMS"\n  }\n}\n\n`,
    );
    count = [vars, sources, builds].flat().join('').split('\n').length;
    i++;
  }
  writeFileSync(join(dir, 'variables.pkr.hcl'), vars.join(''));
  writeFileSync(join(dir, 'sources.pkr.hcl'), sources.join(''));
  writeFileSync(join(dir, 'builds.pkr.hcl'), builds.join(''));
  return count;
}
