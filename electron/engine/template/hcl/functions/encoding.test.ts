import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzip } from './gzip';
import { b, list, n, problem, s, show, value } from './test-support';

// Unless noted, expected texts were produced by Debian's packer 1.6.6 (`packer console`).
describe('JSON', () => {
  it('encodes with sorted keys, plain numbers and HTML-safe escapes', () => {
    expect(
      show('jsonencode', b.obj(['a', list(n(1), s('x'), b.bool(true), b.nul())], ['b<', n('1.5')])),
    ).toBe('{"a":[1,"x",true,null],"b\\u003c":1.5}');
    expect(show('jsonencode', b.nul())).toBe('null');
    expect(show('jsonencode', s('tab\there\u2028'))).toBe('"tab\\there\\u2028"');
    expect(problem('jsonencode', b.bin('/', n(1), n(0)))).toBe(
      'Call to function "jsonencode" failed: cannot serialize infinity as JSON.',
    );
  });

  it('decodes to objects and tuples with exact numbers', () => {
    expect(show('jsondecode', s('{"a": [1, 2.5e3, "x"], "b": null, "c": {}}'))).toBe(
      '{\n  "a" = [\n    1,\n    2500,\n    "x",\n  ]\n  "c" = {}\n}',
    );
    expect(show('jsondecode', s('12345678901234567890.5'))).toBe('1.2345678901234567e+19');
    expect(value('jsondecode', s('12345678901234567890')).asNumber().toFixedShortest()).toBe(
      '12345678901234567890',
    );
    expect(show('jsondecode', s('"\\u00e9\\n"'))).toBe('é\n');
  });

  it("reports Go's decoding errors", () => {
    const cases: [string, string][] = [
      ['', 'EOF'],
      ['{', 'EOF'],
      ['[1,]', "invalid character ']' looking for beginning of value"],
      ['x', "invalid character 'x' looking for beginning of value"],
      ['1 2', 'extraneous data after JSON object'],
      ['{"a" 1}', "invalid character '1' after object key"],
      ['{1:2}', "invalid character '1'"],
      ['[1 2]', "invalid character '2' after array element"],
      ['"\\q"', "invalid character 'q' in string escape code"],
      ['tru', 'unexpected EOF'],
    ];
    for (const [text, message] of cases) {
      expect(problem('jsondecode', s(text))).toBe(`Call to function "jsondecode" failed: ${message}.`);
    }
  });
});

describe('base64, urlencode, csvdecode', () => {
  it('encodes and decodes base64 as UTF-8', () => {
    expect(show('base64encode', s('Hello 🌍'))).toBe('SGVsbG8g8J+MjQ==');
    expect(show('base64decode', s('SGVsbG8='))).toBe('Hello');
    expect(problem('base64decode', s('SGVsbG8'))).toBe(
      'Call to function "base64decode" failed: failed to decode base64 data \'SGVsbG8\'.',
    );
    expect(problem('base64decode', s('//8='))).toBe(
      'Call to function "base64decode" failed: the result of decoding the the provided string is not valid UTF-8.',
    );
  });

  it('query-escapes', () => {
    expect(show('urlencode', s('a b&c=d/é~'))).toBe('a+b%26c%3Dd%2F%C3%A9~');
  });

  it('decodes CSV with a header row', () => {
    expect(show('csvdecode', s('a,b\n1,2\n3,"x,y"\n'))).toBe(
      '[\n  {\n    "a" = "1"\n    "b" = "2"\n  },\n  {\n    "a" = "3"\n    "b" = "x,y"\n  },\n]',
    );
    expect(show('csvdecode', s('a,b\r\n"q ""x"" z",\r\n'))).toBe(
      '[\n  {\n    "a" = "q \\"x\\" z"\n    "b" = ""\n  },\n]',
    );
    expect(problem('csvdecode', s(''))).toBe('Call to function "csvdecode" failed: missing header line.');
    expect(problem('csvdecode', s('a,a\n1,2'))).toBe(
      'Call to function "csvdecode" failed: duplicate column name "a".',
    );
    // Packer >= 1.7 (cty >= 1.8) words record errors "CSV parse error on line N: ...".
    expect(problem('csvdecode', s('a,b\n1\n'))).toBe(
      'Call to function "csvdecode" failed: CSV parse error on line 2: wrong number of fields.',
    );
  });
});

