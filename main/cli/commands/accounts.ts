import { isProvider, PRESETS, PROVIDERS } from '../../core/accounts/presets';
import { FerryError } from '../../core/errors';
import type { ConnectionReport, Selector } from '../../core/ferry';
import { RIGHT_KEYS_ADVICE } from '../../core/s3/errors';
import type { Credentials } from '../../core/secrets/secrets';
import { usage as usageError, type Context, type OptionSpecs, type UsageLine } from '../context';
import { ask, readAll } from '../prompt';

export const usage: readonly UsageLine[] = [
  ['accounts add NAME', 'add an account once its connection test passes; keys from a prompt or stdin, kept in the keychain'],
  ['accounts update NAME', 'change its keys (--keys) or settings, kept once the connection test passes'],
  ['accounts list | remove NAME | test [NAME] | default NAME'],
];

export const options = {
  provider: { type: 'string', help: ['--provider NAME', `with accounts add: ${PROVIDERS.join(', ')}`] },
  'access-key-id': { type: 'string', help: ['--access-key-id ID', 'with accounts add or update (the secret is never taken as an option)'] },
  'path-style': { type: 'boolean', help: ['--path-style | --virtual-hosted', 'with accounts add or update: addressing style'] },
  'virtual-hosted': { type: 'boolean' },
  'allow-link-local-endpoint': { type: 'boolean', help: ['--allow-link-local-endpoint', 'with accounts add: accept a link-local endpoint (169.254.x.x, fe80::)'] },
  keys: { type: 'boolean', help: ['--keys', 'with accounts update: new keys, from a prompt or stdin as accounts add reads them'] },
  'no-test': { type: 'boolean', help: ['--no-test', 'with accounts add or update: save without the connection test (marked untested)'] },
  /** With accounts add: make it the default account (not in ferry --help). */
  default: { type: 'boolean' },
} as const satisfies OptionSpecs;

export const outputOnly = true;

/** The accounts kept here: their settings in Ferry's data folder, their keys in the system keychain. */
export async function run(ctx: Context<typeof options>): Promise<void> {
  const [sub, ...rest] = ctx.args;
  const name = rest[0];
  switch (sub) {
    case 'list': {
      const accounts = await ctx.ferry.listAccounts();
      if (ctx.o.json) return ctx.json(accounts);
      if (!accounts.length) return ctx.out('No accounts yet. Add one with: ferry accounts add NAME --provider storj');
      for (const a of accounts) {
        ctx.out(`${a.isDefault ? '*' : ' '} ${a.name.padEnd(20)} ${PRESETS[a.provider].label.padEnd(28)} ${a.endpoint ?? '(AWS default)'}  ${a.region}${a.untested ? '  (untested: no connection test has passed)' : ''}`);
      }
      return;
    }
    case 'add':
      return add(ctx, name, rest.length);
    case 'update':
      return update(ctx, name, rest.length);
    case 'remove': {
      if (!name || rest.length !== 1) throw usageError('Usage: ferry accounts remove NAME.');
      await ctx.ferry.removeAccount(name);
      if (ctx.o.json) return ctx.json({ removed: name });
      return ctx.out(`Removed account "${name}" and its keychain entry.`);
    }
    case 'default': {
      if (!name || rest.length !== 1) throw usageError('Usage: ferry accounts default NAME.');
      await ctx.ferry.accounts.setDefault(name);
      return ctx.out(`"${name}" is now the default account.`);
    }
    case 'test': {
      if (rest.length > 1) throw usageError('Usage: ferry accounts test [NAME].');
      const report = await connectionTest(ctx, { ...ctx.selector, ...(name ? { account: name } : {}) });
      if (ctx.o.json) ctx.json(report);
      else printReport(ctx, report);
      if (!report.ok) throw new FerryError('S3_ERROR', `The connection test failed at "${report.checks.find((c) => !c.ok)?.name}".`);
      return;
    }
    default:
      throw usageError(`Unknown accounts command "${sub ?? ''}". Use add, update, list, remove, test or default.`);
  }
}

