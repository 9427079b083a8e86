/**
 * The private object format (format.ts) in a browser's WebCrypto, as plain ES2017 for the pages
 * Ferry writes into a bucket: no library, nothing fetched. The same known-answer vectors pin it
 * and format.ts (test/unit/private-format.test.ts runs both), so a page written today opens an
 * object any later Ferry writes, and the other way round.
 *
 * Defines, inside the page's closure: b64u, unb64u, ferryKey (HKDF), ferryNonce, ferryHeader,
 * ferryUnwrap (a passphrase's PBKDF2), ferryOpenStream (a fetch body, chunk by chunk, to a sink),
 * ferrySealFile (a File to a Blob, for a private request's sender).
 */
import { CHUNK, CHUNK_LOG2, INFO_REQUEST, INFO_SHARE, KIND_REQUEST, KIND_SHARE, MAX_META, PBKDF2_RANGE, SALT, TAG, VERSION, WRAP_AAD } from './format';

export const BROWSER_CRYPTO = `
  var CHUNK = ${CHUNK}, TAG = ${TAG}, SALT = ${SALT}, KIND_SHARE = ${KIND_SHARE}, KIND_REQUEST = ${KIND_REQUEST}, MAX_META = ${MAX_META};
  var enc = new TextEncoder();
  function b64u(bytes) { var s = ""; for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]); return btoa(s).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, ""); }
  function unb64u(text) { var s = atob(String(text).replace(/-/g, "+").replace(/_/g, "/")); var b = new Uint8Array(s.length); for (var i = 0; i < s.length; i++) b[i] = s.charCodeAt(i); return b; }
  function concat(list) { var n = 0, i; for (i = 0; i < list.length; i++) n += list[i].length; var out = new Uint8Array(n), at = 0; for (i = 0; i < list.length; i++) { out.set(list[i], at); at += list[i].length; } return out; }
  function Tampered(message) { var e = new Error(message); e.tampered = true; return e; }
  var CHANGED = "This file was changed or damaged after it was shared (it does not authenticate), so it was not saved. Ask the sender to share it again.";
  var CUT = "This file was cut short after it was shared (its last part is missing), so it was not saved. Ask the sender to share it again.";
  var CUT_OR_CHANGED = "This file was cut short or changed after it was shared, so it was not saved. Ask the sender to share it again.";
  function ferryHeaderLength(kind) { return 6 + 3 + SALT + (kind === KIND_REQUEST ? 65 : 0); }
  function ferryHeader(bytes) {
    var magic = "FERRYP";
    for (var i = 0; i < 6; i++) if (bytes[i] !== magic.charCodeAt(i)) throw Tampered("This is not a file Ferry encrypted (or its beginning was changed), so it cannot be opened.");
    if (bytes[6] !== ${VERSION}) throw Tampered("This file was encrypted by a newer Ferry; open the link in an up-to-date browser, or ask the sender for a new link.");
    var kind = bytes[7];
    if ((kind !== KIND_SHARE && kind !== KIND_REQUEST) || bytes[8] !== ${CHUNK_LOG2} || bytes.length < ferryHeaderLength(kind)) throw Tampered("This is not a file Ferry encrypted (or its beginning was changed), so it cannot be opened.");
    var n = ferryHeaderLength(kind);
    return { kind: kind, salt: bytes.slice(9, 9 + SALT), senderPublic: kind === KIND_REQUEST ? bytes.slice(9 + SALT, n) : null, bytes: bytes.slice(0, n) };
  }
  function ferryKey(ikm, salt, info, usages) {
    return crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveKey"]).then(function (k) {
      return crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: salt, info: info }, k, { name: "AES-GCM", length: 256 }, false, usages);
    });
  }
  function ferryShareKey(shareKey, header) { return ferryKey(shareKey, header.salt, enc.encode("${INFO_SHARE}"), ["decrypt"]); }
  function ferryNonce(index, last) { var n = new Uint8Array(12), v = new DataView(n.buffer); v.setUint32(3, Math.floor(index / 4294967296)); v.setUint32(7, index >>> 0); n[11] = last ? 1 : 0; return n; }
  function ferryOpenChunk(key, header, index, last, sealed) {
    if (sealed.length <= TAG) return Promise.reject(Tampered(CUT));
    return crypto.subtle.decrypt({ name: "AES-GCM", iv: ferryNonce(index, last), additionalData: header.bytes, tagLength: 128 }, key, sealed).then(function (p) { return new Uint8Array(p); }, function () { throw Tampered(last ? CUT_OR_CHANGED : CHANGED); });
  }
  function ferryMeta(first) {
    if (first.length < 4) throw Tampered(CHANGED);
    var len = new DataView(first.buffer, first.byteOffset, first.byteLength).getUint32(0);
    if (len > MAX_META || 4 + len > first.length) throw Tampered(CHANGED);
    var m;
    try { m = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(first.subarray(4, 4 + len))); } catch (e) { throw Tampered(CHANGED); }
    if (!m || typeof m.name !== "string" || typeof m.type !== "string" || typeof m.size !== "number" || !(m.size >= 0) || Math.floor(m.size) !== m.size) throw Tampered(CHANGED);
    return { meta: { name: m.name, type: m.type, size: m.size }, offset: 4 + len };
  }
  function ferryUnwrap(w, passphrase) {
    if (!w || typeof w.s !== "string" || typeof w.c !== "string" || !(w.i >= ${PBKDF2_RANGE[0]} && w.i <= ${PBKDF2_RANGE[1]})) return Promise.reject(Tampered("This link is incomplete: ask for the whole link again (everything after the # is needed)."));
    return crypto.subtle.importKey("raw", enc.encode(String(passphrase).normalize("NFC")), "PBKDF2", false, ["deriveKey"]).then(function (p) {
      return crypto.subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt: unb64u(w.s), iterations: w.i }, p, { name: "AES-GCM", length: 256 }, false, ["decrypt"]);
    }).then(function (kek) {
      return crypto.subtle.decrypt({ name: "AES-GCM", iv: new Uint8Array(12), additionalData: enc.encode("${WRAP_AAD}"), tagLength: 128 }, kek, unb64u(w.c));
    }).then(function (raw) { return new Uint8Array(raw); }, function (e) { if (e && e.tampered) throw e; var x = new Error("That passphrase is not the one this link was made with."); x.passphrase = true; throw x; });
  }
  /**
   * Reads an object's body (a ReadableStream reader) chunk by chunk: a chunk is opened as the
   * last only when the body ends right after it, so a body cut at a chunk's end fails too.
   * sink(plain) may return a promise (a file being written); onMeta gets the name, type and size.
   */
  function ferryOpenStream(reader, keyFor, sink, onMeta, onBytes) {
    var buffered = [], have = 0, header = null, key = null, index = 0, meta = null, written = 0;
    function take(n) { var all = buffered.length === 1 ? buffered[0] : concat(buffered); var out = all.subarray(0, n); var rest = all.subarray(n); buffered = rest.length ? [rest] : []; have = rest.length; return out; }
    function emit(plain) {
      if (index === 0) { var m = ferryMeta(plain); meta = m.meta; onMeta(meta); plain = plain.subarray(m.offset); }
      index++;
      written += plain.length;
      if (written > meta.size) throw Tampered(CHANGED);
      return plain.length ? sink(plain) : undefined;
    }
    function pump(done) {
      var p = Promise.resolve();
      if (!header && (have >= ferryHeaderLength(KIND_REQUEST) || (done && have >= ferryHeaderLength(KIND_SHARE)))) {
        var peek = buffered.length === 1 ? buffered[0] : concat(buffered);
        header = ferryHeader(peek);
        take(header.bytes.length);
        p = keyFor(header).then(function (k) { key = k; });
      }
      return p.then(function next() {
        if (!header) { if (done) throw Tampered(CUT); return; }
        if (have > CHUNK + TAG || (done && have > 0)) {
          var last = done && have <= CHUNK + TAG;
          var sealed = take(last ? have : CHUNK + TAG).slice();
          return ferryOpenChunk(key, header, index, last, sealed).then(emit).then(next);
        }
        if (done) {
          if (!meta || written !== meta.size) throw Tampered(CUT);
        }
      });
    }
    function read() {
      return reader.read().then(function (r) {
        if (r.done) return pump(true).then(function () { return meta; });
        buffered.push(r.value); have += r.value.length;
        if (onBytes) onBytes(r.value.length);
        return pump(false).then(read);
      });
    }
    return read();
  }
  /** A File sealed to a recipient's P-256 public key (raw, 65 bytes), as a Blob. onProgress(done, total). */
  function ferrySealFile(file, recipientPublic, onProgress) {
    var eph, header, key;
    var metaJson = enc.encode(JSON.stringify({ name: file.name, type: file.type || "application/octet-stream", size: file.size }));
    if (metaJson.length > MAX_META) return Promise.reject(new Error("the name is too long to send privately"));
    var prefix = new Uint8Array(4 + metaJson.length);
    new DataView(prefix.buffer).setUint32(0, metaJson.length); prefix.set(metaJson, 4);
    var total = prefix.length + file.size, count = Math.max(1, Math.ceil(total / CHUNK));
    var salt = crypto.getRandomValues(new Uint8Array(SALT));
    return crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]).then(function (k) {
      eph = k;
      return Promise.all([crypto.subtle.exportKey("raw", k.publicKey), crypto.subtle.importKey("raw", recipientPublic, { name: "ECDH", namedCurve: "P-256" }, false, [])]);
    }).then(function (r) {
      var senderPublic = new Uint8Array(r[0]);
      header = concat([enc.encode("FERRYP"), new Uint8Array([${VERSION}, KIND_REQUEST, ${CHUNK_LOG2}]), salt, senderPublic]);
      return crypto.subtle.deriveBits({ name: "ECDH", public: r[1] }, eph.privateKey, 256).then(function (secret) {
        return ferryKey(new Uint8Array(secret), salt, concat([enc.encode("${INFO_REQUEST}"), recipientPublic, senderPublic]), ["encrypt"]);
      });
    }).then(function (k) {
      key = k;
      var blob = new Blob([header]), pending = [], index = 0;
      function piece(i) {
        var start = i * CHUNK, end = Math.min(total, start + CHUNK);
        // Payload bytes [start, end): the name's prefix first, then the file.
        var parts = [];
        if (start < prefix.length) parts.push(prefix.subarray(start, Math.min(end, prefix.length)));
        var fs = Math.max(0, start - prefix.length), fe = end - prefix.length;
        if (fe > fs) return file.slice(fs, fe).arrayBuffer().then(function (b) { parts.push(new Uint8Array(b)); return concat(parts); });
        return Promise.resolve(concat(parts));
      }
      function next() {
        if (index >= count) { blob = new Blob([blob].concat(pending)); return blob; }
        var i = index++;
        return piece(i).then(function (plain) {
          return crypto.subtle.encrypt({ name: "AES-GCM", iv: ferryNonce(i, i === count - 1), additionalData: header, tagLength: 128 }, key, plain);
        }).then(function (sealed) {
          pending.push(new Uint8Array(sealed));
          // Into the Blob every 64 chunks, which the browser may keep on disk, not in script memory.
          if (pending.length >= 64) { blob = new Blob([blob].concat(pending)); pending = []; }
          if (onProgress) onProgress(Math.min(file.size, (i + 1) * CHUNK), file.size);
          return next();
        });
      }
      return next();
    });
  }
`;
