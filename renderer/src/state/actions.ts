import type { Prefs } from '../../../preload/contract';
import { describeDuration } from '../../../preload/shared';
import { call, ferry } from '../api';
import type { Modal } from '../components/Modals';
import type { ObjectAction } from '../components/ObjectBrowser';
import { shownName } from '../format';
import type { Notice } from './notice';

interface Context {
  account: string | undefined;
  bucket: string | undefined;
  prefs: Prefs | undefined;
  navigate(prefix: string): void;
  share(key: string): void;
  setModal(m: Modal): void;
  setNotice(n: Notice): void;
  fail(err: unknown): void;
  pickAndUpload(what: 'files' | 'folder'): Promise<void>;
}

/** Signs a link with the default lifetime and copies it, saying so in the window. */
export async function copyLink(ctx: Pick<Context, 'prefs' | 'setNotice' | 'fail'>, account: string, bucket: string, key: string) {
  try {
    const expiresIn = ctx.prefs?.defaultExpirySeconds ?? 86_400;
    const link = await call(ferry().createLink({ account, bucket, key, expiresIn }));
    await call(ferry().copyLink({ url: link.url }));
    ctx.setNotice({ text: `Link to ${shownName(key)} copied. It works for ${describeDuration(expiresIn)}.` });
  } catch (err) {
    ctx.fail(err);
  }
}

/** What each action of the file list (toolbar, menu, keys) does in the window. */
export function runAction(ctx: Context, action: ObjectAction, names: string[]) {
  const { account, bucket } = ctx;
  if (!account || !bucket) return;
  const one = names.length === 1 ? names[0]! : undefined;
  const oneFile = one && !one.endsWith('/') ? one : undefined;
  switch (action) {
    case 'open':
    case 'share':
      if (one?.endsWith('/')) return action === 'open' ? ctx.navigate(one) : ctx.setModal({ kind: 'shareFolder', prefix: one });
      if (one) ctx.share(one);
      return;
    case 'preview':
      if (oneFile) ctx.setModal({ kind: 'preview', key: oneFile });
      return;
    case 'copyLink':
      if (oneFile) void copyLink(ctx, account, bucket, oneFile);
      else ctx.setNotice({ text: 'Select one file to copy its link (a folder is shared with “Share folder as one link…”).', error: true });
      return;
    case 'download':
      if (!names.length) return;
      void call(ferry().download({ account, bucket, keys: names })).then((added) => added.length && ctx.setNotice({ text: `Downloading ${added.length} file${added.length === 1 ? '' : 's'}.` }), ctx.fail);
      return;
    case 'delete':
      if (names.length) ctx.setModal({ kind: 'delete', names });
      return;
    case 'rename':
      if (one) ctx.setModal({ kind: 'rename', name: one });
      return;
    case 'move':
      if (names.length) ctx.setModal({ kind: 'move', names });
      return;
    case 'shareFolder': {
      // The folder selected, if one is; else the folder open.
      const folder = names.length === 1 && names[0]!.endsWith('/') ? names[0] : undefined;
      return ctx.setModal({ kind: 'shareFolder', ...(folder ? { prefix: folder } : {}) });
    }
    case 'newFolder':
    case 'deleteBucket':
    case 'askFiles':
    case 'unfinished':
      return ctx.setModal({ kind: action });
    case 'uploadFiles':
      return void ctx.pickAndUpload('files');
    case 'uploadFolder':
      return void ctx.pickAndUpload('folder');
  }
}