describe('base64gzip and the text encodings (documented behaviour; 1.6.6 has neither)', () => {
  it('produces a gzip stream that decompresses to the text', () => {
    const encoded = value('base64gzip', s('#cloud-config\npackages:\n  - nginx\n'.repeat(50))).asString();
    expect(gunzipSync(Buffer.from(encoded, 'base64')).toString()).toBe(
      '#cloud-config\npackages:\n  - nginx\n'.repeat(50),
    );
  });

  it('round-trips random bytes through the deflate writer', () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    for (const size of [0, 1, 100, 5000, 70000]) {
      const data = Uint8Array.from({ length: size }, () => (size > 1000 ? random() % 4 : random()));
      expect(new Uint8Array(gunzipSync(gzip(data)))).toEqual(data);
    }
  });

  it('encodes and decodes text in other encodings', () => {
    expect(show('textencodebase64', s('Hello'), s('UTF-16LE'))).toBe('SABlAGwAbABvAA==');
    expect(show('textdecodebase64', s('SABlAGwAbABvAA=='), s('UTF-16LE'))).toBe('Hello');
    expect(show('textencodebase64', s('é'), s('ISO-8859-1'))).toBe('6Q==');
    expect(problem('textencodebase64', s('€'), s('ISO-8859-1'))).toBe(
      'Invalid value for "string" parameter: the given string contains characters that cannot be represented in ISO-8859-1.',
    );
    expect(problem('textencodebase64', s('x'), s('EBCDIC'))).toContain(
      '"EBCDIC" is not a supported IANA encoding name or alias',
    );
  });
});

describe('hashes and UUIDs', () => {
  it('hashes UTF-8 text', () => {
    expect(show('md5', s('hello'))).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(show('sha1', s('hello'))).toBe('aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d');
    expect(show('sha256', s('a'))).toBe('ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb');
    expect(show('sha512', s('hello'))).toBe(
      '9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043',
    );
  });

  it('makes name-based UUIDs', () => {
    expect(show('uuidv5', s('dns'), s('www.example.com'))).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    expect(show('uuidv5', s('url'), s('https://x'))).toBe('48d34be5-10a3-5c30-96ef-9cf9a60110f2');
    expect(show('uuidv5', s('6ba7b810-9dad-11d1-80b4-00c04fd430c8'), s('a'))).toBe(
      '4f3f2898-69e3-5a0d-820a-c4e87987dbce',
    );
    expect(problem('uuidv5', s('bad'), s('a'))).toBe(
      'Call to function "uuidv5" failed: uuidv5() doesn\'t support namespace bad (invalid UUID length: 3).',
    );
  });

  it('takes random UUIDs from the host', () => {
    expect(value('uuidv4').asString()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('CIDR functions', () => {
  it('computes hosts, masks and subnets (IPv4 and IPv6)', () => {
    expect(show('cidrhost', s('10.12.112.0/20'), n(16))).toBe('10.12.112.16');
    expect(show('cidrhost', s('10.12.112.0/20'), n(268))).toBe('10.12.113.12');
    expect(show('cidrhost', s('fd00:fd12:3456:7890:00a2::/72'), n(34))).toBe('fd00:fd12:3456:7890::22');
    expect(show('cidrhost', s('10.0.0.0/30'), b.neg(n(1)))).toBe('10.0.0.3');
    expect(show('cidrnetmask', s('172.16.0.0/12'))).toBe('255.240.0.0');
    expect(show('cidrnetmask', s('::/0'))).toBe('::');
    expect(show('cidrsubnet', s('172.16.0.0/12'), n(4), n(2))).toBe('172.18.0.0/16');
    expect(show('cidrsubnet', s('10.1.2.0/24'), n(4), n(15))).toBe('10.1.2.240/28');
    expect(show('cidrsubnet', s('fd00:fd12:3456:7890::/56'), n(16), n(162))).toBe(
      'fd00:fd12:3456:7800:a200::/72',
    );
    expect(show('cidrsubnets', s('10.1.0.0/16'), n(4), n(4), n(8), n(4))).toBe(
      '[\n  "10.1.0.0/20",\n  "10.1.16.0/20",\n  "10.1.32.0/24",\n  "10.1.48.0/20",\n]',
    );
    expect(show('cidrsubnets', s('fd00:fd12:3456:7890::/56'), n(16), n(16), n(16), n(32))).toBe(
      '[\n  "fd00:fd12:3456:7800::/72",\n  "fd00:fd12:3456:7800:100::/72",\n  "fd00:fd12:3456:7800:200::/72",\n  "fd00:fd12:3456:7800:300::/88",\n]',
    );
  });

  it('explains impossible requests', () => {
    expect(problem('cidrhost', s('10.0.0.0/30'), n(5))).toBe(
      'Call to function "cidrhost" failed: prefix of 30 does not accommodate a host numbered 5.',
    );
    expect(problem('cidrsubnet', s('10.0.0.0/30'), n(4), n(1))).toBe(
      'Call to function "cidrsubnet" failed: insufficient address space to extend prefix of 30 by 4.',
    );
    expect(problem('cidrsubnet', s('10.0.0.0/8'), n(4), n(16))).toBe(
      'Call to function "cidrsubnet" failed: prefix extension of 4 does not accommodate a subnet numbered 16.',
    );
    expect(problem('cidrsubnets', s('10.0.0.0/30'), n(1), n(1), n(1))).toBe(
      'Invalid value for "newbits" parameter: not enough remaining address space for a subnet with a prefix of 31 bits after 10.0.0.2/31.',
    );
    expect(problem('cidrsubnet', s('10.0.0/8'), n(1), n(1))).toBe(
      'Call to function "cidrsubnet" failed: invalid CIDR expression: invalid CIDR address: 10.0.0/8.',
    );
  });
});
