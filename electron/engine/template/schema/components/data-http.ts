/** The http data source (packer `datasource/http`): fetch a URL while the template loads. */
import { known, str, stringMap } from '../fields';
import type { ComponentSchema, FieldMap, FieldsOf } from '../types';

export interface HttpDataSourceConfig {
  url: string;
  /** `HEAD`, `GET`, `POST`, `PUT`, `DELETE`, `OPTIONS` or `PATCH`. */
  method: string;
  request_headers: Record<string, string>;
  request_body: string;
}

export const HTTP_METHODS = ['HEAD', 'GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];

const FIELDS: FieldsOf<HttpDataSourceConfig> = {
  url: str('The URL to request; it must answer 2xx with a text/* or application/json body.', {
    required: true,
  }),
  method: str('The HTTP method.', { default: { value: 'GET', text: 'GET' }, allowed: HTTP_METHODS }),
  request_headers: stringMap('Extra request headers.'),
  request_body: str('The request body.'),
};

/** What `data.http.<name>` exposes. */
export const HTTP_DATA_OUTPUTS: FieldMap = {
  url: str('The URL that was requested.'),
  body: str('The response body.'),
  request_headers: stringMap('The response headers (repeated headers joined with commas).'),
};

export const httpDataSource: ComponentSchema<HttpDataSourceConfig> = {
  kind: 'data',
  type: 'http',
  pluginId: '',
  doc: 'Fetches a URL when the template is loaded; use `data.http.<name>.body` in expressions.',
  details: 'Kiln evaluates it only for trusted templates, since it reaches the network while loading.',
  fields: FIELDS,
  outputs: HTTP_DATA_OUTPUTS,
  prepare(ctx) {
    const d = ctx.draft;
    if (d.url === '') ctx.error('the `url` must be specified', 'url');
    if (d.method === '') d.method = 'GET';
    if (known(d.method) && !HTTP_METHODS.includes(d.method)) {
      ctx.error(`the \`method\` must be one of [${HTTP_METHODS.join(' ')}]`, 'method');
    }
  },
};
