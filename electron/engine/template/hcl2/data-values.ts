/**
 * What `data.<type>.<name>` evaluates to once a build has run the data sources. Until then (validate,
 * the editor) every data source is unknown; the build runs them and loads the template again with these.
 */
import { Value } from '../hcl/values';
import { STRING } from '../hcl/types';

/** Data source outputs by address (`data.http.release`). */
export type DataSourceValues = ReadonlyMap<string, Value>;

export interface HttpDataOutput {
  url: string;
  body: string;
  /** Response headers, Go-canonical names, repeated headers joined with ", ". */
  responseHeaders: Record<string, string>;
}

/** `data.http.<name>`: Packer exposes the response headers as `request_headers` (its name, kept). */
export function httpDataValue(output: HttpDataOutput): Value {
  const headers = Object.entries(output.responseHeaders).map(([name, value]): [string, Value] => [
    name,
    Value.string(value),
  ]);
  return Value.object({
    url: Value.string(output.url),
    body: Value.string(output.body),
    request_headers: Value.map(headers, STRING),
  });
}
