import { describe, expect, it } from 'vitest';
import { memoryHost } from '../host';
import type { FuncMap } from './exec';
import { GO_CASES } from './go-cases.fixture';
import {
  InterpolationError,
  executeTemplate,
  maskSensitive,
  placeholderBuildData,
  render,
  renderOnce,
} from './interpolate';
import { formatGoTime, strftime } from './timefmt';
import { GoFloat, GoStruct } from './values';

/*
 * GO_CASES were recorded by running Go 1.19's text/template on each template with the functions and
 * data below (the same harness in Go and here): `template.New("root").Funcs(funcs).Parse(s)`, then
 * Execute with the map data, or the struct `*main.S{Vars, Path}` for cases prefixed `STRUCT:`.
 */
const funcs: FuncMap = {
  env: {
    params: ['string'],
    call: () => {
      throw new Error('env vars are not allowed here');
    },
  },
  split: {
    params: ['string', 'string', 'int'],
    call: ([k, s, i]) => {
      const parts = (k as string).split(s as string);
      if (parts.length <= (i as number)) {
        throw new Error(
          `the substring ${i} was unavailable using the separator value, ${s}, only ${parts.length} values were found`,
        );
      }
      return parts[i as number];
    },
  },
  user: { params: ['string'], call: ([k]) => ({ a: 'A', b: '{{user `a`}}' })[k as 'a' | 'b'] ?? '' },
  upper: { params: ['string'], call: ([s]) => (s as string).toUpperCase() },
  isotime: {
    params: [],
    variadic: 'string',
    call: (f) => {
      if (f.length > 1) throw new Error(`too many values, 1 needed: [${f.join(' ')}]`);
      return 'T';
    },
  },
};

function run(template: string): string {
  let text = template;
  let data: ConstructorParameters<typeof GoStruct>[1] | GoStruct = {
    A: 'x',
    N: 3,
    F: new GoFloat(2.5),
    L: [1, 'a'],
    M: { k: 'v' },
    Nil: null,
    E: [],
  };
  if (text.startsWith('STRUCT:')) {
    text = text.slice(7);
    data = new GoStruct('*main.S', { Vars: 'V=1', Path: '/tmp/x' });
  }
  try {
    return 'OK ' + executeTemplate(text, funcs, data);
  } catch (e) {
    if (!(e instanceof InterpolationError)) throw e;
    return 'ERR ' + e.message;
  }
}

describe('Go text/template compatibility', () => {
  it.each(GO_CASES)('%j', (template, expected) => {
    expect(run(template)).toBe(expected);
  });
});

describe('Go time layouts (isotime)', () => {
  // Expected values printed by Go 1.19's time.Format for the same instants.
  const t = new Date(Date.UTC(2014, 5, 7, 19, 22, 43, 786));
  const t2 = new Date(Date.UTC(2021, 0, 3, 0, 5, 9, 0));
  const cases: [string, string, string][] = [
    ['2006-01-02T15:04:05Z07:00', '2014-06-07T19:22:43Z', '2021-01-03T00:05:09Z'],
    ['Jan-_2-15:04:05.000', 'Jun- 7-19:22:43.786', 'Jan- 3-00:05:09.000'],
    ['3:04PM', '7:22PM', '12:05AM'],
    ['Mon 1504', 'Sat 1922', 'Sun 0005'],
    ['02-Jan-06 03\\_04\\_05', '07-Jun-14 07\\_22\\_43', '03-Jan-21 12\\_05\\_09'],
    ['Hour15Year200603', 'Hour19Year201407', 'Hour00Year202112'],
    [
      'January Monday MST -0700 -07:00 -07 Z0700 Z07 -070000 Z07:00:00',
      'June Saturday UTC +0000 +00:00 +00 Z Z +000000 Z',
      'January Sunday UTC +0000 +00:00 +00 Z Z +000000 Z',
    ],
    ['.9 .99 .999999999 ,000 .000000 .0', '.7 .78 .786123456 ,786 .786123 .7', '   ,000 .000000 .0'],
    [
      '002 __2 _2 2 1 01 3 03 4 5 pm PM',
      '158 158  7 7 6 06 7 07 22 43 pm PM',
      '003   3  3 3 1 01 12 12 5 9 am AM',
    ],
    ['Janx Monx Jan Mon _2006 06', 'Janx Monx Jun Sat _2014 14', 'Janx Monx Jan Sun _2021 21'],
    ['2006-01-02 15:04:05.999999999', '2014-06-07 19:22:43.786123456', '2021-01-03 00:05:09'],
  ];
  it.each(cases)('%s', (layout, a, b) => {
    expect(formatGoTime(t, layout, 786123456)).toBe(a);
    expect(formatGoTime(t2, layout)).toBe(b);
  });
  it('strftime follows jehiah/go-strftime, keeping unknown conversions', () => {
    expect(strftime('%Y-%m-%d %H:%M:%S%L %a %b %p %Z %z %% %q %', t)).toBe(
      '2014-06-07 19:22:43.786 Sat Jun PM UTC +0000 % %q %',
    );
  });
});

