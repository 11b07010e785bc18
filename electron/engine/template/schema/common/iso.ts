/**
 * The ISO/image source keys (packer-plugin-sdk commonsteps.ISOConfig). Packer resolves `iso_checksum`
 * during Prepare, which downloads `file:` checksum lists; Kiln only checks the syntax here and leaves
 * any fetching to the builder, so validation never touches the network.
 */
import { known, str, stringList } from '../fields';
import { goQuote } from '../go';
import type { FieldsOf, PrepareContext } from '../types';

export interface IsoConfig {
  /**
   * After Prepare: `none`, `<type>:<lower-case hex>` (md5, sha1, sha256, sha512), or `file:<url or path>`
   * for the builder to resolve.
   */
  iso_checksum: string;
  /** After Prepare this is empty: its value is the first entry of iso_urls (as Packer does). */
  iso_url: string;
  /** After Prepare: every URL to try, in order. */
  iso_urls: string[];
  iso_target_path: string;
  iso_target_extension: string;
}

export const ISO_FIELDS: FieldsOf<IsoConfig> = {
  iso_checksum: str(
    'Checksum of the ISO or disk image: `sha256:<hex>`, a bare hex value, `file:<url>`, or `none`.',
    {
      details:
        'The type may be omitted and is then guessed from the length (md5, sha1, sha256, sha512). ' +
        "`file:` names a checksum list (`SHA256SUMS`, local path or URL) in which the image's file name is looked up. " +
        '`none` skips verification (Packer warns). Examples: `sha256:ed3633…`, `file:https://releases.ubuntu.com/24.04/SHA256SUMS`.',
      required: true,
    },
  ),
  iso_url: str('URL or path of the installer ISO, or of the disk image when `disk_image` is true.', {
    details:
      'Local paths, `file://`, `http(s)://` URLs are accepted. Exactly one of `iso_url` and `iso_urls` must be set.',
    required: 'unless iso_urls is set',
  }),
  iso_urls: stringList('Several URLs of the same file, tried in order.', {
    required: 'unless iso_url is set',
  }),
  iso_target_path: str('Where the downloaded file is kept; by default a hashed name in the Packer cache.', {
    path: 'file',
  }),
  iso_target_extension: str('File extension of the downloaded file.', {
    default: { value: 'iso', text: 'iso' },
  }),
};

/** commonsteps.ISOConfig.Prepare, with checksum syntax checked locally. */
export function prepareIso(ctx: PrepareContext<IsoConfig>): void {
  const d = ctx.draft;
  if (!known(d.iso_urls) || !known(d.iso_url)) return;
  if (d.iso_urls.length !== 0 && d.iso_url !== '') {
    ctx.error('Only one of iso_url or iso_urls must be specified', 'iso_urls');
    return;
  }
  if (d.iso_url !== '') {
    d.iso_urls = [d.iso_url, ...d.iso_urls];
    d.iso_url = '';
  }
  if (d.iso_urls.length === 0) {
    ctx.error('One of iso_url or iso_urls must be specified');
    return;
  }
  if (d.iso_target_extension === '') d.iso_target_extension = 'iso';
  if (known(d.iso_target_extension)) d.iso_target_extension = d.iso_target_extension.toLowerCase();

  const checksum = d.iso_checksum;
  if (!known(checksum)) return;
  if (checksum === 'none') {
    ctx.warning(
      "A checksum of 'none' was specified. Since ISO files are so big,\na checksum is highly recommended.",
      'iso_checksum',
    );
    return;
  }
  if (checksum === '') {
    ctx.error('A checksum must be specified', 'iso_checksum');
    return;
  }
  const parsed = parseChecksum(checksum);
  if ('error' in parsed) ctx.error(`${parsed.error} in ${goQuote(checksum)}`, 'iso_checksum');
  else d.iso_checksum = parsed.normalized;
  if (
    !checksum.startsWith('file:') &&
    ('error' in parsed ? checksum : parsed.normalized).toLowerCase().endsWith('.iso')
  ) {
    ctx.error('Error parsing checksum: .iso is not a valid checksum ending', 'iso_checksum');
  }
}

const HASH_BYTES: Record<number, string> = { 16: 'md5', 20: 'sha1', 32: 'sha256', 64: 'sha512' };

/**
 * go-getter's checksum parsing without the fetch: `type:hex`, bare hex (type from its length) or
 * `file:<location>` (kept for the builder). Errors carry go-getter's wording.
 */
export function parseChecksum(value: string): { normalized: string; type: string } | { error: string } {
  const colon = value.indexOf(':');
  if (colon >= 0) {
    const type = value.slice(0, colon);
    const rest = value.slice(colon + 1);
    if (type === 'file') return { normalized: value, type: 'file' };
    const hex = decodeHex(rest);
    if ('error' in hex) return { error: `invalid checksum: ${hex.error}` };
    const lower = type.toLowerCase();
    if (!['md5', 'sha1', 'sha256', 'sha512'].includes(lower))
      return { error: `unsupported checksum type: ${type}` };
    return { normalized: `${lower}:${hex.hex}`, type: lower };
  }
  const hex = decodeHex(value);
  if ('error' in hex) return { error: `invalid checksum: ${hex.error}` };
  const type = HASH_BYTES[hex.hex.length / 2];
  if (type === undefined) return { error: `Unknown type for checksum ${value}` };
  return { normalized: `${type}:${hex.hex}`, type };
}

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

/** encoding/hex.DecodeString's errors (an invalid byte is reported before an odd length). */
function decodeHex(text: string): { hex: string } | { error: string } {
  // Real checksums are ASCII, whose UTF-8 bytes are its char codes: no encoder to make and run.
  const encoded = ASCII.test(text) ? undefined : new TextEncoder().encode(text);
  const length = encoded ? encoded.length : text.length;
  const byteAt = (k: number): number => (encoded ? encoded[k] : text.charCodeAt(k));
  const isHex = (b: number) => (b >= 48 && b <= 57) || (b >= 65 && b <= 70) || (b >= 97 && b <= 102);
  const invalid = (b: number) => {
    const code = 'U+' + b.toString(16).toUpperCase().padStart(4, '0');
    const printable = b >= 0x20 && b < 0x7f;
    return { error: `encoding/hex: invalid byte: ${code}${printable ? ` '${String.fromCharCode(b)}'` : ''}` };
  };
  let j = 1;
  for (; j < length; j += 2) {
    if (!isHex(byteAt(j - 1))) return invalid(byteAt(j - 1));
    if (!isHex(byteAt(j))) return invalid(byteAt(j));
  }
  if (length % 2 === 1) {
    if (!isHex(byteAt(j - 1))) return invalid(byteAt(j - 1));
    return { error: 'encoding/hex: odd length hex string' };
  }
  return { hex: text.toLowerCase() };
}
