/**
 * The visual editor: for each build, its sources, then its provisioners in order, then its post-processor
 * chains, as cards. Cards can be opened (a form of their settings), moved, removed, and for breakpoints
 * disabled; new provisioners and post-processors can be added. Every change is a text edit of the same
 * document the text view shows, and the view is redrawn from the text after each change.
 */
import { useState } from 'react';
import type {
  PipelineBlock,
  PipelineBuild,
  PipelineChain,
} from '../../electron/engine/template/language/types';
import type { Diagnostic, Range } from '../../electron/engine/template/source';
import { pausedAddresses } from '../builds/live';
import { useBuilds } from '../builds/store';
import { schemas } from '../pipeline/schemas';
import { session } from '../workspace/session';
import { useStore } from '../state/store';
import { BlockForm } from './BlockForm';

const within = (inner: Range, outer: Range) =>
  inner.file === outer.file &&
  inner.start.offset >= outer.start.offset &&
  inner.end.offset <= outer.end.offset;

function countIn(diagnostics: Diagnostic[], range: Range) {
  let errors = 0;
  let warnings = 0;
  for (const d of diagnostics) {
    if (!d.range || !within(d.range, range)) continue;
    if (d.severity === 'error') errors++;
    else warnings++;
  }
  return { errors, warnings };
}

function summary(block: PipelineBlock, json: boolean): string {
  return block.attributes
    .slice(0, 3)
    .map((a) => {
      const value = a.text.replace(/\s+/g, ' ');
      return `${json ? `"${a.key}":` : `${a.key} =`} ${value.length > 48 ? `${value.slice(0, 47)}…` : value}`;
    })
    .join('\n');
}

function label(block: PipelineBlock, position?: number): string {
  const role =
    block.role === 'source'
      ? 'Source'
      : block.role === 'post-processor'
        ? 'Post-processor'
        : block.role === 'provisioner'
          ? 'Provisioner'
          : 'Error-cleanup provisioner';
  const named = block.name && block.name !== block.type ? ` ${block.name}` : '';
  return `${role}${position !== undefined ? ` ${position}` : ''}: ${block.type}${named}`;
}

interface CardProps {
  block: PipelineBlock;
  position?: number;
  siblings?: number;
  /** Index among its siblings, for moves. */
  index?: number;
}

function Card({ block, position, siblings, index }: CardProps) {
  const diagnostics = useStore((s) => s.diagnostics);
  const selected = useStore((s) => s.selectedBlock === block.address);
  const json = useStore((s) => s.pipeline?.format === 'json');
  const breakpoint = useStore((s) => s.workspace?.breakpoints.includes(block.address) ?? false);
  const paused = useBuilds((s) => pausedAddresses(s).includes(block.address));
  const { errors, warnings } = countIn(diagnostics, block.range);
  const name = label(block, position);
  const movable = index !== undefined && siblings !== undefined;
  return (
    <article
      className={`card pipeline-card ${block.role} ${selected ? 'selected' : ''} ${block.disabled ? 'disabled' : ''} ${paused ? 'paused' : ''}`}
      aria-label={name}
      aria-current={paused ? 'step' : undefined}
    >
      <header>
        <span className="card-title">
          {block.type}
          {block.name && block.name !== block.type ? <span className="card-name"> {block.name}</span> : null}
        </span>
        {errors ? (
          <span className="badge error">
            {errors} {errors === 1 ? 'error' : 'errors'}
          </span>
        ) : null}
        {warnings ? (
          <span className="badge warning">
            {warnings} {warnings === 1 ? 'warning' : 'warnings'}
          </span>
        ) : null}
        {block.disabled ? <span className="badge">disabled</span> : null}
        {breakpoint ? <span className="badge breakpoint">breakpoint</span> : null}
        {paused ? <span className="badge paused">paused here</span> : null}
      </header>
      <pre className="card-summary">{summary(block, json)}</pre>
      <div className="card-actions">
        <button
          type="button"
          aria-label={`Edit ${name}`}
          aria-pressed={selected}
          onClick={() => useStore.setState({ selectedBlock: selected ? undefined : block.address })}
        >
          Edit
        </button>
        {movable ? (
          <>
            <button
              type="button"
              aria-label={`Move ${name} up`}
              disabled={index === 0}
              onClick={() =>
                void session().editPipeline({ op: 'move', address: block.address, to: index - 1 })
              }
            >
              ↑
            </button>
            <button
              type="button"
              aria-label={`Move ${name} down`}
              disabled={index === siblings - 1}
              onClick={() =>
                void session().editPipeline({ op: 'move', address: block.address, to: index + 1 })
              }
            >
              ↓
            </button>
          </>
        ) : null}
        {block.type === 'breakpoint' ? (
          <button
            type="button"
            aria-label={`${block.disabled ? 'Enable' : 'Disable'} ${name}`}
            onClick={() =>
              void session().editPipeline({
                op: 'set-disabled',
                address: block.address,
                disabled: !block.disabled,
              })
            }
          >
            {block.disabled ? 'Enable' : 'Disable'}
          </button>
        ) : null}
        {block.role !== 'source' ? (
          <button
            type="button"
            aria-label={`Breakpoint before ${name}`}
            aria-pressed={breakpoint}
            title="Pause the build before this block (kept by Kiln, not written in the file)"
            onClick={() => void session().toggleBreakpoint(block.address)}
          >
            Breakpoint
          </button>
        ) : null}
        {block.role !== 'source' ? (
          <button
            type="button"
            aria-label={`Remove ${name}`}
            onClick={() => {
              if (selected) useStore.setState({ selectedBlock: undefined });
              void session().editPipeline({ op: 'remove', address: block.address });
            }}
          >
            Remove
          </button>
        ) : null}
      </div>
    </article>
  );
}

