/**
 * The settings of one block as a form generated from its component's schema: every key with a typed input,
 * its default as placeholder, its doc inline, and the checker's messages for that key under it. Keys
 * written as expressions (references, function calls) are edited as expression text. Each committed change
 * becomes one minimal text edit in the template.
 */
import { useEffect, useMemo, useState } from 'react';
import { typeLabel } from '../../electron/engine/template/schema/index';
import type { FieldSchema as FieldInfo } from '../../electron/engine/template/schema/types';
import type {
  LiteralValue,
  PipelineAttribute,
  PipelineBlock,
} from '../../electron/engine/template/language/types';
import type { Diagnostic, Range } from '../../electron/engine/template/source';
import { formatForInput, inputKind, parseInput, type InputKind } from '../pipeline/values';
import { schemas } from '../pipeline/schemas';
import { session } from '../workspace/session';
import { useBaseImages } from '../state/baseImages';
import { useStore } from '../state/store';

const within = (inner: Range, outer: Range) =>
  inner.file === outer.file &&
  inner.start.offset >= outer.start.offset &&
  inner.end.offset <= outer.end.offset;

/** The input for a key Kiln has no schema for, from the literal written. */
function literalKind(value: LiteralValue | undefined): InputKind {
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return 'lines';
  return 'expression';
}

interface FieldRowProps {
  block: PipelineBlock;
  name: string;
  field?: FieldInfo;
  attribute?: PipelineAttribute;
  messages: Diagnostic[];
}

