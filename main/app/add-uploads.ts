/**
 * Adding uploads to the window's queue: one path for the window's drops, pastes and Upload
 * button (uploads:add, after its grant check) and for files shared from outside the window (the
 * file manager, the dock, the shortcut, the tray: outside.ts). Folders are expanded, names taken
 * on the server are asked about, replaced, skipped or kept beside (numbered), and an unreachable
 * server makes the files wait for the network.
 */
import type { TransferView } from '../../preload/contract';
import { FerryError } from '../core/errors';
import type { Connection, Ferry } from '../core/ferry';
import { existingKeys } from '../core/s3/collect';
import { expandDrop, skippedReason } from '../core/transfers/drop';
import { freeNames } from '../core/transfers/free-names';
import { unreachable } from '../core/transfers/offline';
import type { TransferQueue } from '../core/transfers/queue';
import type { KnownNames } from './known-names';
import type { DropEnd, DropNotices } from './notifications';
import type { Emit } from './platform';
import type { WaitingTransfers } from './waiting-transfers';

export interface UploadRoom {
  ferry: Ferry;
  emit: Emit;
  connection(account: string): Promise<Connection>;
  known: KnownNames;
  queue: TransferQueue;
  waiting: WaitingTransfers;
  drops: DropNotices;
}

export interface AddUploads {
  account: string;
  bucket: string;
  prefix: string;
  /** Local files and folders, already known to be the user's to upload. */
  paths: string[];
  /**
   * A name already taken: 'ask' refuses with the names (the window asks and sends again),
   * 'replace', 'skip', or 'keep-both': stored under a numbered name, never replacing anything.
   */
  onExisting?: 'ask' | 'replace' | 'skip' | 'keep-both';
  /**
   * What was given but is not uploaded (links out of a folder, FIFOs, a file gone since it was
   * handed over), one sentence each: to the caller when given (a share from outside says it in
   * its notification, as the window may be closed), else as notices in the window.
   */
  onSkipped?: (message: string) => void;
  /** The uploads waited for the network and have now all left the wait (queued, or failed). */
  onReleased?: () => void;
}

/** A server that cannot be reached gives undefined: the uploads wait for it. Whatever it answered is for the caller. */
function unlessOffline(err: unknown): undefined {
  if (!unreachable(err)) throw err;
  return undefined;
}

/**
 * Expands and queues the uploads; the drop they make is announced as one when its last ends, by
 * `onEnd` when given (outside shares copy one link for it), else by the usual notification.
 */
