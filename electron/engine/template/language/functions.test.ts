import { describe, expect, it } from 'vitest';
import { packerFunctions } from '../hcl/functions/index';
import { templateFunctions } from './functions';

describe('templateFunctions', () => {
  it('lists every function the evaluator has, each with a signature and a doc', () => {
    const infos = templateFunctions();
    expect(infos.map((f) => f.name).sort()).toEqual([...packerFunctions().keys()].sort());
    expect(infos.find((f) => f.name === 'lookup')).toEqual({
      name: 'lookup',
      signature: 'lookup(inputMap any, key string, default any) any',
      doc: 'The value of a key in a map, or the default when the key is absent.',
    });
    expect(infos.filter((f) => !f.doc).map((f) => f.name)).toEqual([]);
  });
});
