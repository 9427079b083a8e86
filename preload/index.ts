import { contextBridge, ipcRenderer } from 'electron';
import type { FerryApi } from './contract';

const api: FerryApi = {
  appInfo: () => ipcRenderer.invoke('app:info'),
};

contextBridge.exposeInMainWorld('ferry', api);
