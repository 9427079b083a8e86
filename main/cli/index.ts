import { enableCompileCache } from 'node:module';
import { VERSION, help } from './help';

// Node 22 keeps the compiled code of Ferry and its modules on disk, so every run after the first
// starts faster (Node 20 has no compile cache; there this is skipped).
(enableCompileCache as ((dir?: string) => unknown) | undefined)?.();

// The AWS SDK warns on stderr about Node 20 (Electron ships 22); the CLI's stderr is for Ferry's own one-line messages.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const argv = process.argv.slice(2);
// Asked for only the version or the help: answer before loading the S3 SDK, zod or the keychain
// (start-up in a script's loop is then Node's own). The help loads only the command modules.
if (argv.length === 1 && argv[0] === '--version') {
  process.stdout.write(`${VERSION}\n`);
} else if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
  void help().then((text) => process.stdout.write(text));
} else {
  const controller = new AbortController();
  let interrupted = false;
  process.on('SIGINT', () => {
    // First Ctrl-C: stop cleanly (uploads abort their parts on the server; downloads keep what
    // arrived for the same command to continue). Second: leave now.
    if (interrupted) process.exit(130);
    interrupted = true;
    controller.abort();
  });
  process.on('SIGTERM', () => controller.abort());
  void import('./run').then(({ run }) =>
    run(argv, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, signal: controller.signal }).then((code) => {
      process.exitCode = code;
    }),
  );
}
