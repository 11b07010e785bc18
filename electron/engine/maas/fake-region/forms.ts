/**
 * `BootResourceForm` / `BootResourceNoContentForm` validation as Django runs it: fields cleaned in the
 * form's field order (each error under its field, Django's standard messages plus MAAS's), then the
 * model's own checks. Sources: MAAS `forms/__init__.py` (3.4, 3.7, master) and the reference §2.1/§5.
 */
import { pyListRepr } from './python';
import { UPLOAD_FILETYPES, type FakeResource, type MaasVersionProfile, type VersionTraits } from './model';

/** Ubuntu series known to python-distro-info (what `UbuntuOS.is_release_supported` accepts). */
const UBUNTU_SERIES = new Set(
  (
    'warty hoary breezy dapper edgy feisty gutsy hardy intrepid jaunty karmic lucid maverick natty oneiric ' +
    'precise quantal raring saucy trusty utopic vivid wily xenial yakkety zesty artful bionic cosmic disco ' +
    'eoan focal groovy hirsute impish jammy kinetic lunar mantic noble oracular plucky questing resolute'
  ).split(' '),
);

export interface FormContext {
  profile: MaasVersionProfile;
  traits: VersionTraits;
  usableArchitectures: readonly string[];
  /** `os/release` pairs of the boot-source cache: reserved names. */
  bootSourceCache: readonly string[];
  /** `commissioning_osystem/commissioning_distro_series`, the default base image. */
  commissioningBase: string;
  /** The uploaded resource with this (cleaned) name and architecture, if any. */
  findUploaded(name: string, architecture: string): FakeResource | undefined;
  /** A multipart `content` file was sent (≤3.7 single-shot upload). */
  hasContent: boolean;
}

export interface CleanedCreate {
  name: string;
  title: string;
  architecture: string;
  filetype: string;
  sha256?: string;
  size?: number;
  keepOld: boolean;
  baseImage: string;
}

export type CreateValidation =
  | { ok: true; cleaned: CleanedCreate }
  | { ok: false; errors: Record<string, string[]> }
  /** Something Django does not catch (a 500 with `str(exception)`). */
  | { ok: false; crash: string };

const REQUIRED = 'This field is required.';

/** Django's `CharField.clean`: strip, required check. */
function cleanChar(data: Map<string, string>, key: string, required: boolean): string | { error: string } {
  const raw = data.get(key);
  const value = raw === undefined ? '' : raw.trim();
  if (required && value === '') return { error: REQUIRED };
  return value;
}

function lengthMessage(kind: 'least' | 'most', limit: number, actual: number): string {
  return `Ensure this value has at ${kind} ${limit} character${limit === 1 ? '' : 's'} (it has ${actual}).`;
}

/** Django's `IntegerField.to_python`: Python's `int()` after dropping a trailing `.0`. */
function cleanInteger(raw: string | undefined): number | { error: string } {
  if (raw === undefined || raw.trim() === '') return { error: REQUIRED };
  const text = raw.replace(/\.0*\s*$/, '').trim();
  if (!/^[+-]?\d+(?:_\d+)*$/.test(text)) return { error: 'Enter a whole number.' };
  return Number(text.replace(/_/g, ''));
}

