/** Only this app's own pages: the built files, or the dev server while developing. */
export function isOwnUrl(url: string, devServer: string | undefined): boolean {
  try {
    const u = new URL(url);
    if (u.protocol === 'file:') return true;
    return Boolean(devServer && u.origin === new URL(devServer).origin);
  } catch {
    return false;
  }
}
