/**
 * Ferry outside its window: files handed over by the desktop (launch arguments, a second launch,
 * macOS open-file and dock drops, the tray), the clipboard (the global shortcut, the tray) and a
 * screen capture go to the destination chosen in Settings, never replacing anything there, and
 * one link for them lands on the clipboard with one notification. Plain Node: the Electron glue
 * (index.ts, shortcut, tray) only calls these.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Ferry } from '../core/ferry';
import { isFerryError } from '../core/errors';
import { dataFolderError, writeFileAtomic } from '../core/files';
import { destinationFolder } from '../core/s3/names';
import { addUploads, type UploadRoom } from './add-uploads';
import type { CaptureTool } from './capture';
import type { ClipboardItem } from './clipboard-share';
import type { SessionLinks } from './session-links';
import { forWindow, leafOf } from './window-words';

export interface OutsideDeps {
  ferry: Ferry;
  dataDir: string;
  room: UploadRoom;
  links: SessionLinks;
  copyText(text: string): void;
  notify(title: string, body: string): void;
  /** Opens the window's Settings (no destination is chosen yet). */
  showSettings(): void;
  /** How long files handed over one by one (macOS sends open-file per file) are gathered into one share. */
  gatherMs?: number;
}

/** A share waiting for the network, as written down: what was handed over, and the clipboard's folder it reads from. */
interface WaitingShare {
  paths: string[];
  keep?: string;
}

/** How a share from outside ended: the link copied, or what was said instead. */
export type ShareOutcome = { ok: true; url: string; expiresAt: string; files: number; failed: string[]; skipped: string[] } | { ok: false; message: string };

export class OutsideShares {
  private gathered: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private gathering: { promise: Promise<ShareOutcome>; resolve(o: ShareOutcome): void } | undefined;
  /** The clipboard's files this run made (tidy leaves them to their shares). */
  private readonly made = new Set<string>();
  /**
   * The app is quitting: shares that end now end because of it, so they say nothing (no
   * "Cancelled", no "0 uploads failed"), and one waiting for the network stays written down for
   * the next start.
   */
  private quitting = false;

  constructor(private readonly deps: OutsideDeps) {}