describe("Packer's template functions", () => {
  const now = new Date(Date.UTC(2021, 4, 17, 23, 40, 16, 786));
  const host = memoryHost({
    env: { HOME: '/home/me' },
    cwd: '/work/dir',
    now,
    uuids: ['0f8fad5b-d9cb-469f-a165-70867728950e'],
  });
  const ctx = {
    host,
    userVariables: { greeting: 'hello', nested: '{{user `greeting`}}!' },
    templatePath: 'sub/t.json',
  };

  it('renders user variables, undefined ones as empty, and re-renders until stable', () => {
    expect(render('{{user `greeting`}} [{{user `nope`}}]', ctx)).toBe('hello []');
    expect(render('{{user `nested`}}', ctx)).toBe('hello!');
    expect(renderOnce('{{user `nested`}}', ctx)).toBe('{{user `greeting`}}!');
  });

  it('refuses env outside variables with the exact 1.6.6 message', () => {
    expect(() => render('echo {{env `HOME`}}', ctx)).toThrow(
      'template: root:1:7: executing "root" at <env `HOME`>: error calling env: env vars are not allowed here',
    );
    expect(render('{{env `HOME`}}', { ...ctx, enableEnv: true })).toBe('/home/me');
    expect(render('[{{env `UNSET`}}]', { ...ctx, enableEnv: true })).toBe('[]');
  });

  it('makes an unset user variable an error only while rendering variables', () => {
    expect(() => render('{{user `x`}}', { ...ctx, enableEnv: true })).toThrow(
      'error calling user: Error: variable not set: x',
    );
  });

  it('gives the isotime examples of the docs', () => {
    expect(render('packer-{{isotime `2006-01-02`}}', ctx)).toBe('packer-2021-05-17');
    expect(render('packer-{{isotime `Jan-_2-15:04:05.000`}}', ctx)).toBe('packer-May-17-23:40:16.786');
    expect(render('packer-{{isotime `3:04PM`}}', ctx)).toBe('packer-11:40PM');
    expect(render('{{isotime}}', ctx)).toBe('2021-05-17T23:40:16Z');
    expect(render('mybuild-{{isotime | clean_resource_name}}', ctx)).toBe('mybuild-2021-05-17t23-40-16z');
    expect(() => render('{{isotime `a` `b`}}', ctx)).toThrow(
      'error calling isotime: too many values, 1 needed: [a b]',
    );
    expect(render('{{strftime `%Y%m%d`}}', ctx)).toBe('20210517');
    expect(render('{{timestamp}}', ctx)).toBe(String(Math.floor(now.getTime() / 1000)));
  });

  it('gives the split and replace examples of the docs', () => {
    const c = { ...ctx, buildName: 'foo-bar-provider', buildType: 'qemu' };
    expect(render('{{split build_name "-" 0}}', c)).toBe('foo');
    expect(render('{{split "fixed-string" "-" 1}}', c)).toBe('string');
    expect(render('{{ replace_all "-" "/" build_name }}', c)).toBe('foo/bar/provider');
    expect(render('{{ build_name | replace "-" "/" 1 }}', c)).toBe('foo/bar-provider');
    expect(render('{{ build_type }} {{ lower `AbC` }} {{ upper `AbC` }}', c)).toBe('qemu abc ABC');
    expect(() => render('{{split "a-b" "-" 5}}', c)).toThrow(
      'error calling split: the substring 5 was unavailable using the separator value, -, only 2 values were found',
    );
  });

  it('reports build_name, build_type and template_dir when they are not available', () => {
    expect(() => render('{{build_name}}', ctx)).toThrow('error calling build_name: build_name not available');
    expect(() => render('{{build_type}}', ctx)).toThrow('error calling build_type: build_type not available');
    expect(render('{{template_dir}} {{pwd}}', ctx)).toBe('/work/dir/sub /work/dir');
    expect(() => render('{{template_dir}}', { host })).toThrow('template path not available');
  });

  it('passes {{build}} placeholders through for a later pass, then renders the real values', () => {
    // Components render their config once (RenderOnce); a looping render would expand the placeholder.
    const prepare = renderOnce('ssh {{ build `User` }}@{{ build `Host` }}', {
      ...ctx,
      data: placeholderBuildData(),
    });
    expect(prepare).toBe('ssh {{.User}}@{{.Host}}');
    expect(renderOnce(prepare, { ...ctx, data: { User: 'root', Host: '127.0.0.1' } })).toBe(
      'ssh root@127.0.0.1',
    );
    expect(() => render('{{build `Nope`}}', { ...ctx, data: placeholderBuildData() })).toThrow(
      'loaded data, but couldnt find Nope in it.',
    );
    expect(() => render('{{build `Host`}}', ctx)).toThrow(
      'Error validating build variable: the given variable Host will not be passed into your plugin.',
    );
  });

  it('keeps unknown .Fields of map data as <no value> and rejects them for struct data', () => {
    expect(render('{{ .HTTPIP }}:{{ .Missing }}', { ...ctx, data: { HTTPIP: '10.0.2.2' } })).toBe(
      '10.0.2.2:<no value>',
    );
    const data = new GoStruct('*shell.ExecuteCommandTemplate', { Vars: 'A=1', Path: '/tmp/s.sh' });
    expect(render("{{.Vars}} sh -c '{{.Path}}'", { ...ctx, data })).toBe("A=1 sh -c '/tmp/s.sh'");
    expect(() => render('{{.Nope}}', { ...ctx, data })).toThrow(
      "can't evaluate field Nope in type *shell.ExecuteCommandTemplate",
    );
  });

  it('errors for sed, and for consul/vault/secrets manager (not available in Kiln)', () => {
    expect(() => render('{{sed `s/a/b/` `a`}}', ctx)).toThrow('template function `sed` is deprecated');
    expect(() => render('{{consul_key `a`}}', ctx)).toThrow('consul_key is not allowed here');
    expect(() => render('{{vault `a` `b`}}', ctx)).toThrow(
      'Vault vars are only allowed in the variables section',
    );
    expect(() => render('{{aws_secretsmanager `a`}}', ctx)).toThrow(
      'AWS Secrets Manager is only allowed in the variables section',
    );
    expect(() => render('{{vault `a` `b`}}', { ...ctx, enableEnv: true })).toThrow(
      'vault is not available in Kiln',
    );
  });

  it('makes time-ordered UUIDs from the clock and the host randomness', () => {
    const uuid = render('{{uuid}}', ctx);
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(uuid.slice(0, 8)).toBe(Math.floor(now.getTime() / 1000).toString(16));
    expect(render('{{packer_version}}', ctx)).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('reports parse errors with the line, as Go does', () => {
    expect(() => render('a\n{{ foo }}', ctx)).toThrow('template: root:2: function "foo" not defined');
    try {
      render('{{isotime \\"2006\\"}}', ctx);
    } catch (e) {
      expect(e).toBeInstanceOf(InterpolationError);
      expect((e as InterpolationError).phase).toBe('parse');
      expect((e as Error).message).toBe('template: root:1: unexpected "\\\\" in operand');
    }
  });

  it('masks sensitive values', () => {
    expect(maskSensitive('pw=s3cr3t and s3cr3t2', ['s3cr3t', 's3cr3t2', ''])).toBe(
      'pw=<sensitive> and <sensitive>',
    );
  });
});
