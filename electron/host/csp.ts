/**
 * The Content Security Policy of Kiln's UI, for both the Electron window and the web host. Scripts and
 * workers come only from Kiln's own origin (Monaco's workers are bundled files, so no blob: or eval is
 * needed); styles allow inline because Monaco writes <style> elements at run time for its themes and
 * decorations; nothing may be framed, posted or fetched from anywhere else.
 */
export function contentSecurityPolicy(options: { connect?: string[] } = {}): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'none'"],
    'script-src': ["'self'"],
    'worker-src': ["'self'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", ...(options.connect ?? [])],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
    'frame-ancestors': ["'none'"],
    'object-src': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}
