/**
 * Every expression in the corpus of real templates must evaluate: variables get their defaults (or
 * stay unknown when unset), locals are computed in dependency order, data sources and `build.*` are
 * unknown, and every attribute of every other block is evaluated. The only error allowed is a
 * referenced file that the corpus does not contain, which must be named.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryHost } from '../host';
import type { Diagnostic } from '../source';
import type { Block, Body } from './ast';
import { convert } from './convert';
import { evaluate, type EvalContext } from './eval';
import { packerFunctions, variableDefaultFunctions } from './functions';
import { referencedTraversals } from './references';
import { parseHclFile, parseHclTemplate } from './syntax';
import { typeConstraint } from './typeexpr';
import { DYNAMIC, STRING } from './types';
import { SENSITIVE, Value } from './values';
import { PACKER_COMPAT_VERSION } from '../../version';

// `../shared/corpus` from the repository root; a worktree under /work/wt/<name> finds it one level higher.
const repoRoot = resolve(__dirname, '../../../..');
const CORPUS =
  [resolve(repoRoot, '../shared/corpus'), resolve(repoRoot, '../../shared/corpus')].find((p) =>
    existsSync(p),
  ) ?? resolve(repoRoot, '../shared/corpus');

interface CorpusTemplate {
  folder: string;
  varFiles?: string[];
  /** Files the template reads that are not part of the corpus. */
  missingFiles?: string[];
  /** Real mistakes in the template, which Packer reports too. */
  knownErrors?: string[];
}

const TEMPLATES: CorpusTemplate[] = [
  { folder: 'bento', varFiles: ['bento-vars/ubuntu-24.04-x86_64.pkrvars.hcl'] },
  { folder: 'c01-qemu-example-dir' },
  { folder: 'c02-qemu-efi' },
  { folder: 'goffinet-focal-hcl' },
  { folder: 'goffinet-ubuntu2404' },
  { folder: 'maas-centos7', missingFiles: ['http/centos7.ks.pkrtpl.hcl'] },
  {
    folder: 'maas-ubuntu-cloudimg',
    // var.ubuntu_iso is declared by a file of packer-maas that the corpus did not copy.
    knownErrors: [
      'ubuntu-cloudimg.pkr.hcl:19: Unsupported attribute: This object does not have an attribute named "ubuntu_iso".',
      'ubuntu-cloudimg.pkr.hcl:20: Unsupported attribute: This object does not have an attribute named "ubuntu_iso".',
    ],
  },
  { folder: 'rgl-ubuntu' },
  { folder: 'rgl-windows' },
  { folder: 'upgrade-complete' },
  { folder: 'upgrade-error-cleanup-provisioner' },
  { folder: 'upgrade-escaping' },
  { folder: 'upgrade-minimal' },
  { folder: 'upgrade-source-name' },
];

function attributesOf(body: Body): { name: string; expr: Body['attributes'][number]['expr'] }[] {
  return body.attributes.map((a) => ({ name: a.name, expr: a.expr }));
}

