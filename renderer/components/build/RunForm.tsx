/**
 * The Build form: which builds (-only / -except), variable values, what to do on error, -debug stepping
 * and -force. Var files are the ones switched on in the file list.
 */
import { useId } from 'react';
import type { OnErrorMode } from '../../../electron/api/types';
import { buildNames } from '../../builds/names';
import { useBuilds } from '../../builds/store';
import { useStore } from '../../state/store';
import { session } from '../../workspace/session';

const ON_ERROR: Array<{ value: OnErrorMode; label: string }> = [
  { value: 'ask', label: 'Ask: retry, continue, clean up, abort or keep the VM' },
  { value: 'cleanup', label: 'Clean up' },
  { value: 'abort', label: 'Abort without cleanup' },
  { value: 'run-cleanup-provisioner', label: 'Run the error-cleanup provisioner, then abort' },
];

export function RunForm() {
  const form = useBuilds((s) => s.form);
  const starting = useBuilds((s) => s.starting);
  const pipeline = useStore((s) => s.pipeline);
  const workspace = useStore((s) => s.workspace);
  const varFiles = useStore((s) => s.varFiles);
  const id = useId();
  const names = buildNames(pipeline);
  const variables = pipeline?.variables ?? [];
  const set = (patch: Partial<typeof form>) => useBuilds.setState((s) => ({ form: { ...s.form, ...patch } }));
  return (
    <form
      className="run-form"
      aria-label="Build options"
      onSubmit={(e) => {
        e.preventDefault();
        if (workspace) void session().builds.start(workspace.id, form, varFiles);
      }}
    >
      <fieldset>
        <legend>Builds</legend>
        <div className="segmented" role="radiogroup" aria-label="Which builds">
          {(['all', 'only', 'except'] as const).map((mode) => (
            <label key={mode} className="radio">
              <input
                type="radio"
                name={`${id}-selection`}
                checked={form.selection === mode}
                onChange={() => set({ selection: mode })}
              />
              {mode === 'all' ? 'All' : mode === 'only' ? 'Only' : 'Except'}
            </label>
          ))}
        </div>
        {form.selection !== 'all' ? (
          <>
            <label htmlFor={`${id}-names`}>
              {form.selection === 'only' ? 'Build only (comma separated, globs allowed)' : 'Build all except'}
            </label>
            <input
              id={`${id}-names`}
              list={`${id}-known`}
              value={form.names}
              placeholder={names[0] ?? 'name'}
              onChange={(e) => set({ names: e.target.value })}
            />
            <datalist id={`${id}-known`}>
              {names.map((n) => (
                <option key={n} value={n} />
              ))}
            </datalist>
          </>
        ) : null}
      </fieldset>
      {variables.length ? (
        <fieldset>
          <legend>Variables</legend>
          <p className="hint">Leave empty to use the default, a var file or PKR_VAR_ value.</p>
          {variables.map((v) => (
            <div key={v.name} className="var-row">
              <label htmlFor={`${id}-var-${v.name}`}>{v.name}</label>
              <input
                id={`${id}-var-${v.name}`}
                value={form.vars[v.name] ?? ''}
                onChange={(e) => set({ vars: { ...form.vars, [v.name]: e.target.value } })}
              />
            </div>
          ))}
        </fieldset>
      ) : null}
      {varFiles.length ? <p className="hint">Var files: {varFiles.join(', ')}</p> : null}
      <label htmlFor={`${id}-on-error`}>On error</label>
      <select
        id={`${id}-on-error`}
        value={form.onError}
        onChange={(e) => set({ onError: e.target.value as OnErrorMode })}
      >
        {ON_ERROR.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <label className="check">
        <input type="checkbox" checked={form.debug} onChange={(e) => set({ debug: e.target.checked })} />{' '}
        Debug: pause after every step (Next / Continue)
      </label>
      <label className="check">
        <input type="checkbox" checked={form.force} onChange={(e) => set({ force: e.target.checked })} />{' '}
        Force: delete existing artifacts
      </label>
      <div className="dialog-buttons">
        <button type="submit" className="primary" disabled={starting || !workspace}>
          {starting ? 'Starting…' : 'Start build'}
        </button>
      </div>
    </form>
  );
}