function FieldRow({ block, name, field, attribute, messages }: FieldRowProps) {
  const written = attribute !== undefined;
  const isExpression = written && attribute.literal === undefined;
  const kind: InputKind = isExpression
    ? 'expression'
    : field
      ? inputKind(field.type, field.allowed)
      : literalKind(attribute?.literal);
  const initial = isExpression ? attribute.text : formatForInput(kind, attribute?.literal);
  const [value, setValue] = useState(initial);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    setValue(initial);
    setError(undefined);
  }, [initial]);
  const id = `field-${block.address}-${name}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const describedBy = `${id}-doc`;

  const commit = (text: string) => {
    if (text === initial) return;
    if (kind === 'expression') {
      if (text.trim() === '') {
        void session().editPipeline({ op: 'unset', address: block.address, key: name });
      } else {
        void session().editPipeline({
          op: 'set-expression',
          address: block.address,
          key: name,
          expression: text,
        });
      }
      return;
    }
    if (text === '' && kind !== 'lines' && kind !== 'pairs') {
      void session().editPipeline({ op: 'unset', address: block.address, key: name });
      return;
    }
    const parsed = parseInput(kind, text, field?.type);
    if (!parsed.ok) {
      setError(parsed.error);
      return;
    }
    setError(undefined);
    void session().editPipeline({ op: 'set', address: block.address, key: name, value: parsed.value });
  };

  const placeholder = field?.default ? `default: ${field.default.text}` : undefined;
  const common = {
    id,
    'aria-describedby': describedBy,
    'aria-invalid': error || messages.some((m) => m.severity === 'error') ? true : undefined,
  };
  let input: React.ReactNode;
  switch (kind) {
    case 'bool':
    case 'select': {
      const options = kind === 'bool' ? ['true', 'false'] : [...(field?.allowed ?? [])];
      input = (
        <select
          {...common}
          value={value}
          onChange={(e) => {
            setValue(e.target.value);
            commit(e.target.value);
          }}
        >
          <option value="">{placeholder ?? 'not set'}</option>
          {options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
          {value && !options.includes(value) ? <option value={value}>{value}</option> : null}
        </select>
      );
      break;
    }
    case 'lines':
    case 'pairs':
    case 'expression':
      input = (
        <textarea
          {...common}
          className={kind === 'expression' ? 'code' : undefined}
          rows={Math.min(8, Math.max(kind === 'expression' ? 1 : 2, value.split('\n').length))}
          value={value}
          placeholder={
            kind === 'pairs' ? 'KEY=value, one per line' : kind === 'lines' ? 'one per line' : placeholder
          }
          spellCheck={false}
          onChange={(e) => setValue(e.target.value)}
          onBlur={() => commit(value)}
        />
      );
      break;
    default:
      input = (
        <input
          {...common}
          type={kind === 'number' ? 'number' : field?.sensitive ? 'password' : 'text'}
          value={value}
          placeholder={placeholder}
          spellCheck={false}
          onChange={(e) => setValue(e.target.value)}
          onBlur={() => commit(value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commit(value);
          }}
        />
      );
  }
  return (
    <div className={`field ${written ? 'written' : ''}`}>
      <label htmlFor={id}>
        <code>{name}</code>
        {field ? <span className="type">{typeLabel(field.type)}</span> : null}
        {field?.required ? <span className="required">required</span> : null}
        {isExpression ? <span className="type">expression</span> : null}
      </label>
      {input}
      <div id={describedBy} className="doc">
        {field?.deprecated ? <strong>Deprecated: {field.deprecated.message} </strong> : null}
        {field?.doc ?? (written ? 'Not a key Kiln knows for this component.' : '')}
      </div>
      {error ? (
        <div className="message error" role="alert">
          {error}
        </div>
      ) : null}
      {messages.map((m, i) => (
        <div key={i} className={`message ${m.severity}`}>
          {m.summary}
          {m.detail ? `: ${m.detail.split('\n')[0]}` : ''}
        </div>
      ))}
    </div>
  );
}

export function BlockForm({ block }: { block: PipelineBlock }) {
  const diagnostics = useStore((s) => s.diagnostics);
  const [filter, setFilter] = useState('');
  const component = schemas?.component(block.kind, block.type);
  const meta = schemas?.meta(block.kind) ?? {};
  const fields: Record<string, FieldInfo> = useMemo(
    () => ({ ...(component?.fields ?? {}), ...meta }),
    [component, meta],
  );
  const written = new Map(block.attributes.map((a) => [a.key, a]));
  const keyMessages = (a?: PipelineAttribute) =>
    a
      ? diagnostics.filter((d) => d.range && (within(d.range, a.keyRange) || within(d.range, a.valueRange)))
      : [];
  const blockMessages = diagnostics.filter(
    (d) =>
      d.range &&
      within(d.range, block.range) &&
      !block.attributes.some((a) => within(d.range!, a.keyRange) || within(d.range!, a.valueRange)),
  );
  const unset = Object.keys(fields)
    .filter((k) => !written.has(k) && !fields[k].undocumented && k !== 'type')
    .filter(
      (k) => !filter || k.includes(filter) || fields[k].doc.toLowerCase().includes(filter.toLowerCase()),
    )
    .sort(
      (a, b) =>
        Number(Boolean(fields[b].required)) - Number(Boolean(fields[a].required)) || a.localeCompare(b),
    );
  const title = `${block.role} ${block.type}${block.name && block.name !== block.type ? ` “${block.name}”` : ''}`;
  return (
    <form className="block-form" aria-label={`Settings of ${title}`} onSubmit={(e) => e.preventDefault()}>
      <header>
        <h3>{title}</h3>
        {component ? (
          <p className="doc">{component.doc}</p>
        ) : (
          <p className="doc">Kiln has no schema for this component type.</p>
        )}
        <button
          type="button"
          className="link"
          onClick={() => void session().reveal(block.file, block.range.start.line, block.range.start.column)}
        >
          Show in text
        </button>
        {block.type === 'qemu' && block.role === 'source' ? (
          <button
            type="button"
            onClick={() =>
              useBaseImages.setState({
                picker: {
                  address: block.address,
                  title,
                  diskImage: written.get('disk_image')?.literal === true,
                },
              })
            }
          >
            Choose a cloud image…
          </button>
        ) : null}
      </header>
      {blockMessages.map((m, i) => (
        <div key={i} className={`message ${m.severity}`}>
          {m.summary}
          {m.detail ? `: ${m.detail.split('\n')[0]}` : ''}
        </div>
      ))}
      <fieldset>
        <legend>Settings in the template</legend>
        {block.attributes.length === 0 ? <p className="empty">None yet.</p> : null}
        {block.attributes.map((a) => (
          <FieldRow
            key={a.key}
            block={block}
            name={a.key}
            field={fields[a.key]}
            attribute={a}
            messages={keyMessages(a)}
          />
        ))}
      </fieldset>
      {component ? (
        <fieldset>
          <legend>More settings</legend>
          <input
            type="search"
            aria-label="Filter settings"
            placeholder="Filter settings"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
          />
          {unset.map((k) => (
            <FieldRow key={k} block={block} name={k} field={fields[k]} messages={[]} />
          ))}
        </fieldset>
      ) : null}
    </form>
  );
}
