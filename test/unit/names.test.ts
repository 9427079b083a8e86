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
