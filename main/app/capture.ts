/**
 * "Capture an area and share": the platform's own screenshot tool, where one is installed, lets
 * the user pick an area; the picture is then shared as a clipboard image is. Nothing of Ferry's
 * own grabs the screen. Offered only where a tool is found.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { tmpdir } from 'node:os';

export interface CaptureTool {
  /** What Settings names: the tool's own name. */
  name: string;
  /**
   * Lets the user pick an area; the PNG bytes, or undefined when they cancelled. Tools that put
   * the picture on the clipboard instead (the Windows snipping tool) read it from there.
   */
  capture(): Promise<Buffer | undefined>;
}

export interface CaptureDeps {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** The clipboard's image as PNG (empty when none): where a tool leaves its picture. */
  readClipboardPng(): Promise<Buffer>;
}

/** The first screenshot tool found here, or undefined. */
export async function findCaptureTool(deps: CaptureDeps): Promise<CaptureTool | undefined> {
  const { platform, env } = deps;
  if (platform === 'darwin') {
    const tool = '/usr/sbin/screencapture';
    return (await runnable(tool)) ? viaFile('screencapture', (file) => [[tool, '-i', '-x', file]]) : undefined;
  }
  if (platform === 'win32') {
    const tool = join(env.SystemRoot ?? 'C:\\Windows', 'System32', 'SnippingTool.exe');
    if (!(await runnable(tool))) return undefined;
    return {
      name: 'Snipping Tool',
      async capture() {
        const before = await deps.readClipboardPng();
        await run([tool, '/clip']);
        const after = await deps.readClipboardPng();
        return after.length && !after.equals(before) ? after : undefined;
      },
    };
  }
  const gnome = await onPath('gnome-screenshot', env);
  if (gnome) return viaFile('gnome-screenshot', (file) => [[gnome, '-a', '-f', file]]);
  const spectacle = await onPath('spectacle', env);
  if (spectacle) return viaFile('Spectacle', (file) => [[spectacle, '--background', '--nonotify', '--region', '--output', file]]);
  const [grim, slurp] = await Promise.all([onPath('grim', env), onPath('slurp', env)]);
  if (grim && slurp) {
    return {
      name: 'grim and slurp',
      async capture() {
        // slurp prints the area the user drew ("x,y wxh"), or fails when they pressed Escape.
        const area = (await run([slurp])).stdout.trim();
        if (!/^\d+,\d+ \d+x\d+$/.test(area)) return undefined;
        return inTemp(async (file) => {
          await run([grim, '-g', area, file]);
        });
      },
    };
  }
  return undefined;
}

/** What to install where no tool is found, for Settings to say. */
export function captureAdvice(platform: NodeJS.Platform): string {
  if (platform === 'linux') return 'Install gnome-screenshot (GNOME, X11), Spectacle (KDE), or grim and slurp (Sway and other Wayland desktops) to capture an area and share it.';
  if (platform === 'win32') return 'The Windows Snipping Tool (SnippingTool.exe) was not found.';
  return 'macOS’s screencapture was not found.';
}

function viaFile(name: string, commands: (file: string) => string[][]): CaptureTool {
  return {
    name,
    capture: () =>
      inTemp(async (file) => {
        for (const c of commands(file)) await run(c);
      }),
  };
}

/** Runs the steps with a fresh file name in a private folder; the PNG they left, or undefined (cancelled: no file, or an empty one). */
async function inTemp(steps: (file: string) => Promise<void>): Promise<Buffer | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-capture-'));
  try {
    const file = join(dir, 'capture.png');
    await steps(file).catch(() => {});
    const png = await readFile(file).catch(() => undefined);
    return png?.length ? png : undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs a program without a shell; resolves with its output whatever its exit (cancelling exits non-zero). */
function run([cmd, ...args]: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d.slice(0, 4096)));
    child.on('error', () => resolve({ code: null, stdout }));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

async function runnable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function onPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (await runnable(candidate)) return candidate;
  }
  return undefined;
}
