/**
 * A time as this machine's clock shows it, to the minute: 2026-12-04 15:02. TZ, when set, names
 * the zone (as it does for date(1)); one Intl does not know is left to the system's default.
 */
export function localTime(iso: string, env: NodeJS.ProcessEnv): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const fields = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const;
  let format: Intl.DateTimeFormat;
  try {
    const zone = env.TZ?.replace(/^:/, '');
    format = new Intl.DateTimeFormat('en-US', { ...fields, ...(zone ? { timeZone: zone } : {}) });
  } catch {
    format = new Intl.DateTimeFormat('en-US', fields);
  }
  const p = Object.fromEntries(format.formatToParts(date).map((part) => [part.type, part.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}
