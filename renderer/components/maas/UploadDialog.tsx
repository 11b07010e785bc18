/**
 * Upload to MAAS from a finished build: the form is filled in from the build (name from the file, a
 * title, the region's architecture, the filetype the file's name says) and checked against the region
 * before anything is sent; then a progress bar with bytes, rate and time left; then the result, with the
 * region's own words when it refuses.
 */
import { useEffect, useId, useState } from 'react';
import type { MaasProfileInfo, MaasUploadFields, MaasUploadPlan } from '../../../electron/api/types';
import { messageOf } from '../../builds/controller';
import { formatBytes } from '../../builds/runView';
import { useBuilds } from '../../builds/store';
import { session } from '../../workspace/session';
import { Modal } from '../Modal';
import { ProgressBar } from '../build/Timeline';

const FILETYPES = ['tgz', 'tbz', 'txz', 'ddtgz', 'ddtbz', 'ddtxz', 'ddtar', 'ddbz2', 'ddgz', 'ddxz', 'ddraw'];

export function UploadDialog() {
  const target = useBuilds((s) => s.upload);
  const uploads = useBuilds((s) => s.uploads);
  // Profiles are read again when the MAAS settings close (a region may have been added there).
  const maasOpen = useBuilds((s) => s.maasOpen);
  const [profiles, setProfiles] = useState<MaasProfileInfo[] | undefined>();
  const [profile, setProfile] = useState('');
  const [plan, setPlan] = useState<MaasUploadPlan | undefined>();
  const [fields, setFields] = useState<MaasUploadFields | undefined>();
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [uploadId, setUploadId] = useState<string | undefined>();
  const id = useId();

  useEffect(() => {
    if (!target) return;
    setPlan(undefined);
    setFields(undefined);
    setUploadId(undefined);
    setError(undefined);
    session()
      .api.maasProfiles({})
      .then((r) => {
        setProfiles(r.profiles);
        setProfile((r.profiles.find((p) => p.isDefault) ?? r.profiles[0])?.name ?? '');
      })
      .catch((err) => setError(messageOf(err)));
  }, [target, maasOpen]);

  const check = async (given?: MaasUploadFields) => {
    if (!target || !profile) return;
    setChecking(true);
    setError(undefined);
    try {
      const result = await session().api.maasPlanUpload({
        runId: target.runId,
        file: target.file,
        profile,
        ...(given ? { fields: given } : {}),
      });
      setPlan(result);
      setFields(result.fields);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setChecking(false);
    }
  };

  useEffect(() => {
    if (target && profile) void check();
    // Only when the target or the region changes: field edits are checked with the Check button.
  }, [target, profile]);

  if (!target) return null;
  const upload = uploadId ? uploads[uploadId] : undefined;
  const close = () => useBuilds.setState({ upload: undefined });
  const problem = (field: keyof MaasUploadFields) => plan?.problems.find((p) => p.field === field)?.message;
  const input = (field: keyof MaasUploadFields, label: string, options?: string[]) => (
    <div className="field">
      <label htmlFor={`${id}-${field}`}>{label}</label>
      {options ? (
        <select
          id={`${id}-${field}`}
          value={fields?.[field] ?? ''}
          aria-invalid={Boolean(problem(field))}
          onChange={(e) => fields && setFields({ ...fields, [field]: e.target.value })}
        >
          {field === 'baseImage' ? <option value="">(none)</option> : null}
          {[...new Set([...(fields?.[field] ? [fields[field] as string] : []), ...options])].map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={`${id}-${field}`}
          value={fields?.[field] ?? ''}
          aria-invalid={Boolean(problem(field))}
          onChange={(e) => fields && setFields({ ...fields, [field]: e.target.value })}
        />
      )}
      {problem(field) ? (
        <span className="error" role="alert">
          {problem(field)}
        </span>
      ) : null}
    </div>
  );
  const running = upload?.state === 'running';
  return (
    <Modal title="Upload to MAAS" className="wide" {...(running ? {} : { onClose: close })}>
      <p className="path">
        {target.file}
        {plan ? ` (${formatBytes(plan.size)})` : ''}
      </p>
      {profiles && profiles.length === 0 ? (
        <p className="banner" role="note">
          No MAAS region is set up.{' '}
          <button type="button" onClick={() => useBuilds.setState({ maasOpen: true })}>
            Add a region
          </button>
        </p>
      ) : null}
      {profiles && profiles.length ? (
        <div className="field">
          <label htmlFor={`${id}-profile`}>Region</label>
          <select
            id={`${id}-profile`}
            value={profile}
            disabled={running}
            onChange={(e) => setProfile(e.target.value)}
          >
            {profiles.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name} ({p.url})
              </option>
            ))}
          </select>
        </div>
      ) : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {plan?.problems.find((p) => p.field === 'file') ? (
        <p className="error" role="alert">
          {plan.problems.find((p) => p.field === 'file')?.message}
        </p>
      ) : null}
      {plan?.readiness && !upload ? <ReadinessFindings readiness={plan.readiness} /> : null}
      {fields && !upload ? (
        <form
          aria-label="Image"
          onSubmit={async (e) => {
            e.preventDefault();
            try {
              const started = await session().api.maasUpload({
                runId: target.runId,
                file: target.file,
                profile,
                fields,
              });
              useBuilds.setState((s) => ({ uploads: { ...s.uploads, [started.uploadId]: started } }));
              setUploadId(started.uploadId);
            } catch (err) {
              setError(messageOf(err));
            }
          }}
        >
          {input('name', 'Name')}
          {input('title', 'Title')}
          {input('architecture', 'Architecture', plan?.architectures ?? [])}
          {input('filetype', 'File type', FILETYPES)}
          {input('baseImage', 'Base image', plan?.baseImages ?? [])}
          {plan?.notes.map((n) => (
            <p key={n} className="hint">
              {n}
            </p>
          ))}
          <div className="dialog-buttons">
            <button type="button" disabled={checking} onClick={() => void check(fields)}>
              {checking ? 'Checking…' : 'Check against the region'}
            </button>
            <button type="submit" className="primary" disabled={checking || Boolean(plan?.problems.length)}>
              Upload
            </button>
          </div>
        </form>
      ) : null}
      {upload ? (
        <section className="upload-state" aria-label="Upload">
          <ProgressBar
            progress={{
              label: `Upload: ${upload.phase}`,
              bytes: upload.bytes,
              total: upload.total,
              rate: upload.rate,
              done: upload.state !== 'running',
            }}
          />
          {upload.state === 'succeeded' ? (
            <p role="status" className="success">
              {upload.summary}
            </p>
          ) : null}
          {upload.state === 'failed' ? (
            <p role="alert" className="error">
              The upload failed: {upload.error}
            </p>
          ) : null}
          {upload.state === 'cancelled' ? <p role="status">{upload.summary}</p> : null}
          <div className="dialog-buttons">
            {running ? (
              <button
                type="button"
                onClick={() => void session().api.maasCancelUpload({ uploadId: upload.uploadId })}
              >
                Cancel upload
              </button>
            ) : null}
          </div>
        </section>
      ) : null}
      <div className="dialog-buttons">
        <button type="button" onClick={close} disabled={running}>
          Close
        </button>
      </div>
    </Modal>
  );
}

/** What the readiness check found in the file, before anything is sent (maas-upload runs the same). */
function ReadinessFindings({ readiness }: { readiness: NonNullable<MaasUploadPlan['readiness']> }) {
  const shown = readiness.findings.filter((f) => f.severity !== 'info');
  return (
    <section className="readiness" aria-label="Readiness check">
      <h3>Readiness check</h3>
      {readiness.error ? (
        <p className="hint">The readiness check could not run: {readiness.error}</p>
      ) : (
        <p className="hint">
          {readiness.detail}
          {readiness.detail ? ': ' : ''}
          {shown.length === 0
            ? 'no problems found.'
            : readiness.ready
              ? 'ready, with warnings.'
              : 'not ready for MAAS (the region may still take it; deploying it would fail).'}
        </p>
      )}
      {shown.length ? (
        <ul className="findings">
          {shown.map((f, i) => (
            <li key={`${f.rule}-${i}`} className={`problem ${f.severity}`}>
              <span className="severity">{f.severity}</span> [{f.rule}]{f.path ? ` ${f.path}` : ''}:{' '}
              {f.message}. <span className="hint">Fix: {f.fix}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
