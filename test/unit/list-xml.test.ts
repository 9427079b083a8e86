/**
 * The streaming listing parser reads what the SDK's deserialiser reads from the same answer:
 * each document goes through the real S3 client (its handler answers with the document) and
 * through ListParser cut into chunks at every kind of boundary, and both readings must agree.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ListParser, type ListResult } from '../../main/core/s3/list-xml';

function sdkReads(xml: string): Promise<ListResult> {
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
    requestHandler: { handle: async () => ({ response: { statusCode: 200, headers: { 'content-type': 'application/xml' }, body: Readable.from([Buffer.from(xml)]) } }), updateHttpClientConfig() {}, httpHandlerConfigs: () => ({}) } as never,
  });
  return client.send(new ListObjectsV2Command({ Bucket: 'bkt' })).then((out) => ({
    contents: (out.Contents ?? []).map((o) => ({ key: o.Key ?? '', size: o.Size ?? 0, ...(o.LastModified ? { lastModified: o.LastModified.toISOString() } : {}), ...(o.ETag ? { etag: o.ETag } : {}) })),
    prefixes: (out.CommonPrefixes ?? []).map((p) => p.Prefix ?? ''),
    isTruncated: Boolean(out.IsTruncated),
    ...(out.NextContinuationToken ? { nextToken: out.NextContinuationToken } : {}),
    ...(out.EncodingType ? { encodingType: out.EncodingType } : {}),
  }));
}

function oursReads(xml: string, cut: (bytes: Buffer) => Buffer[]): { result: ListResult; tokens: string[] } {
  const tokens: string[] = [];
  const parser = new ListParser((t) => tokens.push(t));
  for (const chunk of cut(Buffer.from(xml))) parser.write(chunk);
  return { result: parser.end(), tokens };
}

const CUTS: Array<[string, (b: Buffer) => Buffer[]]> = [
  ['whole', (b) => [b]],
  ['byte by byte', (b) => [...b].map((x) => Buffer.from([x]))],
  ['7 bytes at a time', (b) => Array.from({ length: Math.ceil(b.length / 7) }, (_, i) => b.subarray(i * 7, i * 7 + 7))],
];

const contents = (key: string, extra = '') => `<Contents><Key>${key}</Key><LastModified>2026-11-30T10:20:30.123Z</LastModified><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>65536</Size><Owner><ID>tester</ID><DisplayName>Tester</DisplayName></Owner><StorageClass>STANDARD</StorageClass>${extra}</Contents>`;
const doc = (inner: string, head = '<Name>bkt</Name><Prefix></Prefix><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys>') => `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${head}${inner}</ListBucketResult>`;

const DOCS: Array<[string, string]> = [
  ['an empty bucket', doc('<IsTruncated>false</IsTruncated>')],
  ['Ceph-style, truncated, token first', doc(`<IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>${contents('a.txt')}${contents('b/c.txt')}`)],
  ['AWS-style, token after the entries', doc(`${contents('a.txt')}<IsTruncated>true</IsTruncated><NextContinuationToken>tok&amp;en</NextContinuationToken>`)],
  ['folders and URL-encoded names', doc(`<Delimiter>/</Delimiter><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>${contents('a%20b%2Bc%0A.txt')}<CommonPrefixes><Prefix>photos%2F2026/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>x+y/</Prefix></CommonPrefixes>`)],
  ['entities and character references in names', doc(`<IsTruncated>false</IsTruncated>${contents('&lt;svg onload=x&gt; &amp; &quot;q&quot; &apos;s&apos; &#65;&#x42;&#233;')}`)],
  ['names with spaces at either end, and unicode', doc(`<IsTruncated>false</IsTruncated>${contents('  leading and trailing  ')}${contents('résumé 日本語 📦 مرحبا.pdf')}`)],
  ['an entry without size or date', doc('<IsTruncated>false</IsTruncated><Contents><Key>bare</Key></Contents>')],
  ['whitespace and newlines between elements', doc(`\n  <IsTruncated>false</IsTruncated>\n  ${contents('k').replace(/></g, '>\n    <')}\n`)],
  ['self-closing empty elements', doc('<IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>0</Size><ETag/></Contents>')],
];

describe('the streaming listing parser reads what the SDK reads (issue 21)', () => {
  for (const [name, xml] of DOCS) {
    it(name, async () => {
      const theirs = await sdkReads(xml);
      for (const [how, cut] of CUTS) {
        const { result, tokens } = oursReads(xml, cut);
        expect(result, how).toEqual(theirs);
        // The token is told once, the moment it is read.
        expect(tokens, how).toEqual(theirs.nextToken ? [theirs.nextToken] : []);
      }
    });
  }

  it('reads a character reference beyond the first plane as XML defines it (the SDK drops it)', () => {
    const { result } = oursReads(doc(`<IsTruncated>false</IsTruncated>${contents('box &#x1F4E6; &#128230;')}`), (b) => [b]);
    expect(result.contents[0]!.key).toBe('box 📦 📦');
  });

  it('tells the token before the entries after it arrive (the next page can be asked for at once)', () => {
    const xml = doc(`<IsTruncated>true</IsTruncated><NextContinuationToken>next</NextContinuationToken>${contents('a')}`);
    const seen: string[] = [];
    const parser = new ListParser((t) => seen.push(t));
    const at = xml.indexOf('<Contents>');
    parser.write(Buffer.from(xml.slice(0, at)));
    expect(seen).toEqual(['next']);
    parser.write(Buffer.from(xml.slice(at)));
    expect(parser.end().contents.map((c) => c.key)).toEqual(['a']);
  });

  it('refuses a tag that never ends at its first KiB, however long the server makes it (no search from its start chunk after chunk)', () => {
    const parser = new ListParser();
    parser.write(Buffer.from('<?xml version="1.0"?><ListBucketResult><Contents><Key'));
    let chunks = 0;
    expect(() => {
      for (; chunks < 256; chunks++) parser.write(Buffer.alloc(64 * 1024, 'a'));
    }).toThrow(expect.objectContaining({ name: 'NotS3Response' }));
    expect(chunks).toBe(0);
  });

  for (const [name, text] of [
    ['a web page', '<html><head><title>Hi</title></head><body>not S3</body></html>'],
    ['an error document where a listing should be', '<?xml version="1.0"?><Error><Code>InternalError</Code></Error>'],
    ['a listing cut short', doc(contents('a')).slice(0, 200)],
    ['nothing at all', ''],
    ['tags that do not match', '<ListBucketResult><Contents><Key>a</Size></Contents></ListBucketResult>'],
  ] as const) {
    it(`refuses ${name} as not a listing`, () => {
      expect(() => oursReads(text, (b) => [b])).toThrow(expect.objectContaining({ name: 'NotS3Response' }));
    });
  }
});