function AddComponent({ build, role }: { build: PipelineBuild; role: 'provisioner' | 'post-processor' }) {
  const types = schemas.types(role);
  const [type, setType] = useState('');
  const id = `add-${role}-${build.address}`.replace(/[^A-Za-z0-9_-]/g, '_');
  return (
    <div className="add-component">
      <label htmlFor={id}>{role === 'provisioner' ? 'Add a provisioner' : 'Add a post-processor'}</label>
      <input
        id={id}
        list={`${id}-types`}
        value={type}
        placeholder="type"
        onChange={(e) => setType(e.target.value.trim())}
      />
      <datalist id={`${id}-types`}>
        {types.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <button
        type="button"
        disabled={!/^[A-Za-z0-9_-]+$/.test(type)}
        onClick={() => {
          void session().editPipeline({ op: 'add', build: build.address, role, type });
          setType('');
        }}
      >
        Add
      </button>
    </div>
  );
}

function Chain({ chain, position }: { chain: PipelineChain; position: number }) {
  return (
    <li className="chain" aria-label={`Post-processor chain ${position}`}>
      <ol>
        {chain.steps.map((step, i) => (
          <li key={step.address}>
            <Card
              block={step}
              position={i + 1}
              {...(chain.chain ? { index: i, siblings: chain.steps.length } : {})}
            />
          </li>
        ))}
      </ol>
    </li>
  );
}

function Build({ build, index }: { build: PipelineBuild; index: number }) {
  const pipeline = useStore((s) => s.pipeline);
  const name = build.name ? `Build ${build.name}` : `Build ${index + 1}`;
  return (
    <section className="build" aria-label={name}>
      <h2>{name}</h2>
      <h3>Sources</h3>
      <ul className="source-refs">
        {build.sources.map((s) => {
          const target = pipeline?.sources.find((src) => src.address === s.target);
          return (
            <li key={`${s.ref}-${s.range.start.offset}`}>
              {target ? (
                <Card block={target} />
              ) : (
                <span className="badge error">{s.ref}: no such source</span>
              )}
            </li>
          );
        })}
      </ul>
      <h3>Provisioners</h3>
      <ol className="provisioners">
        {build.provisioners.map((p, i) => (
          <li key={p.address}>
            <Card block={p} position={i + 1} index={i} siblings={build.provisioners.length} />
          </li>
        ))}
      </ol>
      <AddComponent build={build} role="provisioner" />
      {build.errorCleanupProvisioner ? (
        <>
          <h3>On error</h3>
          <Card block={build.errorCleanupProvisioner} />
        </>
      ) : null}
      <h3>Post-processors</h3>
      <ol className="chains">
        {build.postProcessors.map((c, i) => (
          <Chain key={c.address} chain={c} position={i + 1} />
        ))}
      </ol>
      <AddComponent build={build} role="post-processor" />
    </section>
  );
}

export function PipelineView() {
  const pipeline = useStore((s) => s.pipeline);
  const selected = useStore((s) => s.selectedBlock);
  if (!pipeline) {
    return (
      <section className="pipeline" aria-label="Pipeline">
        <p className="empty">The pipeline appears once the template has been read.</p>
      </section>
    );
  }
  const all = [
    ...pipeline.sources,
    ...pipeline.builds.flatMap((b) => [
      ...b.provisioners,
      ...(b.errorCleanupProvisioner ? [b.errorCleanupProvisioner] : []),
      ...b.postProcessors.flatMap((c) => c.steps),
    ]),
  ];
  const block = all.find((b) => b.address === selected);
  const unused = pipeline.sources.filter(
    (s) => !pipeline.builds.some((b) => b.sources.some((r) => r.target === s.address)),
  );
  return (
    <div className="pipeline-layout">
      <section className="pipeline" aria-label="Pipeline">
        {pipeline.builds.length === 0 ? <p className="empty">This template has no build yet.</p> : null}
        {pipeline.builds.map((b, i) => (
          <Build key={b.address} build={b} index={i} />
        ))}
        {unused.length > 0 ? (
          <section aria-label="Sources no build uses">
            <h2>Sources no build uses</h2>
            <ul className="source-refs">
              {unused.map((s) => (
                <li key={s.address}>
                  <Card block={s} />
                </li>
              ))}
            </ul>
          </section>
        ) : null}
      </section>
      {block ? <BlockForm key={block.address} block={block} /> : null}
    </div>
  );
}
