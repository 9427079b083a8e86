import { describe, expect, it } from 'vitest';
import { RequestSigner, type SignableRequest } from '../../main/core/s3/request-signer';
import { uriEncode } from '../../main/core/s3/uri';
import { sdkSign } from '../support/sdk-sign';

const keyPath = (bucket: string, key: string) => `/${bucket}/${key.split('/').map(uriEncode).join('/')}`;
const KEYS = ['photo.jpg', 'a b/c+d=e.txt', 'ünïcödé/日本語.png', "it's (1) [x] !*~.txt", 'a//b/', '%41%2F', 'dir/.hidden', 'tab\there', 'q?x#y&z'];

describe("Ferry's request signer signs as the SDK's does, byte for byte", () => {
  const at = new Date('2026-12-03T11:22:33.456Z');
  const plain = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const session = { ...plain, sessionToken: 'FwoGZXIvYXdzE//////////token+with/slashes==' };
  const requests: Array<[string, SignableRequest]> = [];
  for (const key of KEYS) {
    requests.push([`PUT ${key}`, { method: 'PUT', host: '127.0.0.1:7480', path: keyPath('b', key), query: [['x-id', 'PutObject']], headers: { 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==', 'content-type': 'image/jpeg', 'content-length': '0', 'if-none-match': '*', 'User-Agent': 'ferry/0.1', 'x-amz-meta-ferry-part-size': '8388608' }, payloadHash: 'UNSIGNED-PAYLOAD' }]);
    requests.push([`UploadPart ${key}`, { method: 'PUT', host: 'bucket.s3.eu-central-1.amazonaws.com', path: `/${key.split('/').map(uriEncode).join('/')}`, query: [['partNumber', '7'], ['uploadId', '2~abc+/=DEF'], ['x-id', 'UploadPart']], headers: { 'Content-MD5': 'XrY7u+Ae7tCTyyK7j1rNww==', 'Content-Length': '5242880', Expect: '100-continue' }, payloadHash: 'UNSIGNED-PAYLOAD' }]);
    requests.push([`GET range ${key}`, { method: 'GET', host: 'gateway.storjshare.io', path: keyPath('b', key), query: [['x-id', 'GetObject']], headers: { range: 'bytes=0-1048575', 'if-match': '"etag"' }, payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }]);
  }
  requests.push(['ListObjectsV2', { method: 'GET', host: 'localhost:9000', path: '/b', query: [['list-type', '2'], ['prefix', 'a b/ü&=+'], ['delimiter', '/'], ['continuation-token', '1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM='], ['encoding-type', 'url']], headers: {}, payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }]);
  requests.push(['repeated query keys, empty values', { method: 'GET', host: 'h', path: '/b', query: [['z', ''], ['a', '2'], ['a', '1'], ['A', 'x']], headers: { 'X-Odd-Spacing': '  two   spaces\tand tab  ' }, payloadHash: 'UNSIGNED-PAYLOAD' }]);
  requests.push(['HEAD', { method: 'HEAD', host: 'h', path: '/b/k', query: [], headers: {}, payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }]);

  for (const [region, creds] of [['us-east-1', plain], ['eu-central-1', session], ['auto', plain], ['us-west-004', session]] as const) {
    it(`${requests.length} requests, region ${region}${'sessionToken' in creds ? ', with a session token' : ''}`, async () => {
      const ours = new RequestSigner(creds, region);
      for (const [name, req] of requests) {
        const theirs = await sdkSign(req, creds, region, at);
        const mine = ours.sign(req, at);
        expect(mine.authorization, name).toBe(theirs.authorization);
        expect(mine['x-amz-date'], name).toBe(theirs['x-amz-date']);
        if ('sessionToken' in creds) expect(mine['x-amz-security-token'], name).toBe(theirs['x-amz-security-token']);
      }
    });
  }
});
