/**
 * The preload: the window's only way to reach the main process. It exposes named methods (one
 * fixed channel each) and event subscriptions for the contract's events, nothing else: no
 * ipcRenderer, no generic invoke, no process or environment.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { addFilesVia, events, methods, type AddFilesRequest, type FerryApi } from './api';

const api: Record<string, unknown> = {};
for (const [method, channel] of Object.entries(methods)) {
  api[method] = (request?: unknown) => ipcRenderer.invoke(channel, request);
}
api.on = (event: string, listener: (payload: unknown) => void) => {
  if (!(events as readonly string[]).includes(event)) throw new Error(`Unknown event ${event}`);
  const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
  ipcRenderer.on(event, wrapped);
  return () => ipcRenderer.removeListener(event, wrapped);
};
// Paths of dropped files are resolved here, in the isolated world, and granted to main; the
// page only ever hands over File objects, which its script cannot forge with a path.
api.addFiles = (request: AddFilesRequest, files: File[]) =>
  addFilesVia((channel, payload) => ipcRenderer.invoke(channel, payload), (file) => webUtils.getPathForFile(file), request, files);

// A file dropped where the page does not handle it (the loading or setup screen) must never make
// the window navigate to it.
const page = globalThis as unknown as { addEventListener(type: string, listener: (e: { preventDefault(): void }) => void): void };
page.addEventListener('dragover', (e) => e.preventDefault());
page.addEventListener('drop', (e) => e.preventDefault());

contextBridge.exposeInMainWorld('ferry', api as FerryApi);
