/** Parses one HCL2 template file; `.pkr.json` (HCL's JSON syntax) is named as unsupported rather than misread. */
import type { File } from '../hcl/ast';
import { parseHclFile } from '../hcl/parser';
import type { Diagnostic } from '../source';
import { error } from '../source';
import { HCL_JSON_CONFIG_SUFFIX } from './files';

export function parseHclSource(file: string, text: string): { file?: File; diagnostics: Diagnostic[] } {
  if (file.endsWith(HCL_JSON_CONFIG_SUFFIX)) {
    return {
      diagnostics: [
        error(
          'HCL JSON syntax is not supported',
          `${file}: Kiln reads HCL2 templates in native syntax (*.pkr.hcl) and legacy JSON templates (*.json). Convert this file to *.pkr.hcl.`,
        ),
      ],
    };
  }
  return parseHclFile(file, text);
}