  /**
   * Files the desktop handed over: those arriving within gatherMs of each other are one share.
   * Resolves when that share has ended (the link copied, or the failure said).
   */
  receive(paths: string[]): Promise<ShareOutcome> {
    for (const p of paths) if (!this.gathered.includes(p)) this.gathered.push(p);
    if (!this.gathering) {
      let resolve!: (o: ShareOutcome) => void;
      const promise = new Promise<ShareOutcome>((r) => (resolve = r));
      this.gathering = { promise, resolve };
    }
    const pending = this.gathering;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const files = this.gathered;
      this.gathered = [];
      this.gathering = this.timer = undefined;
      void this.share(files).then(pending.resolve);
    }, this.deps.gatherMs ?? 400);
    return pending.promise;
  }

  /**
   * Addresses handed over as if they were files (a file manager's sftp:// or smb:// item, a URL
   * dropped on the dock): Ferry shares what has a path on this computer, so it says so.
   */
  refuse(addresses: string[]): ShareOutcome {
    return this.fail('Not a file on this computer', this.refusal(addresses));
  }

  private refusal(addresses: string[]): string {
    const shown = addresses.length === 1 ? addresses[0]! : `${addresses[0]} and ${addresses.length - 1} more`;
    return `${shown} ${addresses.length === 1 ? 'is an address' : 'are addresses'}, not a file Ferry can read. Copy the file to this computer (or mount the share so it has a path), then share it again.`;
  }

  /** What is on the clipboard (files, an image, text), shared as files are. */
  async shareClipboard(item: ClipboardItem, label = 'Clipboard'): Promise<ShareOutcome> {
    if (item.kind === 'files') {
      const addresses = item.notFiles ?? [];
      if (!item.paths.length) return this.refuse(addresses);
      return this.share(item.paths, undefined, addresses.length ? [this.refusal(addresses)] : []);
    }
    if (item.kind === 'empty') return this.fail('Nothing to share', 'The clipboard holds no files, image or text. Copy something first, then share again.');
    const made = await this.madeFile(item, label).catch((err: unknown) => err as Error);
    if (made instanceof Error) return this.fail('Could not share the clipboard', this.words(made));
    return this.share([made.file], () => rm(made.dir, { recursive: true, force: true }), [], { keep: made.dir });
  }

  /** An area of the screen, picked with the platform's own tool (capture.ts), shared as a PNG. Cancelling says nothing. */
  async shareCapture(tool: CaptureTool): Promise<ShareOutcome> {
    const png = await tool.capture().catch(() => undefined);
    if (!png) return { ok: false, message: 'No area was captured.' };
    return this.shareClipboard({ kind: 'image', png }, 'Screenshot');
  }

  /**
   * Uploads the files and folders to the destination under names free there, then copies one
   * link: the object's for one file, a one-link share for several. Never throws.
   */
  async share(paths: string[], after?: () => Promise<void>, alsoLeftOut: string[] = [], waiting: { id?: string; keep?: string } = {}): Promise<ShareOutcome> {
    const { ferry } = this.deps;
    let cleanupLater = false;
    // A share that waits for the network is written down until it ends, so that quitting (or a
    // crash) while it waits does not lose it: the next start shares it again (resume below).
    const record = join(this.waitingDir, `${waiting.id ?? randomBytes(8).toString('hex')}.json`);
    // A share from before the last quit that cannot go on says what it was: nobody remembers.
    const fail = (title: string, message: string) => this.fail(title, waiting.id ? `${message} (This was the share of ${listed(names(paths))}, waiting for the network since before Ferry was last closed.)` : message);
    // What only a new destination mends: Settings opens on it.
    const toSettings = (message: string) => {
      this.deps.showSettings();
      return fail('Choose where shared files go', message);
    };
    try {
      if (!paths.length) return fail('Nothing to share', 'No files were given.');
      const { destination } = await ferry.preferences.get();
      if (!destination) {
        return toSettings('Files shared from outside the window go to the destination chosen in Ferry’s Settings, under “Outside the window”. Choose one there, then share again.');
      }
      const known = await ferry.accounts.list();
      if (!known.some((a) => a.name === destination.account)) {
        return toSettings(`The destination’s account “${destination.account}” is not in Ferry any more. Choose another destination in Settings, then share again.`);
      }
      let prefix: string;
      try {
        prefix = destination.prefix ? destinationFolder(destination.prefix) : '';
      } catch (err) {
        return toSettings(`${this.words(err)} Choose the folder again in Settings, under “Outside the window”.`);
      }
      // The destination is main's own choice, checked when it was saved: its bucket and folder
      // are known from it, whether or not the window has listed them since this start (a launch
      // with files starts hidden, and no listing happens at all).
      this.deps.room.known.learnKeys(destination.account, destination.bucket, prefix ? [prefix] : []);
      let ended!: (r: { done: string[]; failed: string[]; codes: Array<string | undefined> }) => void;
      const end = new Promise<{ done: string[]; failed: string[]; codes: Array<string | undefined> }>((r) => (ended = r));
      // What is left out (a file gone since it was handed over, a FIFO or an outside link in a
      // folder) is said in the share's one notification: the window is likely closed.
      const skipped: string[] = [...alsoLeftOut];
      let released = false;
      const added = await addUploads(
        this.deps.room,
        {
          account: destination.account,
          bucket: destination.bucket,
          prefix,
          paths,
          onExisting: 'keep-both',
          onSkipped: (m) => skipped.push(m),
          // Out of the wait, the uploads are the queue's (a quit brings a file in parts back
          // paused): shared again at the next start, those already stored would be stored twice.
          onReleased: () => {
            released = true;
            void rm(record, { force: true }).catch(() => {});
          },
        },
        (done, failed, codes) => ended({ done, failed, codes }),
      );
      cleanupLater = true;
      if (added.some((t) => t.waiting)) {
        const saved: WaitingShare = { paths, ...(waiting.keep ? { keep: waiting.keep } : {}) };
        await writeFileAtomic(record, JSON.stringify(saved)).catch(() => {});
        if (released) await rm(record, { force: true }).catch(() => {});
        this.notify('Waiting for the network', `${destination.bucket} cannot be reached now. The ${added.length === 1 ? 'file uploads' : `${added.length} files upload`} when it is back, and the link is copied then.`);
      }
      const { done: finished, failed, codes } = await end;
      // Quitting ended it: a link to what happened to finish would be copied over the user's
      // clipboard without a word, as if the share were whole.
      if (this.quitting) return { ok: false, message: 'Ferry quit before the share ended.' };
      if (!finished.length && codes.length && codes.every((c) => c === 'NO_SUCH_BUCKET')) {
        // The destination's bucket was deleted since it was chosen: the fix is in Settings.
        return toSettings(`The destination’s bucket “${destination.bucket}” is not on the server any more. Choose another destination in Settings, under “Outside the window”, then share again.`);
      }
      // Said and shared in the order they were given, not the order they finished in.
      const order = new Map(added.map((t, i) => [t.key, i]));
      const done = [...finished].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
      // A clipboard's file is kept while the list can still retry its upload (tidy removes it at a later start).
      // Quitting: the file stays for the share written down (it goes on at the next start).
      if (!failed.length && !this.quitting) await after?.().catch(() => {});
      return await this.copyLink(destination.account, destination.bucket, prefix, done, failed, skipped);
    } catch (err) {
      if (!cleanupLater && !this.quitting) await after?.().catch(() => {});
      if (isFerryError(err, 'NO_SUCH_BUCKET')) {
        return toSettings(`${this.words(err)} It is the destination chosen in Settings: choose another there, under “Outside the window”, then share again.`);
      }
      return fail('Could not share', this.words(err));
    } finally {
      if (!this.quitting) await rm(record, { force: true }).catch(() => {});
    }
  }

  private get waitingDir(): string {
    return join(this.deps.dataDir, 'outgoing', 'waiting');
  }

  /** The shares an earlier run left waiting for the network (it quit or was killed meanwhile). */
  private async waitingShares(): Promise<Array<{ id: string } & WaitingShare>> {
    const names = await readdir(this.waitingDir).catch(() => [] as string[]);
    const out: Array<{ id: string } & WaitingShare> = [];
    for (const name of names.filter((n) => /^[0-9a-f]{16}\.json$/.test(n))) {
      const read = await readFile(join(this.waitingDir, name), 'utf8').then((t) => JSON.parse(t) as unknown, () => undefined);
      const share = read as Partial<WaitingShare> | undefined;
      if (!share || !Array.isArray(share.paths) || !share.paths.every((p) => typeof p === 'string') || (share.keep !== undefined && typeof share.keep !== 'string')) {
        await rm(join(this.waitingDir, name), { force: true }).catch(() => {});
        continue;
      }
      out.push({ id: name.slice(0, -'.json'.length), paths: share.paths, ...(share.keep ? { keep: share.keep } : {}) });
    }
    return out;
  }

  /**
   * At start: shares an earlier run left waiting for the network go on (each copies its link
   * when it ends, as promised), and the clipboard's files no share needs any more are removed.
   */
  async resume(inUse: string[]): Promise<ShareOutcome[]> {
    const root = join(this.deps.dataDir, 'outgoing');
    // Only a clipboard folder of Ferry's own is kept for its share (tidy passes over what this
    // run made), and removed after it.
    const left = (await this.waitingShares()).map((w) => ({ ...w, keep: w.keep?.startsWith(join(root, 'clip-')) && !w.keep.slice(root.length + 1).includes(sep) ? w.keep : undefined }));
    for (const w of left) if (w.keep) this.made.add(w.keep);
    await this.tidy(inUse);
    return Promise.all(left.map(({ id, paths, keep }) => this.share(paths, keep ? () => rm(keep, { recursive: true, force: true }) : undefined, [], { id, ...(keep ? { keep } : {}) })));
  }

  private async copyLink(account: string, bucket: string, prefix: string, done: string[], failed: string[], skipped: string[]): Promise<ShareOutcome> {
    const left = skipped.length ? ` ${skipped.join(' ')}` : '';
    if (!done.length && !failed.length) return this.fail('Share stopped', `The uploads were stopped before any of them finished, so no link was copied. Share the files again to make one.${left}`);
    if (!done.length) return this.fail(failed.length === 1 ? 'Upload failed' : `${failed.length} uploads failed`, `${failed[0] ?? 'Nothing was uploaded.'}${failed.length > 1 ? ` (and ${failed.length - 1} more; see the upload list)` : ''} No link was copied.${left}`);
    const { defaultExpirySeconds } = await this.deps.ferry.preferences.get();
    const given = handedOver(prefix, done);
    const shown = listed(given);
    let link;
    try {
      link =
        done.length === 1
          ? await this.deps.links.sign(account, bucket, done[0]!, defaultExpirySeconds)
          : await this.deps.links.shareKeys(account, { bucket, keys: done, expiresIn: defaultExpirySeconds, title: sharedTitle(prefix, done), prefix });
    } catch (err) {
      // The files are stored: sharing them again from outside would upload them all again, numbered.
      return this.fail(
        'Uploaded, but no link',
        `${shown} ${given.length === 1 ? 'is' : 'are'} in ${bucket}/${prefix}, but the page linking them could not be written: ${this.words(err)} Select them in Ferry’s window and choose Share to make the link; nothing is uploaded again.${left}`,
      );
    }
    this.deps.copyText(link.url);
    // Named as they were handed over: a folder by its name and how many files it holds, not by
    // its files' own names, and where it went is the destination (it is in there, under its name).
    const until = new Date(link.expiresAt).toLocaleString();
    const lost = failed.length ? ` ${failed.length} could not be uploaded: ${failed[0]}${failed.length > 1 ? ' …' : ''}` : '';
    this.notify('Link copied', `${shown} ${given.length === 1 ? 'is' : 'are'} in ${bucket}/${prefix}; the link${done.length > 1 ? ' to all of them' : ''} is on the clipboard and works until ${until}.${lost}${left}`);
    return { ok: true, url: link.url, expiresAt: link.expiresAt, files: done.length, failed, skipped };
  }

  /** An image or text from the clipboard as a file named for when it was copied, in a folder of its own under Ferry's data. */
  private async madeFile(item: Exclude<ClipboardItem, { kind: 'files' | 'empty' }>, label: string): Promise<{ dir: string; file: string }> {
    const root = join(this.deps.dataDir, 'outgoing');
    await mkdir(root, { recursive: true, mode: 0o700 });
    const dir = await mkdtemp(join(root, 'clip-'));
    this.made.add(dir);
    const file = join(dir, `${timedName(label, new Date(this.deps.ferry.clock.now()))}.${item.kind === 'image' ? (item.ext ?? 'png') : 'txt'}`);
    await writeFile(file, item.kind === 'image' ? item.png : item.text, { flag: 'wx', mode: 0o600 });
    return { dir, file };
  }

  private words(err: unknown): string {
    if (isFerryError(err)) return forWindow(err.message);
    const local = dataFolderError(err, this.deps.dataDir);
    return local ? forWindow(local.message) : `Something went wrong: ${err instanceof Error ? err.message : String(err)}`;
  }

  /** Every notification of a share: none while quitting. */
  private notify(title: string, body: string): void {
    if (!this.quitting) this.deps.notify(title, body);
  }

  private fail(title: string, message: string): ShareOutcome {
    this.notify(title, message);
    return { ok: false, message };
  }

  /**
   * Removes the clipboard files an earlier run left (it was killed, or their upload failed and the
   * list was cleared) unless a transfer in the list still reads one: `inUse` are the list's files.
   */
  async tidy(inUse: string[]): Promise<void> {
    const root = join(this.deps.dataDir, 'outgoing');
    const dirs = await readdir(root).catch(() => [] as string[]);
    for (const name of dirs) {
      const dir = join(root, name);
      if (!name.startsWith('clip-') || this.made.has(dir) || inUse.some((f) => f.startsWith(dir + sep))) continue;
      await rm(dir, { recursive: true, force: true }).catch(() => {});
    }
  }

  /** Stops gathering (the app quits): files handed over in the last moment are not shared. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.quitting = true;
  }
}

/** Paths handed over, by their names. */
const names = (paths: string[]) => paths.map((p) => p.slice(p.lastIndexOf(sep) + 1) || p);