/** Evaluates one template folder the way a loader would; returns the diagnostics and how many expressions ran. */
function evaluateFolder(
  folder: string,
  varFiles: string[],
): { diagnostics: Diagnostic[]; evaluated: number } {
  const dir = join(CORPUS, folder);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.pkr.hcl'))
    .map((f) => parseHclFile(`${folder}/${f}`, readFileSync(join(dir, f), 'utf8')));
  const diagnostics: Diagnostic[] = files.flatMap((f) => f.diagnostics);
  const blocks = files.flatMap((f) => f.file.body.blocks);
  const host = memoryHost({ cwd: CORPUS, env: {}, now: new Date('2024-01-02T03:04:05Z') });
  let evaluated = 0;
  const run = (expr: Body['attributes'][number]['expr'], ctx: EvalContext) => {
    evaluated++;
    const r = evaluate(expr, ctx);
    diagnostics.push(...r.diagnostics);
    return r.value;
  };
  const attr = (block: Block, name: string) => block.body.attributes.find((a) => a.name === name)?.expr;

  const fromVarFiles = new Map<string, Value>();
  for (const varFile of varFiles) {
    const parsed = parseHclFile(varFile, readFileSync(join(CORPUS, varFile), 'utf8'));
    diagnostics.push(...parsed.diagnostics);
    for (const a of parsed.file.body.attributes) fromVarFiles.set(a.name, run(a.expr, {}));
  }

  const variables = new Map<string, Value>();
  for (const block of blocks.filter((b) => b.type === 'variable')) {
    const name = block.labels[0].value;
    const typeExpr = attr(block, 'type');
    const type = typeExpr ? typeConstraint(typeExpr).type : DYNAMIC;
    const defaultExpr = attr(block, 'default');
    let value = fromVarFiles.get(name);
    if (value === undefined) {
      value = defaultExpr
        ? run(defaultExpr, { functions: variableDefaultFunctions(), host })
        : Value.unknown(type);
    }
    value = convert(value, type);
    const sensitive = attr(block, 'sensitive');
    if (sensitive && run(sensitive, {}).asBool()) value = value.mark(SENSITIVE);
    variables.set(name, value);
  }

  const data = new Map<string, Map<string, Value>>();
  for (const block of blocks.filter((b) => b.type === 'data')) {
    const [type, name] = block.labels.map((l) => l.value);
    if (!data.has(type)) data.set(type, new Map());
    data.get(type)!.set(name, Value.unknown(DYNAMIC));
  }

  const root: Record<string, Value> = {
    var: Value.object(variables),
    data: Value.object([...data].map(([t, names]) => [t, Value.object(names)] as [string, Value])),
    path: Value.object({ cwd: Value.string(CORPUS), root: Value.string(dir) }),
    packer: Value.object({
      version: Value.string(PACKER_COMPAT_VERSION),
      iterationID: Value.unknown(STRING),
    }),
  };
  const functions = packerFunctions();
  const context = (locals: Map<string, Value>, extra: Record<string, Value> = {}): EvalContext => ({
    variables: { ...root, local: Value.object(locals), ...extra },
    functions,
    host,
    baseDir: dir,
    parseTemplate: (text, file) => parseHclTemplate(text, file),
  });

  // Locals in dependency order: a local is computed once every local it names is known.
  const pending = [
    ...blocks.filter((b) => b.type === 'locals').flatMap((b) => attributesOf(b.body)),
    ...blocks
      .filter((b) => b.type === 'local' && attr(b, 'expression'))
      .map((b) => ({ name: b.labels[0].value, expr: attr(b, 'expression')! })),
  ];
  const locals = new Map<string, Value>();
  while (pending.length > 0) {
    const ready = pending.findIndex((l) =>
      referencedTraversals(l.expr).every(
        (t) => t.root !== 'local' || t.steps[0]?.kind !== 'Attr' || locals.has(t.steps[0].name),
      ),
    );
    expect(ready, `locals form a cycle in ${folder}`).toBeGreaterThanOrEqual(0);
    const [local] = pending.splice(ready, 1);
    locals.set(local.name, run(local.expr, context(locals)));
  }

  const walk = (body: Body, extra: Record<string, Value>) => {
    for (const a of body.attributes) run(a.expr, context(locals, extra));
    for (const b of body.blocks) walk(b.body, extra);
  };
  for (const block of blocks) {
    if (block.type === 'variable' || block.type === 'locals' || block.type === 'local') continue;
    const source =
      block.type === 'source'
        ? Value.object({
            type: Value.string(block.labels[0].value),
            name: Value.string(block.labels[1].value),
          })
        : Value.object({ type: Value.unknown(STRING), name: Value.unknown(STRING) });
    walk(block.body, { source, build: Value.unknown(DYNAMIC) });
  }
  return { diagnostics, evaluated };
}

describe.skipIf(!existsSync(CORPUS))('every expression of the corpus evaluates', () => {
  for (const { folder, varFiles = [], missingFiles = [], knownErrors = [] } of TEMPLATES) {
    it(folder, () => {
      const { diagnostics, evaluated } = evaluateFolder(folder, varFiles);
      expect(evaluated).toBeGreaterThan(3);
      const unexpected = diagnostics.filter(
        (d) => !missingFiles.some((f) => d.detail.includes(`no file exists at ${join(CORPUS, folder, f)}.`)),
      );
      expect(
        unexpected.map((d) => `${d.range?.file}:${d.range?.start.line}: ${d.summary}: ${d.detail}`),
      ).toEqual(knownErrors.map((e) => `${folder}/${e}`));
      expect(diagnostics.length).toBe(missingFiles.length + knownErrors.length);
    });
  }
});

if (!existsSync(CORPUS)) {
  describe('corpus', () => {
    it.skip(`skipped: the corpus folder ${CORPUS} is absent`, () => {});
  });
}
