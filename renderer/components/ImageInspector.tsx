/**
 * What an image holds, in the app (`kiln inspect-image` in the CLI): an ISO's volume and files, a
 * tarball's members, a disk's format, backing chain, partitions and, for a readable file system, its
 * files one directory at a time.
 */
import { useEffect, useId, useState } from 'react';
import type { FileEntry, InspectReport, PartitionReport } from '../../electron/api/types';
import { formatMtime, modeString } from '../../electron/api/file-mode';
import { messageOf } from '../builds/controller';
import { formatBytes } from '../builds/runView';
import { useInspector } from '../state/inspector';
import { Modal } from './Modal';
import { session } from '../workspace/session';

function parentOf(dir: string): string {
  const parts = dir.split('/').filter(Boolean);
  return `/${parts.slice(0, -1).join('/')}`;
}

function FileTable({
  files,
  truncated,
  label,
  onOpenDir,
}: {
  files: FileEntry[];
  truncated: boolean;
  label: string;
  onOpenDir?: (path: string) => void;
}) {
  const [filter, setFilter] = useState('');
  const shown = filter ? files.filter((f) => f.path.toLowerCase().includes(filter.toLowerCase())) : files;
  return (
    <>
      <input
        type="search"
        aria-label="Filter files"
        placeholder="Filter files"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
      />
      <div className="inspector-files">
        <table aria-label={label}>
          <thead>
            <tr>
              <th scope="col">Mode</th>
              <th scope="col">Owner</th>
              <th scope="col">Size</th>
              <th scope="col">Modified</th>
              <th scope="col">Path</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((f) => (
              <tr key={f.path}>
                <td>
                  <code>{modeString(f.type, f.perm)}</code>
                </td>
                <td>
                  {f.uid}/{f.gid}
                </td>
                <td>
                  {f.type === 'file' ? formatBytes(f.size) : ''}
                  {f.stored !== undefined ? (
                    <span className="hint"> (sparse: {formatBytes(f.stored)})</span>
                  ) : null}
                </td>
                <td>{formatMtime(f.mtime)}</td>
                <td className="path">
                  {f.type === 'dir' && onOpenDir ? (
                    <button type="button" className="link" onClick={() => onOpenDir(f.path)}>
                      {f.path}/
                    </button>
                  ) : (
                    f.path
                  )}
                  {f.target ? <span className="hint"> → {f.target}</span> : null}
                  {f.xattrs?.length ? <span className="hint"> [{f.xattrs.join(', ')}]</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="hint" role="status">
        {shown.length === files.length
          ? `${files.length} entries`
          : `${shown.length} of ${files.length} entries`}
        {truncated ? ' (the list stops here: narrow it to a directory)' : ''}
      </p>
    </>
  );
}

function PartitionTable({
  partitions,
  onBrowse,
}: {
  partitions: PartitionReport[];
  onBrowse: (n: number) => void;
}) {
  return (
    <table aria-label="Partitions">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Start</th>
          <th scope="col">Size</th>
          <th scope="col">Type</th>
          <th scope="col">Contents</th>
          <th scope="col">
            <span className="visually-hidden">Files</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {partitions.map((p) => (
          <tr key={p.number} aria-label={`Partition ${p.number}`}>
            <td>{p.number}</td>
            <td>{formatBytes(p.start)}</td>
            <td>{formatBytes(p.size)}</td>
            <td>
              {p.typeName}
              {p.name ? <span className="hint"> “{p.name}”</span> : null}
            </td>
            <td>
              {p.content}
              {p.label ? <span className="hint"> label {p.label}</span> : null}
              {p.note ? <span className="hint"> — {p.note}</span> : null}
            </td>
            <td>
              {p.fs ? (
                <button
                  type="button"
                  aria-label={`Browse partition ${p.number}`}
                  onClick={() => onBrowse(p.number)}
                >
                  Browse files
                </button>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Summary({ report }: { report: InspectReport }) {
  const rows: Array<[string, string]> = [['Size', formatBytes(report.size)]];
  if (report.kind === 'iso') {
    rows.push(
      ['Volume id', report.volumeId],
      ['System id', report.systemId],
      ['Application id', report.applicationId],
      ['Volume size', formatBytes(report.volumeSize)],
      [
        'Names',
        `${report.rockRidge ? 'Rock Ridge' : 'no Rock Ridge'}, ${report.jolietLevel ? `Joliet level ${report.jolietLevel}` : 'no Joliet'}`,
      ],
      ['Bootable (El Torito)', report.elTorito ? 'yes' : 'no'],
    );
  } else if (report.kind === 'tarball') {
    rows.push(
      ['Compression', report.compression],
      ['Members', String(report.members)],
      ['Data', formatBytes(report.dataBytes)],
      [
        'Types',
        Object.entries(report.types)
          .map(([t, n]) => `${n} ${t}`)
          .join(', '),
      ],
    );
  } else if (report.kind === 'disk') {
    rows.push(
      [
        'Format',
        `${report.format}${report.compression !== 'none' ? ` (${report.compression})` : ''}${report.tarred ? ', in a tar' : ''}`,
      ],
      ['Virtual size', formatBytes(report.virtualSize)],
      ['Partition table', report.scheme],
    );
    if (report.backingChain.length) rows.push(['Backing files', report.backingChain.join(' → ')]);
  } else {
    rows.push(['Compression', report.compression]);
  }
  return (
    <dl className="inspector-summary">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function ImageInspector() {
  const target = useInspector((s) => s.target);
  const [path, setPath] = useState(target?.path ?? '');
  const [report, setReport] = useState<InspectReport | undefined>();
  const [browse, setBrowse] = useState<{ partition: number; dir: string } | undefined>();
  const [listing, setListing] = useState<{ files: FileEntry[]; truncated: boolean } | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const id = useId();

  const inspect = async (file: string) => {
    if (!file.trim() || busy) return;
    setBusy(true);
    setError(undefined);
    setReport(undefined);
    setBrowse(undefined);
    setListing(undefined);
    try {
      setReport(await session().api.inspectImage({ path: file.trim() }));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    if (target?.path) void inspect(target.path);
  }, [target?.path]);

  useEffect(() => {
    if (!browse || !report) return;
    let cancelled = false;
    setBusy(true);
    setError(undefined);
    session()
      .api.inspectImage({
        path: report.path,
        files: true,
        partition: browse.partition,
        under: browse.dir,
        depth: 1,
      })
      .then((r) => {
        if (cancelled || r.kind !== 'disk') return;
        setListing({ files: r.files ?? [], truncated: r.truncated });
      })
      .catch((err: unknown) => !cancelled && setError(messageOf(err)))
      .finally(() => !cancelled && setBusy(false));
    return () => {
      cancelled = true;
    };
  }, [browse, report]);

  if (!target) return null;
  const close = () => useInspector.setState({ target: undefined });
  return (
    <Modal title="Inspect an image" className="wide image-inspector" onClose={close}>
      <form
        className="field-row"
        aria-label="Choose the image"
        onSubmit={(e) => {
          e.preventDefault();
          void inspect(path);
        }}
      >
        <div className="field grow">
          <label htmlFor={`${id}-path`}>Image file (ISO, tarball, qcow2 or raw disk, dd image)</label>
          <input
            id={`${id}-path`}
            value={path}
            spellCheck={false}
            placeholder="/path/to/image.qcow2"
            onChange={(e) => setPath(e.target.value)}
          />
        </div>
        <button type="submit" disabled={!path.trim()} aria-busy={busy}>
          Inspect
        </button>
      </form>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {busy ? <p role="status">Reading the image…</p> : null}
      {report ? (
        <section aria-label="Report">
          <h3>
            {report.kind === 'iso'
              ? 'ISO 9660 image'
              : report.kind === 'tarball'
                ? 'Tarball'
                : report.kind === 'disk'
                  ? 'Disk image'
                  : 'Unknown file'}
          </h3>
          <Summary report={report} />
          {report.kind === 'unknown' ? <p className="hint">{report.note}</p> : null}
          {report.kind === 'disk' && report.warnings.length ? (
            <ul className="findings">
              {report.warnings.map((w) => (
                <li key={w} className="problem warning">
                  {w}
                </li>
              ))}
            </ul>
          ) : null}
          {report.kind === 'disk' ? (
            <PartitionTable
              partitions={report.partitions}
              onBrowse={(n) => setBrowse({ partition: n, dir: '/' })}
            />
          ) : null}
          {report.kind === 'iso' || report.kind === 'tarball' ? (
            <FileTable files={report.files} truncated={report.truncated} label="Files" />
          ) : null}
          {report.kind === 'disk' && browse && listing ? (
            <section aria-label={`Files of partition ${browse.partition}`}>
              <h3>
                Partition {browse.partition}: <code>{browse.dir}</code>
              </h3>
              {browse.dir !== '/' ? (
                <button type="button" onClick={() => setBrowse({ ...browse, dir: parentOf(browse.dir) })}>
                  Up to {parentOf(browse.dir)}
                </button>
              ) : null}
              <FileTable
                files={listing.files}
                truncated={listing.truncated}
                label="Files"
                onOpenDir={(dir) => setBrowse({ ...browse, dir })}
              />
            </section>
          ) : null}
        </section>
      ) : null}
      <div className="dialog-buttons">
        <button type="button" onClick={close}>
          Close
        </button>
      </div>
    </Modal>
  );
}
