/**
 * A build's timeline: its steps in order with status and (live) durations; inside the provisioning step,
 * each provisioner; then the post-processors; then the cleanup. Transfers in progress show as bars with
 * bytes, rate and time left.
 */
import type { BuildView, ComponentView, ProgressView, StepView } from '../../builds/runView';
import { etaSeconds, formatBytes, formatDuration } from '../../builds/runView';
import { useNow } from '../../builds/useNow';
import { useStore } from '../../state/store';
import { blockAt, describeBlock } from '../../builds/blocks';
import { session } from '../../workspace/session';

const STATE_LABEL: Record<string, string> = {
  running: 'running',
  done: 'done',
  succeeded: 'done',
  failed: 'failed',
  skipped: 'skipped',
  cancelled: 'cancelled',
};

function Duration({ startedAt, durationMs, now }: { startedAt: number; durationMs?: number; now: number }) {
  return <span className="duration">{formatDuration(durationMs ?? Math.max(0, now - startedAt))}</span>;
}

function StepRow({ step, now, children }: { step: StepView; now: number; children?: React.ReactNode }) {
  return (
    <li
      className={`timeline-row ${step.state}`}
      aria-label={`${step.phase === 'cleanup' ? 'Clean up: ' : ''}${step.title}: ${STATE_LABEL[step.state]}`}
    >
      <span className={`status-icon ${step.state}`} aria-hidden="true" />
      <span className="timeline-title" title={step.name}>
        {step.title}
      </span>
      <Duration startedAt={step.startedAt} durationMs={step.durationMs} now={now} />
      {step.error ? <div className="timeline-error">{step.error}</div> : null}
      {children}
    </li>
  );
}

function ComponentRow({ component, now }: { component: ComponentView; now: number }) {
  const pipeline = useStore((s) => s.pipeline);
  const block = blockAt(pipeline, component.address);
  const name = describeBlock(block, component.address);
  return (
    <li
      className={`timeline-row component ${component.state}`}
      aria-label={`${component.type} ${component.address}: ${STATE_LABEL[component.state]}`}
    >
      <span className={`status-icon ${component.state}`} aria-hidden="true" />
      <span className="timeline-title">
        {block ? (
          <button
            type="button"
            className="link"
            onClick={() =>
              void session().reveal(block.file, block.range.start.line, block.range.start.column)
            }
          >
            {name}
          </button>
        ) : (
          name
        )}
        {component.runs > 1 ? <span className="badge">run {component.runs}</span> : null}
      </span>
      <Duration startedAt={component.startedAt} durationMs={component.durationMs} now={now} />
      {component.error ? <div className="timeline-error">{component.error}</div> : null}
    </li>
  );
}

export function ProgressBar({
  progress,
}: {
  progress: Pick<ProgressView, 'label' | 'bytes' | 'total' | 'rate' | 'done'>;
}) {
  const eta = etaSeconds(progress);
  const text = [
    progress.total !== undefined && progress.label.includes('disk') && progress.total === 100
      ? `${Math.round(progress.bytes)} %`
      : `${formatBytes(progress.bytes)}${progress.total !== undefined ? ` of ${formatBytes(progress.total)}` : ''}`,
    progress.rate > 0 && !progress.done ? `${formatBytes(progress.rate)}/s` : '',
    eta !== undefined && !progress.done ? `${formatDuration(eta * 1000)} left` : '',
    progress.done ? 'done' : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    <div className="progress-row">
      <span className="progress-label">{progress.label}</span>
      <progress
        aria-label={progress.label}
        max={progress.total ?? 1}
        value={progress.total !== undefined ? Math.min(progress.bytes, progress.total) : undefined}
      />
      <span className="progress-text">{text}</span>
    </div>
  );
}

export function Timeline({ build }: { build: BuildView }) {
  const now = useNow(build.state === 'running');
  const runSteps = build.steps.filter((s) => s.phase === 'run');
  const cleanup = build.steps.filter((s) => s.phase === 'cleanup');
  const provisioners = build.components.filter((c) => c.role !== 'post-processor');
  const postProcessors = build.components.filter((c) => c.role === 'post-processor');
  const active = build.progress.filter((p) => !p.done || now - p.updatedAt < 5000);
  return (
    <section className="timeline" aria-label={`Timeline of ${build.name}`}>
      {active.length ? (
        <div className="progress-list" aria-label="Transfers">
          {active.map((p) => (
            <ProgressBar key={p.id} progress={p} />
          ))}
        </div>
      ) : null}
      <ol className="timeline-steps">
        {runSteps.map((step) => (
          <StepRow key={step.key} step={step} now={now}>
            {step.name === 'StepProvision' && provisioners.length ? (
              <ol className="timeline-components" aria-label="Provisioners">
                {provisioners.map((c) => (
                  <ComponentRow key={c.address} component={c} now={now} />
                ))}
              </ol>
            ) : null}
          </StepRow>
        ))}
        {postProcessors.length ? (
          <li className="timeline-row group">
            <span className="timeline-title">Post-processors</span>
            <ol className="timeline-components" aria-label="Post-processors">
              {postProcessors.map((c) => (
                <ComponentRow key={c.address} component={c} now={now} />
              ))}
            </ol>
          </li>
        ) : null}
        {cleanup.length ? (
          <li className="timeline-row group">
            <span className="timeline-title">Cleanup</span>
            <ol className="timeline-components" aria-label="Cleanup">
              {cleanup.map((step) => (
                <StepRow key={step.key} step={step} now={now} />
              ))}
            </ol>
          </li>
        ) : null}
      </ol>
      {runSteps.length === 0 && build.state === 'pending' ? <p className="empty">Waiting to start.</p> : null}
    </section>
  );
}
