import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { contentDisposition, presignGet } from '../../main/core/links/presign';

const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const client = new S3Client({ region: 'us-east-1', endpoint: 'https://s3.example.com', forcePathStyle: true, credentials: creds });
const clock = { now: () => Date.parse('2026-11-29T12:00:00.400Z') };

describe('presignGet', () => {
  it('signs a link with the exact expiry asked for', async () => {
    const link = await presignGet(() => client, creds, { bucket: 'demo-bucket', key: 'my-file.txt', expiresIn: 604_800 }, clock);
    const url = new URL(link.url);
    expect(url.origin + url.pathname).toBe('https://s3.example.com/demo-bucket/my-file.txt');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('604800');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20261129T120000Z');
    expect(link.createdAt).toBe('2026-11-29T12:00:00.000Z');
    expect(link.expiresAt).toBe('2026-12-06T12:00:00.000Z');
    expect(link).toMatchObject({ lifetimeSeconds: 604_800, limitedBy: 'expiry', temporaryCredentials: false });
    expect(link.url).not.toContain(creds.secretAccessKey);
  });

  it('refuses lifetimes outside 1 second to 7 days', async () => {
    await expect(presignGet(() => client, creds, { bucket: 'bkt', key: 'k', expiresIn: 604_801 }, clock)).rejects.toThrow(/7 days/);
    await expect(presignGet(() => client, creds, { bucket: 'bkt', key: 'k', expiresIn: 0 }, clock)).rejects.toThrow(/1 second/);
  });

  it('reports the real, shorter lifetime when temporary credentials expire first', async () => {
    const temp = { ...creds, sessionToken: 'TOKEN', expiration: new Date('2026-11-29T13:00:00Z') };
    const tempClient = new S3Client({ region: 'us-east-1', endpoint: 'https://s3.example.com', forcePathStyle: true, credentials: temp });
    const link = await presignGet(() => tempClient, temp, { bucket: 'bkt', key: 'k', expiresIn: 86_400 }, clock);
    expect(link).toMatchObject({ expiresAt: '2026-11-29T13:00:00.000Z', lifetimeSeconds: 3600, limitedBy: 'credentials', temporaryCredentials: true });
    expect(new URL(link.url).searchParams.get('X-Amz-Security-Token')).toBe('TOKEN');
  });

  it('refuses to sign with temporary credentials that have already expired: the link would never work', async () => {
    const dead = { ...creds, sessionToken: 'TOKEN', expiration: new Date('2026-11-29T11:59:00Z') };
    await expect(presignGet(() => client, dead, { bucket: 'bkt', key: 'k', expiresIn: 3600 }, clock)).rejects.toMatchObject({ code: 'BAD_CREDENTIALS', message: expect.stringMatching(/expired at .*Get fresh credentials/) });
  });

  it('asks the server to name the download, non-ASCII names included', async () => {
    const link = await presignGet(() => client, creds, { bucket: 'bkt', key: 'k', expiresIn: 60, filename: 'Résumé 2026.pdf' }, clock);
    expect(new URL(link.url).searchParams.get('response-content-disposition')).toBe(
      `attachment; filename="Re_sume_ 2026.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%202026.pdf`,
    );
  });
});

describe('contentDisposition', () => {
  it('quotes plain names and neutralises quotes and line breaks', () => {
    expect(contentDisposition('report.pdf')).toBe('attachment; filename="report.pdf"');
    expect(contentDisposition('a"b\r\nc.txt')).toBe('attachment; filename="a_b__c.txt"');
    expect(contentDisposition('数据.csv')).toBe(`attachment; filename="__.csv"; filename*=UTF-8''%E6%95%B0%E6%8D%AE.csv`);
  });
});
