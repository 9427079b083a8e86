import { PRESETS, PROVIDERS } from '../../core/accounts/presets';
import { FerryError } from '../../core/errors';
import { usage as usageError, type Context, type OptionSpecs, type UsageLine } from '../context';
import { ask, readAll } from '../prompt';

export const usage: readonly UsageLine[] = [
  ['accounts add NAME', 'add an account; keys are read from a prompt or stdin and kept in the keychain'],
  ['accounts list | remove NAME | test [NAME] | default NAME'],
];

export const options = {
  provider: { type: 'string', help: ['--provider NAME', `with accounts add: ${PROVIDERS.join(', ')}`] },
  'access-key-id': { type: 'string', help: ['--access-key-id ID', 'with accounts add (the secret is never taken as an option)'] },
  'path-style': { type: 'boolean', help: ['--path-style | --virtual-hosted', 'with accounts add: addressing style'] },
  'virtual-hosted': { type: 'boolean' },
  'allow-link-local-endpoint': { type: 'boolean', help: ['--allow-link-local-endpoint', 'with accounts add: accept a link-local endpoint (169.254.x.x, fe80::)'] },
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
        ctx.out(`${a.isDefault ? '*' : ' '} ${a.name.padEnd(20)} ${PRESETS[a.provider].label.padEnd(28)} ${a.endpoint ?? '(AWS default)'}  ${a.region}`);
      }
      return;
    }
    case 'add':
      return add(ctx, name, rest.length);
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
      const report = await ctx.ferry.testConnection({ ...ctx.selector, ...(name ? { account: name } : {}) });
      if (ctx.o.json) ctx.json(report);
      else {
        ctx.out(`Account ${report.account} at ${report.endpoint} (region ${report.region})`);
        for (const c of report.checks) ctx.out(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
        if (report.abilities?.length) {
          ctx.out(report.capabilities ? `What the server supports (tested in bucket ${report.capabilities.bucket}, saved on the account):` : 'What the server supports:');
          for (const c of report.abilities) ctx.out(`  ${c.ok ? 'yes ' : 'no  '} ${c.name}: ${c.detail}`);
        }
      }
      if (!report.ok) throw new FerryError('S3_ERROR', `The connection test failed at "${report.checks.find((c) => !c.ok)?.name}".`);
      return;
    }
    default:
      throw usageError(`Unknown accounts command "${sub ?? ''}". Use add, list, remove, test or default.`);
  }
}

/** accounts add: the keys come from a prompt on a terminal (the secret not echoed), else from stdin; never from an option. */
async function add(ctx: Context<typeof options>, name: string | undefined, count: number): Promise<void> {
  if (!name || count !== 1) throw usageError('Usage: ferry accounts add NAME [--provider P] [--endpoint-url URL] [--region R] [--access-key-id ID].');
  if (ctx.o['path-style'] && ctx.o['virtual-hosted']) throw usageError('Choose one of --path-style and --virtual-hosted.');
  const { stdin } = ctx.io;
  const stderr = ctx.terminal;
  let accessKeyId = ctx.o['access-key-id']?.trim();
  let secretAccessKey: string;
  if (stdin.isTTY) {
    accessKeyId ||= (await ask('Access key ID: ', { input: stdin, output: stderr })).trim();
    secretAccessKey = (await ask('Secret access key: ', { input: stdin, output: stderr, hidden: true })).trim();
  } else {
    const lines = (await readAll(stdin)).split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    if (!accessKeyId) accessKeyId = lines.shift();
    secretAccessKey = lines.shift() ?? '';
  }
  if (!accessKeyId || !secretAccessKey) {
    throw usageError(
      'accounts add needs an access key ID and a secret access key: type them at the prompt, or pipe them on stdin (the key ID on the first line, the secret on the second; or only the secret with --access-key-id).',
    );
  }
  const partSize = ctx.partSize();
  const account = await ctx.ferry.addAccount(
    {
      name,
      ...(ctx.o.provider ? { provider: ctx.o.provider } : {}),
      ...(ctx.o['endpoint-url'] ? { endpoint: ctx.o['endpoint-url'] } : {}),
      ...(ctx.o.region ? { region: ctx.o.region } : {}),
      ...(ctx.o['path-style'] ? { pathStyle: true } : ctx.o['virtual-hosted'] ? { pathStyle: false } : {}),
      ...(partSize !== undefined ? { partSize } : {}),
      ...(ctx.o['allow-link-local-endpoint'] ? { allowLinkLocal: true } : {}),
    },
    { accessKeyId, secretAccessKey },
  );
  if (ctx.o.default) await ctx.ferry.accounts.setDefault(name);
  if (ctx.o.json) return ctx.json(account);
  ctx.out(`Added account "${account.name}" (${PRESETS[account.provider].label}, ${account.endpoint ?? 'AWS'}); its keys are in the system keychain.`);
  ctx.out(`Check it with: ferry accounts test ${account.name}`);
}
