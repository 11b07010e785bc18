/** Kiln's own version, and the Packer version whose template semantics it follows (for packer_version, min_packer_version). */
export const KILN_VERSION = '0.1.0';
export const PACKER_COMPAT_VERSION = '1.11.2';