/** accounts add: the keys come from a prompt on a terminal (the secret not echoed), else from stdin; never from an option. */
async function add(ctx: Context<typeof options>, name: string | undefined, count: number): Promise<void> {
  if (!name || count !== 1) throw usageError('Usage: ferry accounts add NAME [--provider P] [--endpoint-url URL] [--region R] [--access-key-id ID].');
  if (ctx.o['path-style'] && ctx.o['virtual-hosted']) throw usageError('Choose one of --path-style and --virtual-hosted.');
  const partSize = ctx.partSize();
  const endpoint = await endpointFor(ctx, name);
  const input = {
    name,
    ...(ctx.o.provider ? { provider: ctx.o.provider } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(ctx.o.region ? { region: ctx.o.region } : {}),
    ...(ctx.o['path-style'] ? { pathStyle: true } : ctx.o['virtual-hosted'] ? { pathStyle: false } : {}),
    ...(partSize !== undefined ? { partSize } : {}),
    ...(ctx.o['allow-link-local-endpoint'] ? { allowLinkLocal: true } : {}),
  };
  // Everything that can be wrong without a server (the name, provider, region, endpoint, a name
  // already taken) is said before any key is typed or read.
  const { accountFromInput, accountExists } = await import('../../core/accounts/accounts');
  accountFromInput(input, new Date());
  if (await ctx.ferry.accounts.get(name).then(() => true, () => false)) throw accountExists(name);
  const { accessKeyId, secretAccessKey } = await readKeys(ctx, 'accounts add');
  // Saved marked untested, so that however the test below ends (a kill included) the account never
  // looks tested before a test passed; a passing test clears the mark.
  const added = await ctx.ferry.addAccount({ ...input, untested: true }, { accessKeyId, secretAccessKey });
  const where = `${PRESETS[added.provider].label}, ${added.endpoint ?? 'AWS'}`;
  if (ctx.o['no-test']) {
    if (ctx.o.default) await ctx.ferry.accounts.setDefault(name);
    if (ctx.o.json) return ctx.json(added);
    ctx.out(`Added account "${name}" (${where}) without a connection test: it is marked untested until one passes. Its keys are in the system keychain.`);
    ctx.out(`Test it with: ferry accounts test ${name}`);
    return;
  }
  const report = await testSaved(ctx, name);
  if (!report.ok) {
    // A failed test keeps nothing: no settings entry, no keychain entry.
    await ctx.ferry.removeAccount(name);
    if (ctx.io.signal?.aborted) throw new FerryError('CANCELLED', `Cancelled: "${name}" was not saved.`);
    const failure = failedTest(report);
    if (ctx.o.json) ctx.json(failure.report);
    else printReport(ctx, failure.report);
    throw new FerryError(
      'S3_ERROR',
      `Not saved: the connection test failed at "${failure.check}": ${failure.detail} ${failure.keys ? 'Run the same command again with the right keys' : 'Fix that and run the same command again'}, or add --no-test to save "${name}" anyway (marked untested).`,
    );
  }
  if (ctx.o.default) await ctx.ferry.accounts.setDefault(name);
  if (ctx.o.json) return ctx.json(await ctx.ferry.accounts.get(name));
  const buckets = report.buckets ? ` (${report.buckets.length} bucket${report.buckets.length === 1 ? '' : 's'})` : '';
  ctx.out(`Added account "${name}" (${where}): its connection test passed${buckets}, and its keys are in the system keychain.`);
  ctx.out(`What the server supports: ferry accounts test ${name}`);
}

/**
 * The endpoint for accounts add: --endpoint-url; for a provider with no endpoint of its own
 * (MinIO, Ceph, R2, other), asked for on a terminal, else a usage error naming --endpoint-url
 * with an example. Either way before any key is asked for or read.
 */
async function endpointFor(ctx: Context<typeof options>, name: string): Promise<string | undefined> {
  const given = ctx.o['endpoint-url']?.trim();
  if (given) return given;
  const provider = ctx.o.provider;
  if (!provider || !isProvider(provider) || provider === 'aws' || PRESETS[provider].endpoint) return undefined;
  const { label, endpointHelp = "the service's S3 endpoint URL" } = PRESETS[provider];
  if (ctx.io.stdin.isTTY) {
    const answer = (await ask(`Endpoint URL (${endpointHelp}): `, { input: ctx.io.stdin, output: ctx.terminal, signal: ctx.io.signal })).trim();
    if (answer) return answer;
  }
  const example = /https?:\/\/[^\s,]+/.exec(endpointHelp)?.[0] ?? 'https://s3.example.com';
  throw usageError(
    `${label} needs an endpoint URL (${endpointHelp}), given before the keys: ferry accounts add ${name} --provider ${provider} --endpoint-url ${example}. No key was read and nothing was saved.`,
  );
}

/** The keys from a prompt on a terminal (the secret not echoed), else from stdin; never from an option. */
async function readKeys(ctx: Context<typeof options>, command: string): Promise<Credentials> {
  const { stdin } = ctx.io;
  const stderr = ctx.terminal;
  let accessKeyId = ctx.o['access-key-id']?.trim();
  let secretAccessKey: string;
  if (stdin.isTTY) {
    accessKeyId ||= (await ask('Access key ID: ', { input: stdin, output: stderr, signal: ctx.io.signal })).trim();
    secretAccessKey = (await ask('Secret access key: ', { input: stdin, output: stderr, hidden: true, signal: ctx.io.signal })).trim();
  } else {
    const lines = (await readAll(stdin, undefined, ctx.io.signal)).split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    if (!accessKeyId) accessKeyId = lines.shift();
    secretAccessKey = lines.shift() ?? '';
  }
  if (!accessKeyId || !secretAccessKey) {
    throw usageError(
      `${command} needs an access key ID and a secret access key: type them at the prompt, or pipe them on stdin (the key ID on the first line, the secret on the second; or only the secret with --access-key-id).`,
    );
  }
  return { accessKeyId, secretAccessKey };
}

/**
 * accounts update: new keys or settings, kept only once the connection test passes (or with
 * --no-test); a failed test puts the old keys and settings back, through the core's
 * tryAccountChange, as the window's accounts:update does.
 */
async function update(ctx: Context<typeof options>, name: string | undefined, count: number): Promise<void> {
  if (!name || count !== 1) throw usageError('Usage: ferry accounts update NAME [--keys] [--endpoint-url URL] [--region R] [--path-style | --virtual-hosted].');
  if (ctx.o['path-style'] && ctx.o['virtual-hosted']) throw usageError('Choose one of --path-style and --virtual-hosted.');
  for (const option of ['provider', 'allow-link-local-endpoint', 'part-size'] as const) {
    if (ctx.o[option] !== undefined) throw usageError(`accounts update does not change --${option}: add an account with it under a new name (ferry accounts add NEWNAME --${option} …), then ferry accounts remove ${name}.`);
  }
  // Everything that can be wrong without a server is said before any key is typed.
  const [{ normaliseEndpoint }, { checkRegion }] = await Promise.all([import('../../core/accounts/accounts'), import('../../core/s3/hosts')]);
  const current = await ctx.ferry.accounts.get(name);
  const endpoint = ctx.o['endpoint-url'] === undefined ? undefined : normaliseEndpoint(ctx.o['endpoint-url'], { allowLinkLocal: current.allowLinkLocal ?? false });
  if (ctx.o.region !== undefined) checkRegion(ctx.o.region);
  const patch = {
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(ctx.o.region !== undefined ? { region: ctx.o.region } : {}),
    ...(ctx.o['path-style'] ? { pathStyle: true } : ctx.o['virtual-hosted'] ? { pathStyle: false } : {}),
  };
  const moving = endpoint !== undefined && endpoint !== current.endpoint;
  // A new endpoint gets the keys again: they sign every request sent there (the core refuses a move without them).
  const wantKeys = Boolean(ctx.o.keys || ctx.o['access-key-id'] !== undefined || moving);
  if (!wantKeys && !Object.keys(patch).length && !ctx.o.default) {
    throw usageError(`Say what to change: ferry accounts update ${name} --keys (new keys), --endpoint-url URL, --region R, or --path-style / --virtual-hosted.`);
  }
  if (moving && !ctx.o.keys && ctx.io.stdin.isTTY) ctx.say(`A new endpoint needs the keys of "${name}" again.`);
  const keys = wantKeys ? await readKeys(ctx, `accounts update ${name}`) : undefined;
  const changes = [
    ...(keys ? ['new keys'] : []),
    ...(moving ? [`endpoint ${current.endpoint ?? 'AWS'} → ${endpoint}`] : []),
    ...(patch.region !== undefined && patch.region !== current.region ? [`region ${current.region} → ${patch.region}`] : []),
    ...(patch.pathStyle !== undefined && patch.pathStyle !== current.pathStyle ? [`addressing ${patch.pathStyle ? 'path-style' : 'virtual-hosted'}`] : []),
  ];
  const what = changes.length ? changes.join(', ') : 'nothing new (it was so already)';
  if (ctx.o['no-test']) {
    await ctx.ferry.updateAccount(name, patch, keys);
    await ctx.ferry.accounts.setUntested(name, true);
    if (ctx.o.default) await ctx.ferry.accounts.setDefault(name);
    if (ctx.o.json) return ctx.json(await ctx.ferry.accounts.get(name));
    ctx.out(`Changed "${name}" (${what}) without a connection test: it is marked untested until one passes.`);
    ctx.out(`Test it with: ferry accounts test ${name}`);
    return;
  }
  let report: ConnectionReport | undefined;
  const kept = await ctx.ferry.tryAccountChange(name, patch, keys, async () => {
    report = await testSaved(ctx, name);
    return report.ok && !ctx.io.signal?.aborted;
  });
  if (!kept) {
    if (ctx.io.signal?.aborted) throw new FerryError('CANCELLED', `Cancelled: "${name}" is as it was.`);
    const failure = failedTest(report);
    if (ctx.o.json) ctx.json(failure.report);
    else if (failure.report) printReport(ctx, failure.report);
    const again = !failure.keys ? 'Fix that and run the same command again' : keys ? 'Run the same command again with the right keys' : 'Run the same command again with --keys and the right keys';
    throw new FerryError(
      'S3_ERROR',
      `Not changed: the connection test failed at "${failure.check}": ${failure.detail} "${name}" keeps its old keys and settings. ${again}, or add --no-test to save the change anyway (marked untested).`,
    );
  }
  if (ctx.o.default) await ctx.ferry.accounts.setDefault(name);
  if (ctx.o.json) return ctx.json(await ctx.ferry.accounts.get(name));
  ctx.out(`Changed "${name}" (${what}): its connection test passed.`);
}

/**
 * Network patience for a connection test, which a user waits for: a server that takes a
 * connection and never answers is given up on in about half a minute (three tries of 10 s), not
 * the three minutes a transfer would wait.
 */
const TEST_NETWORK = { requestTimeoutMs: 10_000, connectTimeoutMs: 5_000 };

/** The connection test, on a core of its own with the test's patience (the same settings and keychain). */
async function connectionTest(ctx: Context<typeof options>, sel: Selector): Promise<ConnectionReport> {
  const [{ Ferry }, { defaultDataDir }, { KeychainSecretStore }] = await Promise.all([import('../../core/ferry'), import('../../core/files'), import('../../core/secrets/secrets')]);
  const tester = new Ferry({ dataDir: defaultDataDir(ctx.io.env), secrets: ctx.io.secrets ?? new KeychainSecretStore(), env: ctx.io.env, network: TEST_NETWORK });
  return tester.testConnection(sel);
}

/**
 * The connection test `ferry accounts test` runs, on an account just saved, as a report however
 * it ends: a test that could not run, or Ctrl-C, is a failed check, never a throw that would
 * leave the account behind.
 */
async function testSaved(ctx: Context<typeof options>, name: string): Promise<ConnectionReport> {
  const failed = (detail: string): ConnectionReport => ({ ok: false, account: name, endpoint: '', region: '', checks: [{ name: 'reachable', ok: false, detail }] });
  const { signal } = ctx.io;
  let stop: () => void = () => {};
  const cancelled = new Promise<ConnectionReport>((resolve) => {
    if (!signal) return;
    stop = () => resolve(failed('Cancelled (Ctrl-C) before the test finished.'));
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
  if (ctx.io.stderr.isTTY && !ctx.o.json) ctx.say(`Testing the connection of "${name}" (Ctrl-C stops it and saves nothing)…`);
  try {
    return await Promise.race([connectionTest(ctx, { account: name }).catch((err: unknown) => failed(err instanceof Error ? err.message : String(err))), cancelled]);
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

interface Failure<R> {
  /** The report, its details without the advice. */
  report: R;
  check: string;
  detail: string;
  /** The keys were refused: the advice was taken out. */
  keys: boolean;
}

/**
 * A failed test of an account being added or changed, said once: refused keys' advice ("ferry
 * accounts update NAME --keys") names no account that exists after a failed add, and is the same
 * command again for one being changed, so the caller's own words say the way on (keys: true).
 */
function failedTest(report: ConnectionReport): Failure<ConnectionReport>;
function failedTest(report: ConnectionReport | undefined): Failure<ConnectionReport | undefined>;
function failedTest(report: ConnectionReport | undefined): Failure<ConnectionReport | undefined> {
  const failed = report?.checks.find((c) => !c.ok);
  const detail = failed?.detail ?? '';
  const plain = (text: string) => text.replace(RIGHT_KEYS_ADVICE, '');
  return {
    report: report && { ...report, checks: report.checks.map((c) => ({ ...c, detail: plain(c.detail) })) },
    check: failed?.name ?? 'the test',
    detail: plain(detail),
    keys: plain(detail) !== detail,
  };
}

/** A connection test's report, as ferry accounts test prints it. */
function printReport(ctx: Context<typeof options>, report: ConnectionReport): void {
  ctx.out(`Account ${report.account} at ${report.endpoint || '(not reached)'} (region ${report.region || '?'})`);
  for (const c of report.checks) ctx.out(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  if (report.abilities?.length) {
    ctx.out(report.capabilities ? `What the server supports (tested in bucket ${report.capabilities.bucket}, saved on the account):` : 'What the server supports:');
    for (const c of report.abilities) ctx.out(`  ${c.ok ? 'yes ' : 'no  '} ${c.name}: ${c.detail}`);
  }
}