export function validateCreate(data: Map<string, string>, ctx: FormContext): CreateValidation {
  const errors: Record<string, string[]> = {};
  const cleaned: Partial<CleanedCreate> = {};
  const add = (field: string, message: string) => (errors[field] ??= []).push(message);
  const hasErrors = () => Object.keys(errors).length > 0;
  const withContent = ctx.hasContent && ctx.traits.acceptsContent;

  // Field order of the form MAAS builds (Meta.fields first, then the declared extras).
  const order = withContent
    ? ['name', 'title', 'architecture', 'filetype', 'content', 'base_image', 'keep_old']
    : ctx.profile === 'master'
      ? ['name', 'title', 'architecture', 'filetype', 'sha256', 'size', 'base_image', 'keep_old']
      : ['name', 'title', 'architecture', 'filetype', 'sha256', 'size', 'keep_old', 'base_image'];

  for (const field of order) {
    switch (field) {
      case 'name': {
        const value = cleanChar(data, 'name', true);
        if (typeof value !== 'string') {
          add('name', value.error);
          break;
        }
        const result = cleanName(value, ctx);
        if ('crash' in result) return { ok: false, crash: result.crash };
        if ('error' in result) add('name', result.error);
        else cleaned.name = result.name;
        break;
      }
      case 'title': {
        const value = cleanChar(data, 'title', false);
        cleaned.title = typeof value === 'string' ? value : '';
        break;
      }
      case 'architecture': {
        // ChoiceField: no strip; the choices are the usable architectures (or only '' when none).
        const value = data.get('architecture') ?? '';
        const choices = ctx.usableArchitectures.length ? [...ctx.usableArchitectures].sort() : [''];
        if (value === '') add('architecture', REQUIRED);
        else if (!choices.includes(value)) {
          add(
            'architecture',
            `'${value}' is not a valid architecture.  It should be one of: ${choices.map((c) => `'${c}'`).join(', ')}.`,
          );
        } else cleaned.architecture = value;
        break;
      }
      case 'filetype': {
        const value = data.get('filetype') ?? '';
        if (value === '') add('filetype', REQUIRED);
        else if (!(value in UPLOAD_FILETYPES)) {
          add('filetype', `Select a valid choice. ${value} is not one of the available choices.`);
        } else cleaned.filetype = value;
        break;
      }
      case 'content':
        break;
      case 'sha256': {
        const value = cleanChar(data, 'sha256', true);
        if (typeof value !== 'string') add('sha256', value.error);
        else if (value.length < 64) add('sha256', lengthMessage('least', 64, value.length));
        else if (value.length > 64) add('sha256', lengthMessage('most', 64, value.length));
        else cleaned.sha256 = value;
        break;
      }
      case 'size': {
        const value = cleanInteger(data.get('size'));
        if (typeof value !== 'number') add('size', value.error);
        else cleaned.size = value;
        break;
      }
      case 'keep_old': {
        const raw = data.get('keep_old');
        cleaned.keepOld = raw !== undefined && raw !== '' && !['false', '0'].includes(raw.toLowerCase());
        break;
      }
      case 'base_image': {
        const result = cleanBaseImage(data, cleaned, ctx, hasErrors());
        if ('error' in result) add('base_image', result.error);
        else cleaned.baseImage = result.value;
        break;
      }
    }
  }

  // The model's own field checks (`_post_clean`): name is a CharField(max_length=255, blank=False).
  if (cleaned.name !== undefined) {
    if (cleaned.name === '') add('name', 'This field cannot be blank.');
    else if (cleaned.name.length > 255) add('name', lengthMessage('most', 255, cleaned.name.length));
  }

  if (hasErrors()) return { ok: false, errors };
  return {
    ok: true,
    cleaned: {
      name: cleaned.name ?? '',
      title: cleaned.title ?? '',
      architecture: cleaned.architecture ?? '',
      filetype: cleaned.filetype ?? 'tgz',
      sha256: cleaned.sha256,
      size: cleaned.size,
      keepOld: cleaned.keepOld ?? false,
      baseImage: cleaned.baseImage ?? '',
    },
  };
}

function cleanName(name: string, ctx: FormContext): { name: string } | { error: string } | { crash: string } {
  let result = name;
  if (name.includes('/')) {
    const parts = name.split('/');
    // `osystem, release = name.split("/")`: a ValueError Django does not catch.
    if (parts.length > 2) return { crash: 'too many values to unpack (expected 2)' };
    const [osystem, release] = parts;
    if (osystem === 'custom' && ctx.traits.stripCustomPrefix) result = release;
    else if (
      !ctx.traits.osystems.includes(osystem) &&
      !(osystem === 'custom' && !ctx.traits.stripCustomPrefix)
    ) {
      return {
        error: `Unsupport operating system ${osystem}, supported operating systems: ${pyListRepr(ctx.traits.osystems)}`,
      };
    }
  }
  const reserved = new Set<string>(ctx.bootSourceCache);
  for (const pair of ctx.bootSourceCache) for (const part of pair.split('/')) reserved.add(part);
  for (const os of ctx.traits.osystems) reserved.add(os);
  if (reserved.has(result) || /^centos\d\d?$/.test(result)) return { error: `${result} is a reserved name` };
  return { name: result };
}

function cleanBaseImage(
  data: Map<string, string>,
  cleaned: Partial<CleanedCreate>,
  ctx: FormContext,
  formHasErrors: boolean,
): { value: string } | { error: string } {
  const rawName = data.get('name') ?? '';
  const split = rawName.split('/');
  if (split.length > 1 && split[0] !== 'custom') return { value: '' };

  const given = (data.get('base_image') ?? '').trim();
  let base = given;
  let unpackFailed = false;
  if (!base) {
    // `super().save(commit=False)` raises ValueError when the form already has errors.
    if (formHasErrors || cleaned.name === undefined || cleaned.architecture === undefined)
      unpackFailed = true;
    else base = ctx.findUploaded(cleaned.name, cleaned.architecture)?.baseImage ?? '';
  }
  const parts = base.split('/');
  if (unpackFailed || parts.length !== 2) {
    if (!data.get('base_image')) return { value: ctx.commissioningBase };
    return { error: 'a base image must follow the format: <osystem>/<series>' };
  }
  const [os, series] = [parts[0].toLowerCase(), parts[1].toLowerCase()];
  if (!ctx.traits.linuxOsystems.includes(os)) {
    return { error: 'custom images require a valid non-custom OS type base image' };
  }
  const supported = ctx.traits.osystems.includes(os) && (os !== 'ubuntu' || UBUNTU_SERIES.has(series));
  if (!supported) return { error: 'please select a valid base image OS and version' };
  return { value: `${os}/${series}` };
}
