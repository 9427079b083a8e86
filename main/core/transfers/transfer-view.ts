/**
 * What one upload or download looks like from outside the queue: the window's transfer list and
 * the CLI's progress read it. Plain data with no imports, so the window's contract
 * (preload/contract.ts) shares this one definition without loading any Node code.
 */

export type TransferStatus = 'queued' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

export type Direction = 'upload' | 'download';

/** What the window shows of one upload or download. */
export interface TransferView {
  id: string;
  direction: Direction;
  account: string;
  bucket: string;
  key: string;
  file: string;
  size: number;
  status: TransferStatus;
  bytesDone: number;
  bytesPerSecond: number;
  etaSeconds?: number;
  error?: string;
  /** The failure's code (FerryError), where it has one: OBJECTS_EXIST is a --no-clobber upload that replaced nothing. */
  errorCode?: string;
  /** The endpoint stopped answering; the transfer continues by itself when it is back. */
  waiting?: boolean;
  /** A finished download: checked against the object's MD5, against its parts' MD5s, or by size only (see verify.ts). */
  verified?: 'md5' | 'parts-md5' | 'size';
}