export async function addUploads(room: UploadRoom, req: AddUploads, onEnd?: DropEnd): Promise<TransferView[]> {
  const { ferry, emit, connection, known, queue, waiting, drops } = room;
  const { account, bucket, prefix, paths, onExisting = 'ask' } = req;
  await ferry.accounts.get(account);
  known.newFolder(account, bucket, prefix);
  const outside: string[] = [];
  const missing: string[] = [];
  /** Handed over by itself, not a file (a FIFO, a device). */
  const given: string[] = [];
  const other: string[] = [];
  let files = await expandDrop(
    paths,
    prefix,
    (s) =>
      s.kind === 'outside'
        ? outside.push(`${s.link} → ${s.target}`)
        : s.kind === 'missing'
          ? missing.push(`${s.link}: ${skippedReason(s, '')}`)
          : paths.includes(s.link)
            ? given.push(`${s.link}: ${skippedReason(s, '')}`)
            : other.push(`${s.link}: ${skippedReason(s, '')}`),
    { missing: 'skip' },
  );
  const some = (list: string[]) => `${list.slice(0, 3).join(', ')}${list.length > 3 ? ` and ${list.length - 3} more` : ''}`;
  const said: string[] = [];
  if (missing.length) {
    said.push(`${missing.length === 1 ? 'One item' : `${missing.length} items`} could not be opened and ${missing.length === 1 ? 'was' : 'were'} not uploaded: ${some(missing)}.`);
  }
  if (outside.length) {
    said.push(
      `${outside.length} symbolic link${outside.length === 1 ? '' : 's'} in the dropped folder point${outside.length === 1 ? 's' : ''} outside it and ${outside.length === 1 ? 'was' : 'were'} not uploaded: ${some(outside)}. Drop the files they point to if you want them.`,
    );
  }
  if (given.length) said.push(`${given.length === 1 ? 'One item' : `${given.length} items`} given ${given.length === 1 ? 'is' : 'are'} not a file and ${given.length === 1 ? 'was' : 'were'} not uploaded: ${some(given)}.`);
  if (other.length) said.push(`${other.length} item${other.length === 1 ? '' : 's'} in the dropped folder ${other.length === 1 ? 'is' : 'are'} not ${other.length === 1 ? 'a file' : 'files'} and ${other.length === 1 ? 'was' : 'were'} not uploaded: ${some(other)}.`);
  if (!files.length) throw new FerryError('FILE_NOT_FOUND', said.length ? `Nothing was uploaded. ${said.join(' ')}` : 'Nothing to upload: the dropped folders contain no files.');
  for (const message of said) (req.onSkipped ?? ((m: string) => emit('notice', { message: m })))(message);
  const conn = await connection(account);
  const wait = (taken: 'replace' | 'if-absent' | 'keep-both') => waiting.uploads({ account, bucket, prefix, endpoint: conn.storage.endpoint }, files, taken, onEnd, req.onReleased);
  if (onExisting === 'replace') {
    // Nothing to ask when replacing, but one question tells whether the uploads must wait for
    // the network (what it answers, a refusal included, is for the uploads to meet).
    const reached = await conn.storage.exists(bucket, files[0]!.key).then(() => true, (err: unknown) => !unreachable(err));
    if (!reached) return wait('replace');
  } else if (onExisting === 'keep-both') {
    // A folder whose name is taken there goes beside it as a whole ("Trip (2)/"), as a file
    // manager keeps a copied folder, rather than numbering each of its files inside the other.
    const folders = await freeFolders(conn, bucket, prefix, files).catch(unlessOffline);
    if (!folders) return wait('keep-both');
    files = files.map((f) => {
      const rest = f.key.slice(prefix.length);
      const slash = rest.indexOf('/');
      const moved = slash < 0 ? undefined : folders.get(rest.slice(0, slash));
      return moved === undefined ? f : { ...f, key: `${prefix}${moved}${rest.slice(slash)}` };
    });
    const names = await freeNames(
      files.map((f) => f.key),
      (keys) => existingKeys(conn.storage, bucket, keys),
    ).catch(unlessOffline);
    // Unanswered: each waits under its own name, and one found taken then is numbered.
    if (!names) return wait('keep-both');
    files = files.map((f, i) => ({ ...f, key: names[i]! }));
  } else {
    const taken = await existingKeys(conn.storage, bucket, files.map((f) => f.key)).catch(unlessOffline);
    // Unanswered: each is stored only where nothing is, and never replaces a file it finds there.
    if (!taken) return wait('if-absent');
    if (taken.size && onExisting === 'ask') {
      const names = [...taken].slice(0, 5).map((k) => k.slice(k.lastIndexOf('/') + 1));
      throw new FerryError(
        'OBJECTS_EXIST',
        files.length === 1
          ? `${names[0]} already exists in ${bucket}/${prefix}.`
          : `${taken.size} of these ${files.length} files already ${taken.size === 1 ? 'exists' : 'exist'} in ${bucket}: ${names.join(', ')}${taken.size > 5 ? ', …' : ''}.`,
      );
    }
    files = files.filter((f) => !taken.has(f.key));
    if (!files.length) return [];
  }
  // Kept beside what is there: only-if-absent too, so a name taken since the check is never
  // replaced; the upload moves to the next free name instead.
  const keepBoth = onExisting === 'keep-both';
  const added = queue.add(files.map((f) => ({ account, bucket, key: f.key, file: f.file, size: f.size, ...(keepBoth ? { keepBoth: true } : {}) })));
  drops.track(added, { direction: 'upload', bucket, prefix, ...(onEnd ? { onEnd } : {}) });
  return added;
}

/**
 * For each top-level folder of a drop, the name it goes under: its own when nothing is stored
 * under it yet, else the first "name (n)" with nothing under it (one listing of one key each).
 */
async function freeFolders(conn: Connection, bucket: string, prefix: string, files: Array<{ key: string }>): Promise<Map<string, string>> {
  const tops = new Set<string>();
  for (const f of files) {
    const rest = f.key.slice(prefix.length);
    if (rest.includes('/')) tops.add(rest.slice(0, rest.indexOf('/')));
  }
  const out = new Map<string, string>();
  const given = new Set(tops);
  const used = async (name: string) => (await conn.storage.listPage(bucket, `${prefix}${name}/`, { recursive: true, pageSize: 1 })).objects.length > 0;
  for (const top of tops) {
    if (!(await used(top))) continue;
    let n = 2;
    // The drop's own folders keep their names; a numbered one never lands on another's.
    while (given.has(`${top} (${n})`) || (await used(`${top} (${n})`))) {
      if (++n > 100) throw new FerryError('OBJECTS_EXIST', `${top} and 100 numbered names after it are all taken in ${bucket}/${prefix}. Choose another folder.`);
    }
    given.add(`${top} (${n})`);
    out.set(top, `${top} (${n})`);
  }
  return out;
}
