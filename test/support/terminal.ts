import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { resolve } from 'node:path';
import { CLI } from './helpers';

/**
 * Runs the built `ferry` in a pseudo-terminal (pty_session.py), answering each prompt as it
 * appears: `answers` pairs the prompt's text with what is typed (`\u0003` is Ctrl-C,
 * `<SIGTERM>` a SIGTERM sent instead). stdout is the whole screen.
 */
export function atTerminal(answers: Array<[prompt: string, typed: string]>, args: string[], env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  const session = spawnSync('python3', [resolve(__dirname, 'pty_session.py'), JSON.stringify(answers), '--', process.execPath, CLI, ...args], { env, encoding: 'utf8', timeout: 60_000 });
  if (session.error) throw new Error(`python3 is needed for the terminal tests (apt-get install -y python3): ${session.error.message}`);
  return session;
}
