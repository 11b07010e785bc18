/**
 * MAAS settings: connection profiles (a region URL and an API key, the key kept in the OS keychain in the
 * desktop app, in the CLI's 0600 file in the browser — said plainly), testing a connection, and the
 * region's images with Delete.
 */
import { useEffect, useId, useState } from 'react';
import type { MaasConnectionInfo, MaasImage, MaasProfilesResult } from '../../../electron/api/types';
import { messageOf } from '../../builds/controller';
import { formatBytes } from '../../builds/runView';
import { useBuilds } from '../../builds/store';
import { notify } from '../../state/store';
import { session } from '../../workspace/session';
import { Modal } from '../Modal';

function Images({ profile }: { profile: string }) {
  const [images, setImages] = useState<MaasImage[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const load = async () => {
    setError(undefined);
    try {
      setImages(await session().api.maasListImages({ profile }));
    } catch (err) {
      setError(messageOf(err));
    }
  };
  useEffect(() => {
    setImages(undefined);
    void load();
  }, [profile]);
  return (
    <section className="maas-images" aria-label={`Images on ${profile}`}>
      <h3>
        Images on {profile}{' '}
        <button type="button" className="small" onClick={() => void load()}>
          Refresh
        </button>
      </h3>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {!images && !error ? <p className="empty">Loading…</p> : null}
      {images ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Architecture</th>
              <th scope="col">Type</th>
              <th scope="col">Size</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {images.map((img) => (
              <tr key={img.id}>
                <td title={img.title}>{img.name}</td>
                <td>{img.architecture}</td>
                <td>{img.type}</td>
                <td>
                  {img.size !== undefined ? formatBytes(img.size) : ''}
                  {img.complete === false ? ' (incomplete)' : ''}
                </td>
                <td>
                  {img.type.toLowerCase() === 'uploaded' ? (
                    <button
                      type="button"
                      className="small"
                      aria-label={`Delete ${img.name} ${img.architecture} from ${profile}`}
                      onClick={async () => {
                        if (!window.confirm(`Delete ${img.name} (${img.architecture}) from the region?`))
                          return;
                        try {
                          await session().api.maasDeleteImage({ profile, id: img.id });
                          notify('info', `Deleted ${img.name} from ${profile}.`);
                          await load();
                        } catch (err) {
                          notify('error', `Could not delete ${img.name}: ${messageOf(err)}`);
                        }
                      }}
                    >
                      Delete
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

export function MaasSettings() {
  const open = useBuilds((s) => s.maasOpen);
  const [data, setData] = useState<MaasProfilesResult | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [form, setForm] = useState({ name: '', url: '', apiKey: '' });
  const [tested, setTested] = useState<{ ok: boolean; text: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState<string | undefined>();
  const id = useId();
  useEffect(() => {
    if (!open) return;
    session()
      .api.maasProfiles({})
      .then((d) => {
        setData(d);
        setShown(d.profiles.find((p) => p.isDefault)?.name ?? d.profiles[0]?.name);
      })
      .catch((err) => setError(messageOf(err)));
  }, [open]);
  if (!open) return null;
  const close = () => useBuilds.setState({ maasOpen: false });
  const describe = (info: MaasConnectionInfo) =>
    `Connected to MAAS ${info.maasVersion} at ${info.url} as ${info.user}${info.isAdmin ? ' (admin)' : ' (not an admin: uploads need an admin key)'}.`;
  return (
    <Modal title="MAAS regions" className="wide" onClose={close}>
      {data?.storage.warning ? (
        <p className="banner" role="note">
          {data.storage.warning}
        </p>
      ) : data ? (
        <p className="hint">
          API keys are kept in the{' '}
          {data.storage.kind === 'keychain' ? `OS keychain (${data.storage.detail})` : data.storage.detail}.
        </p>
      ) : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <section aria-label="Profiles">
        <h3>Profiles</h3>
        {data?.profiles.length === 0 ? <p className="empty">No region yet: add one below.</p> : null}
        <ul className="profiles">
          {data?.profiles.map((p) => (
            <li key={p.name}>
              <button
                type="button"
                className="link"
                aria-pressed={shown === p.name}
                onClick={() => setShown(p.name)}
              >
                {p.name}
              </button>
              <span className="muted">
                {p.url}
                {p.isDefault ? ' · default' : ''}
              </span>
              <button
                type="button"
                className="small"
                aria-label={`Test the connection of ${p.name}`}
                onClick={async () => {
                  try {
                    notify('info', describe(await session().api.maasTestConnection({ profile: p.name })));
                  } catch (err) {
                    notify('error', `${p.name}: ${messageOf(err)}`);
                  }
                }}
              >
                Test
              </button>
              <button
                type="button"
                className="small"
                aria-label={`Remove the profile ${p.name}`}
                onClick={async () => {
                  try {
                    setData(await session().api.maasRemoveProfile({ name: p.name }));
                  } catch (err) {
                    notify('error', messageOf(err));
                  }
                }}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      </section>
      <form
        aria-label="Add a region"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          try {
            const saved = await session().api.maasSaveProfile(form);
            setData(saved);
            setShown(form.name);
            setTested({ ok: true, text: `Saved ${form.name}.` });
            setForm({ name: '', url: '', apiKey: '' });
          } catch (err) {
            setTested({ ok: false, text: messageOf(err) });
          } finally {
            setBusy(false);
          }
        }}
      >
        <h3>Add a region</h3>
        <label htmlFor={`${id}-name`}>Profile name</label>
        <input
          id={`${id}-name`}
          value={form.name}
          required
          onChange={(e) => setForm({ ...form, name: e.target.value })}
        />
        <label htmlFor={`${id}-url`}>Region URL</label>
        <input
          id={`${id}-url`}
          value={form.url}
          placeholder="http://maas.example:5240/MAAS"
          required
          onChange={(e) => setForm({ ...form, url: e.target.value })}
        />
        <label htmlFor={`${id}-key`}>API key</label>
        <input
          id={`${id}-key`}
          type="password"
          autoComplete="off"
          value={form.apiKey}
          placeholder="consumer:token:secret"
          required
          onChange={(e) => setForm({ ...form, apiKey: e.target.value })}
        />
        {tested ? (
          <p className={tested.ok ? 'hint' : 'error'} role={tested.ok ? 'status' : 'alert'}>
            {tested.text}
          </p>
        ) : null}
        <div className="dialog-buttons">
          <button
            type="button"
            disabled={busy || !form.url || !form.apiKey}
            onClick={async () => {
              setBusy(true);
              try {
                setTested({
                  ok: true,
                  text: describe(
                    await session().api.maasTestConnection({ url: form.url, apiKey: form.apiKey }),
                  ),
                });
              } catch (err) {
                setTested({ ok: false, text: messageOf(err) });
              } finally {
                setBusy(false);
              }
            }}
          >
            Test connection
          </button>
          <button type="submit" className="primary" disabled={busy}>
            Save profile
          </button>
        </div>
      </form>
      {shown ? <Images profile={shown} /> : null}
      <div className="dialog-buttons">
        <button type="button" onClick={close}>
          Close
        </button>
      </div>
    </Modal>
  );
}
