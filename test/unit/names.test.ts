import { describe, expect, it } from 'vitest';
import { bucketNameProblem, parseS3Url, validateNewBucketName } from '../../main/core/s3/names';

describe('parseS3Url', () => {
  it('splits bucket and key like the AWS CLI', () => {
    expect(parseS3Url('s3://demo-bucket/my-file.txt')).toEqual({ bucket: 'demo-bucket', key: 'my-file.txt' });
    expect(parseS3Url('s3://demo-bucket')).toEqual({ bucket: 'demo-bucket', key: '' });
    expect(parseS3Url('s3://demo-bucket/')).toEqual({ bucket: 'demo-bucket', key: '' });
    expect(parseS3Url('s3://demo-bucket/a/b/')).toEqual({ bucket: 'demo-bucket', key: 'a/b/' });
  });

  it('keeps every character of the key, URL syntax included', () => {
    const key = 'dir/a b+c%20d#e?f=g&h/résumé 📦 مرحبا.txt';
    expect(parseS3Url(`s3://demo-bucket/${key}`).key).toBe(key);
  });

  it.each(['demo-bucket/key', 's3:/demo/key', 'https://demo/key', 's3://', 's3:///key'])('refuses %j with a message showing the right form', (raw) => {
    expect(() => parseS3Url(raw)).toThrow(/s3:\/\/bucket/);
  });

  it('refuses characters no bucket can have', () => {
    expect(() => parseS3Url('s3://my bucket/key')).toThrow(/cannot be a bucket name/);
  });
});

describe('bucket names', () => {
  it.each(['demo-bucket', 'abc', 'a.b-c.d1', 'x'.repeat(63)])('accepts %s', (name) => {
    expect(bucketNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['ab', /3 to 63/],
    ['x'.repeat(64), /3 to 63/],
    ['Demo', /upper-case/],
    ['demo_bucket', /"_"/],
    ['-demo', /begin and end/],
    ['demo.', /begin and end/],
    ['de..mo', /two dots/],
    ['de.-mo', /dot may not stand next to a hyphen/],
    ['192.168.5.4', /IP address/],
    ['xn--demo', /reserved/],
    ['demo-s3alias', /reserved/],
  ])('refuses %s', (name, why) => {
    expect(bucketNameProblem(name)).toMatch(why);
    expect(() => validateNewBucketName(name)).toThrow(/is not a valid bucket name/);
  });
});

describe('names from listings and for saved files', () => {
  it('decodes URL-encoded listing names as S3 encodes them, and leaves names from a server that did not encode', async () => {
    const { listedName } = await import('../../main/core/s3/storage');
    expect(listedName('url')('in/a+b%2Bc%20d%25%1B%E2%80%AE.txt')).toBe('in/a b+c d%\u001b\u202e.txt');
    expect(listedName(undefined)('in/a+b%2B.txt')).toBe('in/a+b%2B.txt');
    expect(listedName('url')(undefined)).toBe('');
  });

  it('saves a download under a name with no control or bidi characters and no path', async () => {
    const { downloadName } = await import('../../main/core/transfers/download');
    expect(downloadName('x/invoice\u202Efdp.exe', 'linux')).toBe('invoice_fdp.exe');
    expect(downloadName('x/a\u001b[2J\u009bb\u2066c.txt', 'linux')).toBe('a_[2J_b_c.txt');
    expect(downloadName('x/a:b?.txt', 'win32')).toBe('a_b_.txt');
    // At most 200 bytes of UTF-8 (file systems allow 255), cut between characters, the extension kept.
    const long = downloadName(`x/${'é'.repeat(300)}📦.txt`, 'linux');
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(200);
    expect(long).toMatch(/^é+\.txt$/);
    expect(downloadName('x/..', 'linux')).toBe('_');
  });
});
