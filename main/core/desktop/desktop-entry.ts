import { FerryError } from '../errors';

/**
 * Writing freedesktop.org Desktop Entry files (autostart entries, file-manager items) so that a
 * path with spaces, quotes, `%`, `$`, backslashes or a newline reaches the program as the one
 * argument it was, and can never add a line (a second Exec=) to the file.
 *
 * The Exec key is undone in two steps by every reader (GLib, KDE's KConfig, Nemo): first the
 * string escapes of the file format (`\\`, `\n`, `\t`, `\r`, `\s`), then the Exec quoting (an
 * argument with a reserved character in double quotes, `"`, `` ` ``, `$` and `\` inside escaped
 * with a backslash), and field codes last (`%%` is a literal `%`). Writing does the reverse, so a
 * literal backslash in a quoted argument takes four in the file, as the specification says.
 * https://specifications.freedesktop.org/desktop-entry-spec/latest/exec-variables.html
 */

/** Characters the specification reserves: an argument holding one must be quoted. `=` was reserved too before 1.1. */
const RESERVED = /[ \t\n\r"'\\><~|&;$*?#()`=]/;
/** Field codes Ferry writes after the arguments. */
const FIELD_CODES = new Set(['%f', '%F', '%u', '%U']);

function isUnwritableControl(c: string): boolean {
  const n = c.charCodeAt(0);
  return (n < 0x20 && c !== '\t' && c !== '\n' && c !== '\r') || n === 0x7f;
}

function refuseUnwritable(value: string, what: string): void {
  // A lone surrogate (a file name that is not UTF-8, as Node decodes it) has no UTF-8 form.
  if (/\p{Cs}/u.test(value)) throw new FerryError('DESKTOP_INTEGRATION', `${what} is not valid Unicode, so it cannot be written in a desktop entry (they are UTF-8). Move Ferry to a folder with a plain name and try again.`);
  // Tab, newline and carriage return have escapes; no other control character can be written.
  if ([...value].some(isUnwritableControl)) {
    throw new FerryError('DESKTOP_INTEGRATION', `${what} holds a control character, which a desktop entry cannot hold. Move Ferry to a folder with a plain name and try again.`);
  }
}

/**
 * One argument as the Exec quoting rules want it, before the file's string escapes: quoted when it
 * holds a reserved character (or is empty), `"` `` ` `` `$` `\` escaped inside the quotes, and `%`
 * doubled so a launcher does not take it for a field code.
 */
export function quoteExecArg(arg: string): string {
  refuseUnwritable(arg, JSON.stringify(arg));
  const quote = arg === '' || RESERVED.test(arg);
  const body = (quote ? arg.replace(/["`$\\]/g, '\\$&') : arg).replace(/%/g, '%%');
  return quote ? `"${body}"` : body;
}

/** A value as the file format escapes strings: a backslash doubled, tab, newline and carriage return as \t \n \r. */
export function escapeDesktopString(value: string): string {
  refuseUnwritable(value, JSON.stringify(value));
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
}

/**
 * The value of an Exec key (ready to write after `Exec=`) that runs `argv` with the field codes
 * `fieldCodes` (%F for "the selected files") after it.
 */
export function execValue(argv: readonly string[], fieldCodes: readonly string[] = []): string {
  const [program] = argv;
  if (!program) throw new Error('execValue: no program');
  // The specification forbids it in the program (a reader may take NAME=VALUE for an environment
  // assignment); no quoting helps.
  if (program.includes('=')) {
    throw new FerryError('DESKTOP_INTEGRATION', `Ferry's path ${JSON.stringify(program)} holds "=", which a desktop entry cannot run. Move Ferry to a folder without "=" in its name and try again.`);
  }
  for (const code of fieldCodes) if (!FIELD_CODES.has(code)) throw new Error(`execValue: unknown field code ${code}`);
  // GLib looks for the program before it undoes %% (g_desktop_app_info_load_from_keyfile), so it
  // rejects the whole entry when the program's path holds a %; through env, the path is an
  // argument, whose %% every launcher undoes.
  const run = program.includes('%') ? ['/usr/bin/env', ...argv] : argv;
  return escapeDesktopString([...run.map(quoteExecArg), ...fieldCodes].join(' '));
}

/** Undoes the file format's string escapes, as GLib's g_key_file_get_string and KConfig do; a stray escape is an error there too. */
export function unescapeDesktopString(value: string): string {
  return value.replace(/\\(.?)/g, (_, c: string) => {
    const map: Record<string, string> = { '\\': '\\', n: '\n', t: '\t', r: '\r', s: ' ' };
    if (!(c in map)) throw new Error(`invalid escape \\${c} in ${JSON.stringify(value)}`);
    return map[c]!;
  });
}

/**
 * Splits an Exec value (as written in the file) back into argv the way a launcher does: string
 * escapes undone, then the quoting, then `%%` made `%`; a field code is kept as its own element
 * (`'%F'`). What Ferry's tests check the files against.
 */
export function parseExecValue(value: string): string[] {
  const line = unescapeDesktopString(value);
  const args: string[] = [];
  let cur: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ') {
      if (cur !== undefined) args.push(cur);
      cur = undefined;
    } else if (c === '"') {
      cur ??= '';
      for (i++; ; i++) {
        if (i >= line.length) throw new Error(`unclosed quote in ${JSON.stringify(value)}`);
        const q = line[i]!;
        if (q === '"') break;
        if (q === '\\' && /["`$\\]/.test(line[i + 1] ?? '')) cur += line[++i];
        else cur += q;
      }
    } else {
      cur = (cur ?? '') + c;
    }
  }
  if (cur !== undefined) args.push(cur);
  return args.map((a) => (FIELD_CODES.has(a) ? a : a.replace(/%%/g, '%')));
}

export interface DesktopGroup {
  name: string;
  /** Key and value as they go in the file: escape string values with escapeDesktopString (execValue does it for Exec). */
  entries: ReadonlyArray<readonly [string, string]>;
}

/** A whole desktop file. A value with a line break would add lines to the file: refused here, whatever built it. */
export function desktopFile(groups: readonly DesktopGroup[], comment?: string): string {
  const lines: string[] = [];
  if (comment) for (const l of comment.split('\n')) lines.push(`# ${l}`);
  for (const g of groups) {
    if (/[[\]\n\r]/.test(g.name)) throw new Error(`desktopFile: bad group name ${JSON.stringify(g.name)}`);
    if (lines.length) lines.push('');
    lines.push(`[${g.name}]`);
    for (const [key, value] of g.entries) {
      if (!/^[A-Za-z0-9-]+(\[[^\]\n]+\])?$/.test(key)) throw new Error(`desktopFile: bad key ${JSON.stringify(key)}`);
      if (/[\n\r]/.test(value)) throw new Error(`desktopFile: ${key} holds a line break`);
      lines.push(`${key}=${value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Groups and their keys (values as written, escapes not undone). Comments and blank lines are skipped; a later duplicate key wins. */
export function parseDesktopFile(text: string): Map<string, Map<string, string>> {
  const groups = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const header = /^\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      current = new Map();
      groups.set(header[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || !current) throw new Error(`not a desktop file line: ${JSON.stringify(line)}`);
    current.set(line.slice(0, eq).trim(), line.slice(eq + 1).trimStart());
  }
  return groups;
}