/** Names as a notification says them: "a.jpg, b.jpg and 3 more" past three. */
function listed(names: string[]): string {
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
}

/** "Clipboard 2026-12-04 at 15.02.03", in local time: sorts by time, and says what it is. */
export function timedName(label: string, at: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${label} ${at.getFullYear()}-${p(at.getMonth() + 1)}-${p(at.getDate())} at ${p(at.getHours())}.${p(at.getMinutes())}.${p(at.getSeconds())}`;
}

/**
 * What was handed over, as the sender knows it: each file's name, and each folder's as "photos/
 * (12 files)", in the order the keys are given. Keys are under prefix (the destination).
 */
export function handedOver(prefix: string, keys: string[]): string[] {
  const folders = new Map<string, number>();
  const out: string[] = [];
  for (const key of keys) {
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0) {
      out.push(rest || leafOf(key));
      continue;
    }
    const folder = rest.slice(0, slash + 1);
    if (!folders.has(folder)) out.push(folder);
    folders.set(folder, (folders.get(folder) ?? 0) + 1);
  }
  return out.map((n) => (folders.has(n) ? `${n} (${folders.get(n)} file${folders.get(n) === 1 ? '' : 's'})` : n));
}

/** A one-link share's title: one folder's own name when one was shared, else how many files and where. */
function sharedTitle(prefix: string, keys: string[]): string {
  const top = handedOver(prefix, keys);
  if (top.length === 1 && top[0]!.includes('/ (')) return top[0]!.slice(0, top[0]!.indexOf('/ ('));
  const folder = prefix.replace(/\/$/, '').split('/').pop();
  return folder ? `${keys.length} files in ${folder}` : `${keys.length} files`;
}
