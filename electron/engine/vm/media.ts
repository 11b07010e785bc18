/**
 * The small media a build hands to its guest: a CD (cd_files, cd_content, cd_label; a cloud-init
 * NoCloud seed is a CD labelled `cidata`) made with xorriso as packer-plugin-sdk's StepCreateCD does,
 * and a 1.44 MB FAT12 floppy (floppy_files, floppy_dirs, floppy_content, floppy_label) made with
 * mtools, with the file layout rules of StepCreateFloppy. No root, no loop mounts.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, posix, sep } from 'node:path';

export interface RunToolOptions {
  signal?: AbortSignal;
  /** Each line the tool prints (Packer streams them to the UI). */
  onLine?: (line: string) => void;
}

/** Runs a tool; rejects with its last output lines. */
export function runTool(command: string, args: string[], options: RunToolOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    options.signal?.throwIfAborted();
    // mtools refuses images whose geometry it does not recognise unless told not to check.
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
    });
    const lines: string[] = [];
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        lines.push(line);
        options.onLine?.(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const onAbort = () => child.kill('SIGKILL');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(new Error(`cannot run ${command}: ${err.message}`));
    });
    child.on('close', (code) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (options.signal?.aborted) reject(options.signal.reason);
      else if (code === 0) resolve();
      else reject(new Error(`${command} failed (exit ${code}): ${lines.slice(-5).join('\n')}`));
    });
  });
}

function copyTree(src: string, dest: string): void {
  const st = statSync(src);
  if (!st.isDirectory()) {
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(src, dest);
    return;
  }
  mkdirSync(dest, { recursive: true });
  for (const name of readdirSync(src)) copyTree(join(src, name), join(dest, name));
}

/**
 * StepCreateCD.AddFile: a file goes to the CD root under its base name; a folder keeps its own name
 * (its parent is discarded), unless the path ends with a slash, which puts its contents at the root.
 */
export function addCdFile(root: string, src: string): void {
  let st;
  try {
    st = statSync(src);
  } catch (err) {
    throw new Error(`Error adding path to CD: ${(err as Error).message}`, { cause: err });
  }
  if (!st.isDirectory()) {
    copyFileSync(src, join(root, basename(src)));
    return;
  }
  if (src.endsWith('/') || src.endsWith(sep)) {
    for (const name of readdirSync(src)) copyTree(join(src, name), join(root, name));
    return;
  }
  copyTree(src, join(root, basename(src)));
}

/** StepCreateCD.AddContent: a path (with folders) on the CD and its content. */
export function addCdContent(root: string, path: string, content: string): void {
  const dest = join(root, path);
  mkdirSync(dirname(dest), { recursive: true });
  writeFileSync(dest, content);
}

export interface CdOptions extends RunToolOptions {
  /** Paths (globs already expanded) of files and folders. */
  files: string[];
  /** Path on the CD → content (wins over files of the same path). */
  content: Record<string, string>;
  /** Volume label; `packer` when empty. */
  label: string;
  /** The ISO to write. */
  dest: string;
  /** A scratch folder (made and filled here; the caller removes it). */
  stagingDir: string;
  xorriso?: string;
}

/** Makes the CD: `xorriso -as genisoimage -rock -joliet -volid LABEL -output DEST SRC`. */
export async function makeCd(options: CdOptions): Promise<void> {
  mkdirSync(options.stagingDir, { recursive: true });
  for (const file of options.files) addCdFile(options.stagingDir, file);
  for (const [path, content] of Object.entries(options.content))
    addCdContent(options.stagingDir, path, content);
  await runTool(
    options.xorriso ?? 'xorriso',
    [
      '-as',
      'genisoimage',
      '-rock',
      '-joliet',
      '-volid',
      options.label || 'packer',
      '-output',
      options.dest,
      options.stagingDir,
    ],
    options,
  );
}

export interface FloppyOptions extends RunToolOptions {
  /** floppy_files, globs expanded: files go to the root; a folder adds every file it holds, flattened. */
  files: string[];
  /** floppy_dirs, globs expanded: copied with their hierarchy, the folder itself at the root. */
  dirs: string[];
  /** floppy_content: path → content (Packer puts each at the root under its base name). */
  content: Record<string, string>;
  label: string;
  dest: string;
}

function walkFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walkFiles(path));
    else out.push(path);
  }
  return out;
}

/** The floppy's layout: destination path (posix, from the root) → source file or inline content. */
export function floppyLayout(options: Pick<FloppyOptions, 'files' | 'dirs' | 'content'>): Array<{
  path: string;
  source?: string;
  content?: string;
}> {
  const entries: Array<{ path: string; source?: string; content?: string }> = [];
  for (const file of options.files) {
    let st;
    try {
      st = statSync(file);
    } catch (err) {
      throw new Error(`Error trying to stat : ${file} : ${(err as Error).message}`, { cause: err });
    }
    if (st.isDirectory()) for (const f of walkFiles(file)) entries.push({ path: basename(f), source: f });
    else entries.push({ path: basename(file), source: file });
  }
  for (const dir of options.dirs) {
    const st = statSync(dir);
    if (!st.isDirectory()) {
      entries.push({ path: basename(dir), source: dir });
      continue;
    }
    const parent = dirname(dir.replace(/\/+$/, ''));
    for (const f of walkFiles(dir)) {
      const rel = f
        .slice(parent === '.' ? 0 : parent.length + 1)
        .split(sep)
        .join('/');
      entries.push({ path: rel, source: f });
    }
  }
  for (const [path, content] of Object.entries(options.content)) {
    entries.push({ path: posix.basename(path), content });
  }
  return entries;
}

/** Makes a 1.44 MB FAT12 floppy with mkfs.vfat and mtools (mmd, mcopy). */
export async function makeFloppy(options: FloppyOptions & { stagingDir: string }): Promise<void> {
  const label = (options.label || 'packer').slice(0, 11);
  await runTool('mkfs.vfat', ['-C', '-F', '12', '-n', label, options.dest, '1440'], options);
  const dirs = new Set<string>();
  mkdirSync(options.stagingDir, { recursive: true });
  for (const entry of floppyLayout(options)) {
    const parts = entry.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      await runTool('mmd', ['-i', options.dest, `::/${dir}`], options);
    }
    let source = entry.source;
    if (source === undefined) {
      source = join(
        options.stagingDir,
        `content-${dirs.size}-${parts.length}-${Math.random().toString(36).slice(2)}`,
      );
      writeFileSync(source, entry.content ?? '');
    }
    await runTool('mcopy', ['-i', options.dest, '-o', source, `::/${entry.path}`], options);
  }
}
