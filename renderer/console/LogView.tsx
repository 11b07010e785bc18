/**
 * A run's log lines (already masked by the engine), filterable by text, level and build, following the
 * newest line unless scrolled up. Only the visible lines are in the document, so a long log costs no
 * more to show than a short one.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { LogLine } from '../builds/runView';

const LINE_HEIGHT = 18;
const OVERSCAN = 20;

interface Props {
  lines: LogLine[];
  dropped: number;
  builds: string[];
  filter: { text: string; level: 'all' | 'say' | 'error'; build: string };
  onFilter(filter: Props['filter']): void;
}

export function LogView({ lines, dropped, builds, filter, onFilter }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 400 });
  const [follow, setFollow] = useState(true);
  const shown = useMemo(() => {
    const text = filter.text.toLowerCase();
    return lines.filter(
      (l) =>
        (filter.level === 'all' ||
          l.level === filter.level ||
          (filter.level === 'say' && l.level === 'message')) &&
        (!filter.build || l.build === filter.build || l.build === undefined) &&
        (!text || l.text.toLowerCase().includes(text)),
    );
  }, [lines, filter]);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setView((v) => ({ ...v, height: el.clientHeight })));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const el = scroller.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [shown, follow]);

  const first = Math.max(0, Math.floor(view.top / LINE_HEIGHT) - OVERSCAN);
  const last = Math.min(shown.length, Math.ceil((view.top + view.height) / LINE_HEIGHT) + OVERSCAN);
  return (
    <div className="log-view">
      <div className="log-filter" role="search" aria-label="Filter the log">
        <input
          type="search"
          aria-label="Filter log lines"
          placeholder="Filter"
          value={filter.text}
          onChange={(e) => onFilter({ ...filter, text: e.target.value })}
        />
        <select
          aria-label="Log level"
          value={filter.level}
          onChange={(e) => onFilter({ ...filter, level: e.target.value as Props['filter']['level'] })}
        >
          <option value="all">All lines</option>
          <option value="say">Messages</option>
          <option value="error">Errors</option>
        </select>
        {builds.length > 1 ? (
          <select
            aria-label="Build"
            value={filter.build}
            onChange={(e) => onFilter({ ...filter, build: e.target.value })}
          >
            <option value="">All builds</option>
            {builds.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        ) : null}
        <label className="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
        </label>
        <span className="counts" aria-live="off">
          {shown.length} of {lines.length} lines{dropped ? ` (${dropped} earlier lines not shown)` : ''}
        </span>
      </div>
      <div
        className="log-lines"
        ref={scroller}
        role="log"
        aria-label="Build log"
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          setView({ top: el.scrollTop, height: el.clientHeight });
          const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < LINE_HEIGHT * 2;
          if (atEnd !== follow) setFollow(atEnd);
        }}
      >
        <div style={{ height: shown.length * LINE_HEIGHT, position: 'relative' }}>
          {shown.slice(first, last).map((l, i) => (
            <div
              key={l.id}
              className={`log-line ${l.level}`}
              style={{ top: (first + i) * LINE_HEIGHT, height: LINE_HEIGHT }}
            >
              <span className="log-time">{new Date(l.time).toLocaleTimeString()}</span>
              {l.build ? <span className="log-build">{l.build}</span> : null}
              <span className="log-text">{l.text}</span>
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
