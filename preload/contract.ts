/**
 * The one contract between main, preload and renderer. Each invoke channel maps a request to a
 * response; the preload exposes one named method per channel. Grown by the desktop-app issue.
 */
export interface AppInfo {
  name: string;
  version: string;
}

export interface Invoke {
  'app:info': () => Promise<AppInfo>;
}

export type FerryApi = {
  appInfo: Invoke['app:info'];
};
