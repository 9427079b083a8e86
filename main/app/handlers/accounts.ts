import { accountFromInput, normaliseEndpoint } from '../../core/accounts/accounts';
import { PRESETS, PROVIDERS } from '../../core/accounts/presets';
import { FerryError } from '../../core/errors';
import type { AccountSummary } from '../../core/ferry';
import { safeText } from '../../core/text';
import { forWindow } from '../window-words';
import type { HandlerContext, Handlers } from './context';

const viewOf = (a: AccountSummary) => ({ name: a.name, provider: a.provider, ...(a.endpoint ? { endpoint: a.endpoint } : {}), region: a.region, pathStyle: a.pathStyle, isDefault: a.isDefault, ...(a.untested ? { untested: true } : {}) });

/** Accounts and the providers' presets: adding, changing, testing and removing accounts. */
export function accountHandlers({ ferry, platform, known, forget }: HandlerContext) {
  /** Main's own question before an account's keys go to a server: a page cannot choose where they go. */
  const confirmEndpoint = async (account: string, endpoint: string) => {
    const yes = await platform.confirm({
      message: `Connect “${safeText(account)}” to ${safeText(endpoint)}?`,
      detail: 'Ferry will send requests signed with this account’s keys to that address. Go on only if you typed it yourself.',
      ok: 'Connect',
    });
    if (!yes) throw new FerryError('CANCELLED', `Not saved: connecting “${account}” to ${endpoint} was not confirmed.`);
  };

  /** The connection test, as a report also when the test itself could not run. */
  const testReport = async (name: string) => {
    forget(name);
    try {
      const report = await ferry.testConnection({ account: name });
      return { ...report, checks: report.checks.map((c) => ({ ...c, detail: forWindow(c.detail) })) };
    } catch (err) {
      const detail = forWindow(err instanceof Error ? err.message : String(err));
      return { ok: false, account: name, endpoint: '', region: '', checks: [{ name: 'reachable' as const, ok: false, detail }] };
    }
  };

  const accountView = async (name: string) => viewOf((await ferry.listAccounts()).find((x) => x.name === name)!);

  return {
    'presets:list': async () =>
      PROVIDERS.map((id) => {
        const p = PRESETS[id];
        return { id, label: p.label, ...(p.endpoint ? { endpoint: p.endpoint } : {}), ...(p.endpointHelp ? { endpointHelp: p.endpointHelp } : {}), region: p.region, pathStyle: p.pathStyle };
      }),
    'accounts:list': async () => (await ferry.listAccounts()).map(viewOf),
    'accounts:add': async ({ saveAnyway, accessKeyId, secretAccessKey, ...input }) => {
      const where = accountFromInput(input, new Date()).endpoint ?? `Amazon S3 (${input.region || PRESETS.aws.region})`;
      await confirmEndpoint(input.name, where);
      await ferry.addAccount(input, { accessKeyId, secretAccessKey });
      const report = await testReport(input.name);
      // A failed test keeps nothing (unless the user said "Save anyway"): no half-set-up account.
      if (!report.ok && !saveAnyway) {
        const account = await accountView(input.name);
        await ferry.removeAccount(input.name);
        return { account, saved: false, report };
      }
      if (!report.ok) await ferry.accounts.setUntested(input.name, true);
      return { account: await accountView(input.name), saved: true, report };
    },
    'accounts:update': async ({ name, saveAnyway, accessKeyId, secretAccessKey, ...patch }) => {
      if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
        throw new FerryError('BAD_CREDENTIALS', 'To change the keys, give both the access key ID and the secret access key.');
      }
      const before = await ferry.accounts.get(name);
      const moving = patch.endpoint !== undefined && (patch.endpoint ? normaliseEndpoint(patch.endpoint, { allowLinkLocal: before.allowLinkLocal ?? false }) : undefined) !== before.endpoint;
      // A move without the keys is refused by the core; with them, the user says yes first, and
      // what the old server listed says nothing about the new one.
      if (moving && accessKeyId && secretAccessKey) {
        await confirmEndpoint(name, patch.endpoint || 'Amazon S3');
        known.forgetAccount(name);
      }
      let report: Awaited<ReturnType<typeof testReport>> | undefined;
      const saved = await ferry.tryAccountChange(name, patch, accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined, async () => {
        report = await testReport(name);
        return report.ok || Boolean(saveAnyway);
      });
      if (saved && !report!.ok) await ferry.accounts.setUntested(name, true);
      forget(name);
      return { account: await accountView(name), saved, report: report! };
    },
    'accounts:remove': async ({ name }) => {
      await ferry.removeAccount(name);
      known.forgetAccount(name);
      forget(name);
      return null;
    },
    'accounts:test': async ({ name }) => testReport(name),
  } satisfies Pick<Handlers, 'presets:list' | 'accounts:list' | 'accounts:add' | 'accounts:update' | 'accounts:remove' | 'accounts:test'>;
}
