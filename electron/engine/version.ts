/** Kiln's own version, and the Packer version whose template semantics it follows (for packer_version, min_packer_version). */
export const KILN_VERSION = '0.1.0';
/**
 * The newest Packer release whose template language Kiln covers (docs/hcl-eval.md, "Packer version"):
 * every HCL function, block and argument added up to 1.15.4 is there. 1.16.0 adds the provisioner
 * meta-argument `continue_on_error`, which Kiln's builds do not honour, so Kiln does not claim it.
 */
export const PACKER_COMPAT_VERSION = '1.15.4';
