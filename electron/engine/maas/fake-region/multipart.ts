/** The request bodies MAAS's create accepts: form-urlencoded, multipart/form-data (the MAAS CLI) and JSON. */

export interface ParsedForm {
  fields: Map<string, string>;
  files: Map<string, Buffer>;
}

export function parseFormBody(contentType: string | undefined, body: Buffer): ParsedForm {
  const fields = new Map<string, string>();
  const files = new Map<string, Buffer>();
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) fields.set(k, v);
  } else if (type.startsWith('multipart/form-data')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
    if (boundary) parseMultipart(body, boundary, fields, files);
  } else if (type.startsWith('application/json')) {
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
          if (v === null || v === undefined) continue;
          // Python's str(): True/False for booleans.
          fields.set(k, typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));
        }
      }
    } catch {
      // Not JSON: no data, like an unparseable body in Django.
    }
  }
  return { fields, files };
}

function parseMultipart(
  body: Buffer,
  boundary: string,
  fields: Map<string, string>,
  files: Map<string, Buffer>,
) {
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    // Part = CRLF headers CRLF CRLF content CRLF
    const part = body.subarray(start + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const content = part.subarray(headerEnd + 4);
      const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
      const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
      const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
      if (name !== undefined) {
        if (filename !== undefined) files.set(name, Buffer.from(content));
        else fields.set(name, content.toString('utf8'));
      }
    }
    pos = next;
  }
}

/** Django's `limited_parse_qsl` field count (DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000). */
export function countFormFields(body: Buffer): number {
  let count = 1;
  for (const byte of body) if (byte === 0x26) count++;
  return count;
}
