// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FerryApi } from '../../preload/api';
import type { TransferView } from '../../preload/contract';
import { overallProgress } from '../../main/core/transfers/transfer-view';
import { AccountForm } from '../../renderer/src/components/AccountForm';
import { FileSharePanel } from '../../renderer/src/components/FileSharePanel';
import { ObjectBrowser } from '../../renderer/src/components/ObjectBrowser';
import { Transfers } from '../../renderer/src/components/Transfers';
import { VirtualList } from '../../renderer/src/components/VirtualList';

/** A window.ferry whose methods record their calls; a value answer succeeds, a function returns the whole Result. */
function fakeApi(answers: Partial<Record<keyof FerryApi, unknown>> = {}) {
  const calls: Array<{ method: string; request: unknown }> = [];
  const api = new Proxy({} as Record<string, unknown>, {
    get: (_t, method: string) => {
      if (method === 'on') return () => () => {};
      if (method === 'pathForFile') return () => '';
      return async (request?: unknown) => {
        calls.push({ method, request });
        const a = answers[method as keyof FerryApi];
        return typeof a === 'function' ? (a as (r: unknown) => unknown)(request) : { ok: true, value: a ?? null };
      };
    },
  });
  (window as unknown as { ferry: unknown }).ferry = api;
  return calls;
}

const presets = [
  { id: 'storj' as const, label: 'Storj DCS (S3 gateway)', endpoint: 'https://gateway.storjshare.io', region: 'us-1', pathStyle: true },
  { id: 'ceph' as const, label: 'Ceph (RADOS Gateway)', endpointHelp: 'your RADOS Gateway', region: 'us-east-1', pathStyle: true },
];

afterEach(cleanup);

describe('AccountForm', () => {
  it('keeps nothing when the connection test fails, says why in words, and saves only on "Save anyway"', async () => {
    const report = {
      ok: false,
      account: 'home',
      endpoint: 'http://x',
      region: 'us-east-1',
      checks: [
        { name: 'reachable', ok: true, detail: 'answered' },
        { name: 'credentials accepted', ok: false, detail: 'the secret access key is wrong.' },
      ],
    };
    const account = { name: 'home', provider: 'ceph', region: 'us-east-1', pathStyle: true, isDefault: true };
    const calls = fakeApi({
      addAccount: (r: { saveAnyway?: boolean }) => ({ ok: true, value: { account, saved: Boolean(r.saveAnyway), report } }),
    });
    const saved = vi.fn();
    render(<AccountForm presets={presets} onSaved={saved} />);
    fireEvent.change(screen.getByLabelText('Provider'), { target: { value: 'ceph' } });
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'home' } });
    fireEvent.change(screen.getByLabelText('Endpoint'), { target: { value: 'http://rgw:7480' } });
    fireEvent.change(screen.getByLabelText('Access key ID'), { target: { value: 'AKID' } });
    fireEvent.change(screen.getByLabelText('Secret access key'), { target: { value: 's3cr3t' } });
    fireEvent.submit(screen.getByRole('form', { name: 'Add an account' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Not saved: the secret access key is wrong. Fix the fields above and save again, or save anyway.');
    expect(saved).not.toHaveBeenCalled();
    expect(calls[0]).toEqual({ method: 'addAccount', request: { name: 'home', provider: 'ceph', endpoint: 'http://rgw:7480', accessKeyId: 'AKID', secretAccessKey: 's3cr3t' } });
    // The keys stay in the form to fix them, or to save anyway.
    expect((screen.getByLabelText('Secret access key') as HTMLInputElement).value).toBe('s3cr3t');
    fireEvent.click(screen.getByRole('button', { name: 'Save anyway' }));
    await screen.findByText(/Saved, though the connection test failed/);
    expect(saved).toHaveBeenCalledOnce();
    expect(calls.map((c) => c.method)).toEqual(['addAccount', 'addAccount']);
    expect(calls[1]!.request).toMatchObject({ saveAnyway: true });
    // Saved: the typed secret does not linger in the form.
    expect((screen.getByLabelText('Secret access key') as HTMLInputElement).value).toBe('');
  });

  it('a passed test shows what the server lacks plainly, never as a failure in red', async () => {
    const report = {
      ok: true,
      account: 'home',
      endpoint: 'http://x',
      region: 'us-east-1',
      checks: [{ name: 'reachable', ok: true, detail: 'answered' }],
      abilities: [
        { name: 'multipart uploads', ok: true, detail: 'supported' },
        { name: 'checksums', ok: false, detail: 'none besides Content-MD5' },
      ],
    };
    fakeApi({ addAccount: () => ({ ok: true, value: { account: { name: 'home', provider: 'ceph', region: 'us-east-1', pathStyle: true, isDefault: true }, saved: true, report } }) });
    render(<AccountForm presets={presets} onSaved={vi.fn()} />);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'home' } });
    fireEvent.change(screen.getByLabelText('Access key ID'), { target: { value: 'AKID' } });
    fireEvent.change(screen.getByLabelText('Secret access key'), { target: { value: 'x' } });
    fireEvent.submit(screen.getByRole('form', { name: 'Add an account' }));
    const lacks = (await screen.findByText('checksums')).closest('li')!;
    expect(lacks.className).not.toMatch(/fail/);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows main\'s message when saving fails, and keeps what was typed', async () => {
    fakeApi({ addAccount: () => ({ ok: false, error: { code: 'KEYCHAIN_LOCKED', message: 'The system keychain is locked. Unlock it and try again.' } }) });
    render(<AccountForm presets={presets} onSaved={vi.fn()} />);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'work' } });
    fireEvent.change(screen.getByLabelText('Access key ID'), { target: { value: 'AKID' } });
    fireEvent.change(screen.getByLabelText('Secret access key'), { target: { value: 'x' } });
    fireEvent.submit(screen.getByRole('form', { name: 'Add an account' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/keychain is locked/);
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('work');
  });
});

