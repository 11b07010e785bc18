/**
 * MAAS's rules for a boot resource's name and base_image (reference notes on the boot-resources API,
 * §2.1 `clean_name`, BootResourceForm): checked before upload so the region never has to refuse it.
 */

/** The operating systems MAAS registers (a name `os/series` must use one). */
export const MAAS_OSYSTEMS = [
  'ubuntu',
  'centos',
  'rhel',
  'ol',
  'custom',
  'windows',
  'esxi',
  'suse',
  'ubuntu-core',
] as const;
/** The only OSes a custom image's base_image may name. */
export const BASE_IMAGE_OSYSTEMS = ['ubuntu', 'centos', 'rhel', 'ol'] as const;

export interface NameProblem {
  field: 'name' | 'base_image';
  message: string;
}

export interface ParsedName {
  /** The OS part (`custom` for bare names). */
  osystem: string;
  release: string;
  /** Names MAAS treats as custom images (no `/`, or `custom/...`): these take a base_image. */
  custom: boolean;
}

export function parseName(name: string): ParsedName | NameProblem {
  if (!name) return { field: 'name', message: 'the name is empty' };
  const slashes = name.split('/').length - 1;
  if (slashes > 1)
    return {
      field: 'name',
      message: `"${name}" has ${slashes} slashes; MAAS takes os/series or custom/name (more slashes make the region fail with a server error)`,
    };
  if (slashes === 0) {
    if ((MAAS_OSYSTEMS as readonly string[]).includes(name) || /^centos\d\d?$/.test(name)) {
      return { field: 'name', message: `"${name}" is a reserved name in MAAS` };
    }
    return { osystem: 'custom', release: name, custom: true };
  }
  const [osystem, release] = name.split('/');
  if (!release) return { field: 'name', message: `"${name}" has no release after the slash` };
  if (!(MAAS_OSYSTEMS as readonly string[]).includes(osystem)) {
    return {
      field: 'name',
      message: `unsupported operating system "${osystem}"; MAAS supports ${MAAS_OSYSTEMS.join(', ')} (or use custom/${release})`,
    };
  }
  return { osystem, release, custom: osystem === 'custom' };
}

export function checkBaseImage(baseImage: string): NameProblem | undefined {
  const parts = baseImage.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1])
    return {
      field: 'base_image',
      message: `"${baseImage}" must follow the format <osystem>/<series>, e.g. rhel/9 or ubuntu/noble`,
    };
  if (!(BASE_IMAGE_OSYSTEMS as readonly string[]).includes(parts[0])) {
    return {
      field: 'base_image',
      message: `"${parts[0]}" cannot be a base image OS; MAAS accepts ${BASE_IMAGE_OSYSTEMS.join(', ')}`,
    };
  }
  return undefined;
}
