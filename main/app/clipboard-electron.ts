import { clipboard } from 'electron';
import type { ClipboardSource } from './clipboard-share';

/** Electron's clipboard as clipboard-share.ts reads it: each entry's payloads as bytes. */
export const electronClipboard: ClipboardSource = {
  read: async () =>
    (await clipboard.read()).map((item) => ({
      types: [...item.types],
      getType: async (type: string) => {
        const payload = await item.getType(type);
        return payload instanceof Blob ? Buffer.from(await payload.arrayBuffer()) : Buffer.from(JSON.stringify(payload));
      },
    })),
};

/** The clipboard's image as PNG bytes (empty when there is none): where the Windows snipping tool leaves its picture. */
export async function clipboardPng(): Promise<Buffer> {
  for (const item of await clipboard.read().catch(() => [])) {
    if (item.types.includes('image/png')) return Buffer.from(await (await item.getType('image/png')).arrayBuffer());
  }
  return Buffer.alloc(0);
}
