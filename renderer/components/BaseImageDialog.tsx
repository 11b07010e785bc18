/**
 * Picks an Ubuntu cloud image from a SimpleStreams mirror (Canonical's released or daily images, another
 * mirror, or a local one) for a qemu block: lists the newest image of each release with its size and
 * whether the download cache has it, downloads one ahead of the build with progress, and writes its
 * `iso_url` and `iso_checksum` (sha256 from the stream) into the template.
 */
import { useEffect, useId, useState } from 'react';
import type { BaseImage, BaseImageList } from '../../electron/api/types';
import { messageOf } from '../builds/controller';
import { formatBytes } from '../builds/runView';
import { onBaseImageFetch, useBaseImages } from '../state/baseImages';
import { Modal } from './Modal';
import { session } from '../workspace/session';
import { ProgressBar } from './build/Timeline';

const STREAMS = [
  { value: 'stable', label: 'Released images (stable)' },
  { value: 'candidate', label: 'Daily builds (candidate, not yet released)' },
  { value: 'other', label: 'Another mirror (URL or folder)' },
] as const;
const ARCHES = ['amd64', 'arm64', 'ppc64el', 's390x', 'armhf', 'riscv64'];

export function BaseImageDialog() {
  const picker = useBaseImages((s) => s.picker);
  const fetches = useBaseImages((s) => s.fetches);
  const [streamKind, setStreamKind] = useState<(typeof STREAMS)[number]['value']>('stable');
  const [mirror, setMirror] = useState('');
  const [arch, setArch] = useState('amd64');
  const [allVersions, setAllVersions] = useState(false);
  const [list, setList] = useState<BaseImageList | undefined>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [setDiskImage, setSetDiskImage] = useState(true);
  const id = useId();
  const stream = streamKind === 'other' ? mirror.trim() : streamKind;

  const load = async () => {
    if (!stream || loading) return;
    setLoading(true);
    setError(undefined);
    try {
      setList(await session().api.listBaseImages({ stream, arch, allVersions }));
    } catch (err) {
      setList(undefined);
      setError(messageOf(err));
    } finally {
      setLoading(false);
    }
  };

  // Listing reads the stream over the network (megabytes for Canonical's): only when asked, then again
  // when the architecture or the serial choice changes.
  useEffect(() => {
    if (list) void load();
  }, [arch, allVersions]);

  if (!picker) return null;
  const close = () => useBaseImages.setState({ picker: undefined });
  const fetchOf = (image: BaseImage) =>
    Object.values(fetches)
      .filter((f) => f.product === image.product && f.serial === image.serial)
      .at(-1);

  const use = async (image: BaseImage) => {
    const s = session();
    const keys = { iso_url: image.iso_url, iso_checksum: image.iso_checksum };
    for (const [key, value] of Object.entries(keys))
      await s.editPipeline({ op: 'set', address: picker.address, key, value });
    if (setDiskImage && !picker.diskImage)
      await s.editPipeline({ op: 'set', address: picker.address, key: 'disk_image', value: true });
    close();
  };

  const download = async (image: BaseImage) => {
    setError(undefined);
    try {
      const started = await session().api.fetchBaseImage({
        stream,
        product: image.product,
        serial: image.serial,
      });
      onBaseImageFetch(started);
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <Modal title="Choose a cloud image" className="wide base-images" onClose={close}>
      <p className="hint">
        For {picker.title}: Ubuntu cloud images from a SimpleStreams mirror. The image is checked against the
        sha256 the stream gives, when it is downloaded and when a build reads it.
      </p>
      <form
        className="field-row"
        aria-label="Mirror"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-stream`}>Stream</label>
          <select
            id={`${id}-stream`}
            value={streamKind}
            onChange={(e) => {
              setStreamKind(e.target.value as typeof streamKind);
              setList(undefined);
            }}
          >
            {STREAMS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        {streamKind === 'other' ? (
          <div className="field grow">
            <label htmlFor={`${id}-mirror`}>Mirror URL or folder</label>
            <input
              id={`${id}-mirror`}
              value={mirror}
              spellCheck={false}
              placeholder="https://mirror.example/releases/ or /srv/mirror"
              onChange={(e) => setMirror(e.target.value)}
            />
          </div>
        ) : null}
        <div className="field">
          <label htmlFor={`${id}-arch`}>Architecture</label>
          <select id={`${id}-arch`} value={arch} onChange={(e) => setArch(e.target.value)}>
            {ARCHES.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </div>
        <label className="check">
          <input type="checkbox" checked={allVersions} onChange={(e) => setAllVersions(e.target.checked)} />
          Every serial
        </label>
        <button type="submit" disabled={!stream} aria-busy={loading}>
          List images
        </button>
      </form>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {loading ? <p role="status">Reading the stream…</p> : null}
      {list && !loading ? (
        list.images.length === 0 ? (
          <p role="status">
            No {arch} disk images in {list.stream}.
          </p>
        ) : (
          <table className="base-image-table" aria-label="Cloud images">
            <thead>
              <tr>
                <th scope="col">Release</th>
                <th scope="col">Serial</th>
                <th scope="col">Size</th>
                <th scope="col">Download</th>
                <th scope="col">
                  <span className="visually-hidden">Use</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.images.map((image) => {
                const fetch = fetchOf(image);
                const name = `${image.releaseTitle} (${image.release}) ${image.serial}`;
                return (
                  <tr key={`${image.product}/${image.serial}`} aria-label={name}>
                    <td>
                      {image.releaseTitle} <span className="hint">{image.release}</span>
                      {image.supported === false ? <span className="badge">unsupported</span> : null}
                    </td>
                    <td>
                      {image.serial} <span className="hint">{image.label}</span>
                    </td>
                    <td>{formatBytes(image.size)}</td>
                    <td>
                      {fetch?.state === 'running' ? (
                        <span className="fetch">
                          <ProgressBar
                            progress={{
                              label: `Download of ${name}`,
                              bytes: fetch.bytes,
                              total: fetch.total,
                              rate: 0,
                              done: false,
                            }}
                          />
                          <button
                            type="button"
                            onClick={() =>
                              void session().api.cancelBaseImageFetch({ fetchId: fetch.fetchId })
                            }
                          >
                            Cancel
                          </button>
                        </span>
                      ) : image.cached || fetch?.state === 'done' ? (
                        <span role="status">In the cache, verified</span>
                      ) : (
                        <>
                          {fetch?.state === 'failed' ? (
                            <span className="error" role="alert">
                              {fetch.error}
                            </span>
                          ) : null}
                          {fetch?.state === 'cancelled' ? <span role="status">Cancelled</span> : null}
                          <button
                            type="button"
                            aria-label={`Download ${name}`}
                            onClick={() => void download(image)}
                          >
                            Download
                          </button>
                        </>
                      )}
                    </td>
                    <td>
                      <button
                        type="button"
                        className="primary"
                        aria-label={`Use ${name}`}
                        onClick={() => void use(image)}
                      >
                        Use
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )
      ) : null}
      {!picker.diskImage ? (
        <label className="check">
          <input type="checkbox" checked={setDiskImage} onChange={(e) => setSetDiskImage(e.target.checked)} />
          Also set <code>disk_image = true</code> (a cloud image is a disk, not an installer ISO)
        </label>
      ) : null}
      <div className="dialog-buttons">
        <button type="button" onClick={close}>
          Close
        </button>
      </div>
    </Modal>
  );
}
