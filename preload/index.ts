/**
 * The preload: the window's only way to reach the main process. It exposes named methods (one
 * fixed channel each) and event subscriptions for the contract's events, nothing else: no
 * ipcRenderer, no generic invoke, no process or environment.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { events, methods, type FerryApi } from './api';

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
api.pathForFile = (file: File) => webUtils.getPathForFile(file);

contextBridge.exposeInMainWorld('ferry', api as FerryApi);