describe('FileSharePanel', () => {
  beforeEach(() => {
    fakeApi({
      createLink: (r: { expiresIn: number }) => ({
        ok: true,
        value: { url: 'https://s3.example.com/b/k?X-Amz-Signature=abc', bucket: 'b', key: 'k', createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + r.expiresIn * 1000).toISOString(), lifetimeSeconds: r.expiresIn, limitedBy: 'expiry', qrSvg: '<svg/>' },
      }),
    });
  });

  it('refuses a lifetime over 7 days before asking main, never shortening it', async () => {
    const calls = fakeApi();
    render(<FileSharePanel account="a" bucket="b" objectKey="dir/report.pdf" defaultExpirySeconds={3600} onClose={vi.fn()} onIssued={vi.fn()} onDelete={vi.fn()} onRotateKeys={vi.fn()} onEnlargeQr={vi.fn()} />);
    fireEvent.change(screen.getByLabelText('Custom duration'), { target: { value: '8d' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create link' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/1 second to 7 days/);
    expect(calls).toEqual([]);
  });

  it('shows the link, its exact expiry and a countdown that runs', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    render(<FileSharePanel account="a" bucket="b" objectKey="report.pdf" defaultExpirySeconds={3600} onClose={vi.fn()} onIssued={vi.fn()} onDelete={vi.fn()} onRotateKeys={vi.fn()} onEnlargeQr={vi.fn()} />);
    fireEvent.click(screen.getByLabelText(/1 day/));
    fireEvent.click(screen.getByRole('button', { name: 'Create link' }));
    const input = (await screen.findByLabelText('Share link')) as HTMLInputElement;
    expect(input.value).toBe('https://s3.example.com/b/k?X-Amz-Signature=abc');
    expect(screen.getByText(/\(in (1 day|23 hours 59 minutes)\)/)).toBeTruthy();
    await act(async () => {
      vi.advanceTimersByTime(2 * 3600 * 1000);
    });
    await waitFor(() => expect(screen.getByText(/\(in 2[12] hours/)).toBeTruthy());
    vi.useRealTimers();
  });
});

describe('FileSharePanel, private links', () => {
  const panel = () => render(<FileSharePanel account="a" bucket="b" objectKey="dir/tax.pdf" defaultExpirySeconds={3600} onClose={vi.fn()} onIssued={vi.fn()} onDelete={vi.fn()} onRotateKeys={vi.fn()} onEnlargeQr={vi.fn()} />);

  it('says what a private link costs and promises, and refuses a passphrase under 8 characters before asking main', async () => {
    const calls = fakeApi();
    panel();
    expect(screen.queryByLabelText(/Passphrase/)).toBeNull();
    fireEvent.click(screen.getByLabelText('Private link (encrypted here)'));
    expect(screen.getByText(/Encrypted on this computer; the link carries the key after “#”\. The bucket keeps a second, encrypted copy .*the provider can read it.*files over 1 GB open only in Chrome or Edge/)).toBeTruthy();
    // A download name is a plain link's: a private link keeps the file's own name, encrypted.
    expect(screen.queryByLabelText('Download name (optional)')).toBeNull();
    const pass = screen.getByLabelText('Passphrase (optional, at least 8 characters)') as HTMLInputElement;
    expect(pass.type).toBe('password');
    // Eight characters as a person counts them: 7 emoji are 14 UTF-16 units, and still too few.
    fireEvent.change(pass, { target: { value: '🔑'.repeat(7) } });
    fireEvent.click(screen.getByRole('button', { name: 'Create private link' }));
    expect((await screen.findByRole('alert')).textContent).toBe('A passphrase needs at least 8 characters: anyone with the link can try guesses offline.');
    expect(calls).toEqual([]);
  });

  it('makes the link through main with the passphrase, shows it without a QR code, and forgets the passphrase', async () => {
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    const calls = fakeApi({ createPrivateLink: { url: 'https://s3.example.com/b/.ferry/private/0123456789abcdef.html?X-Amz-Signature=abc#eyJ2IjoxfQ', id: '0123456789abcdef', expiresAt, files: 1, passphrase: true, kept: true } });
    panel();
    fireEvent.click(screen.getByLabelText('Private link (encrypted here)'));
    fireEvent.change(screen.getByLabelText(/^Passphrase/), { target: { value: 'correct horse' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create private link' }));
    expect(((await screen.findByLabelText('Private link')) as HTMLInputElement).value).toMatch(/#eyJ2IjoxfQ$/);
    expect(calls[0]).toEqual({ method: 'createPrivateLink', request: { account: 'a', bucket: 'b', keys: ['dir/tax.pdf'], expiresIn: 3600, passphrase: 'correct horse' } });
    expect(screen.getByText(/Private link · 1 file\./)).toBeTruthy();
    expect(screen.getByText(/send that another way than the link/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Enlarge the QR code' })).toBeNull();
    expect((screen.getByLabelText(/^Passphrase/) as HTMLInputElement).value).toBe('');
    fireEvent.click(screen.getByRole('button', { name: 'Copy' }));
    await waitFor(() => expect(calls.at(-1)).toEqual({ method: 'copyLink', request: { url: expect.stringMatching(/#eyJ2IjoxfQ$/) } }));
  });
});

describe('Transfers', () => {
  const t = (status: TransferView['status'], extra: Partial<TransferView> = {}): TransferView => ({ id: `id-${status}`, direction: 'upload', account: 'a', bucket: 'b', key: `dir/${status}.bin`, file: `/x/${status}.bin`, size: 1000, status, bytesDone: 500, bytesPerSecond: 250, ...extra });

  it('is a one-line strip until opened; open, it offers the controls that fit each state, finished work folded into a count', () => {
    fakeApi();
    localStorage.clear();
    const list = [t('running', { etaSeconds: 2 }), t('paused'), t('failed', { error: 'Cannot reach host' }), t('done')];
    const props = { transfers: list, totals: overallProgress(list), onToggle: vi.fn(), onClear: vi.fn(), onError: vi.fn(), onCopyLink: vi.fn(), onShare: vi.fn() };
    const { rerender } = render(<Transfers {...props} open={false} />);
    // Closed: what runs and the overall figure of the work still to do (the running and the paused file), no rows.
    expect(screen.getByRole('button', { name: /Transfers/ }).getAttribute('aria-expanded')).toBe('false');
    expect(screen.getByText(/50% · 1\.0 KB of 2\.0 KB · 250 B\/s · 4s left/)).toBeTruthy();
    expect(screen.getByTitle(/^Uploading (dir\/)?running\.bin$/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Pause running.bin' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: /Transfers/ }));
    expect(props.onToggle).toHaveBeenCalled();
    rerender(<Transfers {...props} open />);
    expect(screen.getByRole('button', { name: 'Pause running.bin' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Resume paused.bin' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Retry failed.bin' })).toBeTruthy();
    expect(screen.getByText(/Cannot reach host/)).toBeTruthy();
    // A failed row has no bar that could look finished.
    expect(screen.queryByRole('progressbar', { name: 'Progress of failed.bin' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Retry failed (1)' })).toBeTruthy();
    // Finished work is a count until shown; a finished upload offers its link, not transfer controls.
    expect(screen.queryAllByRole('button', { name: /done\.bin/ })).toHaveLength(0);
    fireEvent.click(screen.getByRole('button', { name: 'Show 1 finished' }));
    expect(screen.getAllByRole('button', { name: /done\.bin/ }).map((b) => b.textContent)).toEqual(['Copy link', 'Share…']);
  });

  it('says "Finishing…" for a transfer whose every byte is taken, with no time left', () => {
    fakeApi();
    const list = [t('running', { bytesDone: 1000 })];
    render(<Transfers transfers={list} totals={overallProgress(list)} open onToggle={vi.fn()} onClear={vi.fn()} onError={vi.fn()} onCopyLink={vi.fn()} onShare={vi.fn()} />);
    expect(screen.getByText('Finishing…')).toBeTruthy();
    expect(screen.getByText(/100% · 1\.0 KB of 1\.0 KB · finishing…/)).toBeTruthy();
  });
});

describe('ObjectBrowser', () => {
  it('type-ahead takes a space within a name being typed; Space alone, after a pause, is Quick look', async () => {
    const objects = ['holiday photo.jpg', 'holiday video.mp4', 'notes.txt'].map((key) => ({ key, size: 1 }));
    fakeApi({ listObjects: { folders: [], objects } });
    let selection: string[] = [];
    const onAction = vi.fn();
    const onSelection = vi.fn((names: string[]) => (selection = names));
    const { rerender } = render(<ObjectBrowser location={{ account: 'a', bucket: 'b', prefix: '' }} refreshToken={0} selection={selection} onSelection={onSelection} onNavigate={vi.fn()} onAction={onAction} />);
    const grid = await screen.findByRole('grid');
    await waitFor(() => expect(screen.getAllByText('notes.txt').length).toBeGreaterThan(0));
    for (const key of 'holiday v') {
      fireEvent.keyDown(grid, { key });
      rerender(<ObjectBrowser location={{ account: 'a', bucket: 'b', prefix: '' }} refreshToken={0} selection={selection} onSelection={onSelection} onNavigate={vi.fn()} onAction={onAction} />);
    }
    expect(selection).toEqual(['holiday video.mp4']);
    expect(onAction).not.toHaveBeenCalled();
    // After a pause, Space is Quick look of the focused file.
    vi.useFakeTimers({ now: Date.now() + 2000, toFake: ['Date'] });
    fireEvent.keyDown(grid, { key: ' ' });
    vi.useRealTimers();
    expect(onAction).toHaveBeenCalledWith('preview', ['holiday video.mp4']);
  });
});

describe('VirtualList', () => {
  it('draws only the rows in view, even for 100,000 items', () => {
    const items = Array.from({ length: 100_000 }, (_, i) => `object-${i}`);
    render(<VirtualList label="Objects" items={items} rowHeight={34} rowLabel={(x) => x} render={(x) => <span>{x}</span>} />);
    const rows = screen.getAllByRole('listitem');
    expect(rows.length).toBeLessThan(60);
    expect(screen.getByText('object-0')).toBeTruthy();
    const list = screen.getByRole('list', { name: 'Objects' });
    fireEvent.scroll(list, { target: { scrollTop: 34 * 50_000 } });
    expect(screen.getByText('object-50000')).toBeTruthy();
    expect(screen.queryByText('object-1')).toBeNull();
    // The current row (the list's Tab stop) stays drawn, so focus is not lost while scrolling.
    expect(screen.getByText('object-0')).toBeTruthy();
    expect(screen.getAllByRole('listitem').length).toBeLessThan(60);
  });
});
