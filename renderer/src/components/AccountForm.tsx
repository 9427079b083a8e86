import { useEffect, useState, type FormEvent } from 'react';
import type { AccountView, ConnectionReportView, PresetView } from '../../../preload/contract';
import { call, ferry, message } from '../api';
import { useKeepFocus } from '../ui/useKeepFocus';

interface Props {
  presets: PresetView[];
  /** Editing this account; adding a new one when undefined. */
  editing?: AccountView;
  onSaved(account: AccountView): void;
  onRemoved?(name: string): void;
  onCancel?(): void;
  /** The form's heading level: 1 when it is the screen's main content, 2 in a dialog or under a welcome. */
  headingLevel?: 1 | 2;
  /** In a dialog, the dialog's title is the heading. */
  noHeading?: boolean;
}

/**
 * Adding or editing an account. The keys typed here go to main once, on save, and are kept in
 * the system keychain; the window never gets them back (editing shows empty key fields, which
 * keep the stored keys unless both are filled in).
 */
export function AccountForm({ presets, editing, onSaved, onRemoved, onCancel, headingLevel = 1, noHeading }: Props) {
  const [provider, setProvider] = useState<PresetView['id']>(editing?.provider ?? 'storj');
  const preset = presets.find((p) => p.id === provider);
  const [name, setName] = useState(editing?.name ?? '');
  const [endpoint, setEndpoint] = useState(editing?.endpoint ?? '');
  const [region, setRegion] = useState(editing?.region ?? '');
  const [pathStyle, setPathStyle] = useState<boolean | undefined>(editing?.pathStyle);
  const [accessKeyId, setAccessKeyId] = useState('');
  const [secretAccessKey, setSecretAccessKey] = useState('');
  // A new endpoint means the keys would be sent somewhere else: they must be typed again.
  const keysNeeded = !editing || endpoint.trim().replace(/\/+$/, '') !== (editing.endpoint ?? '');
  const [busy, setBusy] = useState<'save' | 'test' | 'remove' | undefined>();
  useKeepFocus(busy !== undefined);
  const [error, setError] = useState<string | undefined>();
  const [report, setReport] = useState<ConnectionReportView | undefined>();
  /** The last save was refused because its test failed: offer "Save anyway". */
  const [refused, setRefused] = useState(false);
  const [confirmRemove, setConfirmRemove] = useState(false);
  // Saved, and nothing changed since: the form offers Done, not another save.
  const fields = JSON.stringify([name, endpoint, region, pathStyle, provider]);
  const [savedFields, setSavedFields] = useState<string | undefined>();
  const done = savedFields === fields && !accessKeyId && !secretAccessKey;

  useEffect(() => {
    if (!editing) setPathStyle(undefined);
  }, [provider, editing]);


  const test = async (account: string) => {
    setBusy('test');
    try {
      setReport(await call(ferry().testAccount({ name: account })));
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(undefined);
    }
  };

  /** Saves only if the connection test passes, unless saveAnyway: then it is kept whatever the test says. */
  const save = async (saveAnyway: boolean) => {
    setError(undefined);
    setReport(undefined);
    setBusy('save');
    try {
      const result = editing
        ? await call(
            ferry().updateAccount({
              name: editing.name,
              endpoint: endpoint.trim(),
              ...(region.trim() ? { region: region.trim() } : {}),
              ...(pathStyle !== undefined ? { pathStyle } : {}),
              ...(accessKeyId || secretAccessKey ? { accessKeyId, secretAccessKey } : {}),
              ...(saveAnyway ? { saveAnyway } : {}),
            }),
          )
        : await call(
            ferry().addAccount({
              name: name.trim(),
              provider,
              ...(endpoint.trim() ? { endpoint: endpoint.trim() } : {}),
              ...(region.trim() ? { region: region.trim() } : {}),
              ...(pathStyle !== undefined ? { pathStyle } : {}),
              accessKeyId: accessKeyId.trim(),
              secretAccessKey,
              ...(saveAnyway ? { saveAnyway } : {}),
            }),
          );
      setReport(result.report);
      setRefused(!result.saved);
      if (result.saved) {
        setAccessKeyId('');
        setSecretAccessKey('');
        setSavedFields(fields);
        onSaved(result.account);
      }
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(undefined);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save(false);
  };

  const remove = async () => {
    if (!editing) return;
    setBusy('remove');
    try {
      await call(ferry().removeAccount({ name: editing.name }));
      onRemoved?.(editing.name);
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(undefined);
    }
  };

  const firstFailure = report?.checks.find((c) => !c.ok);
  const dirty = !editing || accessKeyId !== '' || secretAccessKey !== '' || endpoint.trim().replace(/\/+$/, '') !== (editing.endpoint ?? '') || (region.trim() !== '' && region.trim() !== editing.region) || (pathStyle !== undefined && pathStyle !== editing.pathStyle);

  return (
    <form className={`account-form${noHeading ? '' : ' card'}`} onSubmit={submit} aria-label={editing ? `Edit account ${editing.name}` : 'Add an account'}>
      {noHeading ? null : headingLevel === 1 ? <h1>{editing ? `Account “${editing.name}”` : 'Add an account'}</h1> : <h2>{editing ? `Account “${editing.name}”` : 'Add an account'}</h2>}
      {!editing && (
        <label>
          <span>Provider</span>
          <select aria-label="Provider" value={provider} onChange={(e) => setProvider(e.target.value as PresetView['id'])}>
            {presets.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
      )}
      {!editing && (
        <label>
          <span>Name</span>
          <input aria-label="Name" value={name} onChange={(e) => setName(e.target.value)} placeholder="work, personal, storj…" required pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}" />
        </label>
      )}
      <label>
        <span>Endpoint</span>
        <input
          aria-label="Endpoint"
          value={endpoint}
          onChange={(e) => setEndpoint(e.target.value)}
          placeholder={preset?.endpoint ?? preset?.endpointHelp ?? 'https://…'}
          type="url"
        />
        {preset?.endpointHelp && !editing && <small>{preset.endpointHelp}</small>}
      </label>
      <div className="row">
        <label>
          <span>Region</span>
          <input aria-label="Region" value={region} onChange={(e) => setRegion(e.target.value)} placeholder={preset?.region ?? 'us-east-1'} />
        </label>
        <label>
          <span>Addressing</span>
          <select aria-label="Addressing" value={pathStyle === undefined ? '' : pathStyle ? 'path' : 'virtual'} onChange={(e) => setPathStyle(e.target.value === '' ? undefined : e.target.value === 'path')}>
            {!editing && <option value="">Provider default ({preset?.pathStyle ? 'path' : 'virtual-hosted'})</option>}
            <option value="path">Path style</option>
            <option value="virtual">Virtual-hosted</option>
          </select>
        </label>
      </div>
      <label>
        <span>Access key ID</span>
        <input aria-label="Access key ID" value={accessKeyId} onChange={(e) => setAccessKeyId(e.target.value)} autoComplete="off" spellCheck={false} required={keysNeeded} placeholder={keysNeeded ? '' : 'unchanged'} />
      </label>
      <label>
        <span>Secret access key</span>
        <input aria-label="Secret access key" value={secretAccessKey} onChange={(e) => setSecretAccessKey(e.target.value)} type="password" autoComplete="off" required={keysNeeded} placeholder={keysNeeded ? '' : 'unchanged'} />
        <small>{editing && keysNeeded ? 'The endpoint changed: type the keys again to send them there.' : 'Kept in the system keychain, never in a file.'}</small>
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {report && (
        <>
          <p role={report.ok ? 'status' : 'alert'} className={report.ok ? 'ok' : 'error'}>
            {report.ok ? (done ? 'Saved. The connection test passed.' : 'The connection test passed.') : refused ? `Not saved: ${firstFailure?.detail ?? 'the connection test failed.'} Fix the fields above and save again, or save anyway.` : `Saved, though the connection test failed: ${firstFailure?.detail ?? ''}`}
          </p>
          <ul className="checks" aria-label="Connection test">
            {report.checks.map((c) => (
              <li key={c.name} className={c.ok ? 'ok' : 'fail'}>
                <span aria-hidden>{c.ok ? '✓' : '✗'}</span> <b>{c.name}</b>: {c.detail}
              </li>
            ))}
          </ul>
        </>
      )}
      {report?.abilities && (
        <ul className="checks" aria-label="What the server supports">
          {report.abilities.map((c) => (
            // What a server lacks is not a failure of the test: shown plainly, never in red.
            <li key={c.name} className={c.ok ? 'ok' : 'absent'}>
              <span aria-hidden>{c.ok ? '✓' : '–'}</span> <b>{c.name}</b>: {c.detail}
            </li>
          ))}
        </ul>
      )}
      {confirmRemove && editing && (
        <div className="confirm" role="alert">
          <p>Remove the account “{editing.name}”? Its keys are deleted from the keychain; nothing in its buckets changes.</p>
          <button type="button" className="danger-solid" onClick={() => void remove()} autoFocus>
            Remove account
          </button>{' '}
          <button type="button" onClick={() => setConfirmRemove(false)}>
            Keep it
          </button>
        </div>
      )}
      <div className="actions">
        {(dirty || refused) && !done && (
          <button type="submit" className="primary" disabled={busy !== undefined}>
            {busy === 'save' ? 'Testing and saving…' : editing ? 'Test and save' : 'Add account'}
          </button>
        )}
        {refused && (
          <button type="button" onClick={() => void save(true)} disabled={busy !== undefined}>
            Save anyway
          </button>
        )}
        {editing && !dirty && (
          <button type="button" onClick={() => void test(editing.name)} disabled={busy !== undefined}>
            {busy === 'test' ? 'Testing…' : 'Test connection'}
          </button>
        )}
        {editing && !confirmRemove && (
          <button type="button" className="danger" onClick={() => setConfirmRemove(true)} disabled={busy !== undefined}>
            Remove account…
          </button>
        )}
        {onCancel && (
          <button type="button" className={done ? 'primary' : undefined} onClick={onCancel}>
            {done ? 'Done' : 'Close'}
          </button>
        )}
      </div>
    </form>
  );
}
