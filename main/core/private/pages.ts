/**
 * The private link's page (issue 22): written into the bucket beside the share's ciphertext, it
 * decrypts in the recipient's browser with WebCrypto. The key (or the key wrapped under a
 * passphrase) and the ciphertext's signed links come in the link's fragment, which browsers never
 * send to a server, and the page removes it from the address bar once read. It fetches only the
 * share's own objects on its own origin (its Content-Security-Policy allows nothing else, and
 * the links in the fragment must name exactly the objects written into the page), stores nothing,
 * and saves as it decrypts where the browser can (File System Access); elsewhere it decrypts in
 * memory, up to MEMORY_LIMIT.
 */
import { page } from '../sharing/pages';
import { BROWSER_CRYPTO } from './browser-crypto';
import { META_BYTES } from './seal';

/** The largest file a browser without the File System Access API is asked to hold (decrypted) in memory. */
export const MEMORY_LIMIT = 1024 ** 3;

export interface PrivatePageData {
  title: string;
  expiresAt: string;
  /** The URL path of each ciphertext object, in the order of the fragment's links. */
  objects: string[];
  /** The link's key is wrapped under a passphrase. */
  passphrase: boolean;
}

export function renderPrivatePage(d: PrivatePageData, origin: string): string {
  const body = `<h1 id="title"></h1>
<p class="muted" id="summary"></p>
<form class="card hidden" id="unlock">
  <p><label for="pass"><strong>Passphrase</strong></label><br><span class="muted">The sender protected these files with a passphrase. Ask them for it; it is not in the link.</span></p>
  <p><input id="pass" type="password" autocomplete="off" required> <button type="submit" id="open">Open</button></p>
</form>
<div class="card hidden" id="files">
  <ul id="list" aria-label="Files"></ul>
</div>
<p id="status" role="status" aria-live="polite"></p>
<p class="muted">End-to-end encrypted: these files are decrypted here, in this browser. The storage they come from holds only encrypted data and never sees the key. This page keeps nothing.</p>`;
  const script = `
${BROWSER_CRYPTO}
  var META_BYTES = ${META_BYTES}, MEMORY_LIMIT = ${MEMORY_LIMIT};
  function status(msg, bad) { var s = $("status"); s.className = bad ? "bad" : ""; s.textContent = msg; }
  text($("title"), shown(data.title));
  var raw = location.hash.slice(1);
  // The key leaves the address bar as soon as it is read (the browser's own history keeps what was opened).
  if (raw) history.replaceState(null, "", location.pathname + location.search);
  var link = null;
  try { link = JSON.parse(new TextDecoder().decode(unb64u(raw))); } catch (e) { link = null; }
  if (!window.crypto || !crypto.subtle || !window.ReadableStream || !window.TextDecoder) { status("This browser cannot decrypt files (it lacks WebCrypto). Open the link in a current Chrome, Edge, Firefox or Safari.", true); return; }
  function whole() {
    if (!link || link.v !== 1 || !Array.isArray(link.f) || link.f.length !== data.objects.length) return false;
    if (typeof link.k !== "string" && !(link.w && typeof link.w === "object")) return false;
    if (!Array.isArray(link.s) || link.s.length !== link.f.length) return false;
    if (typeof link.k === "string") { try { if (unb64u(link.k).length !== 32) return false; } catch (e) { return false; } }
    for (var i = 0; i < link.f.length; i++) {
      var u; try { u = new URL(link.f[i]); } catch (e) { return false; }
      if (u.origin !== location.origin || u.pathname !== data.objects[i]) return false;
    }
    return true;
  }
  if (!whole()) { status("This link is incomplete: ask for the whole link again (everything after the # is needed).", true); return; }
  var expired = Date.now() > new Date(data.expiresAt).getTime();
  text($("summary"), data.objects.length + " file" + (data.objects.length === 1 ? "" : "s") + ". " + (expired ? "This link has expired." : "The link works until " + when(data.expiresAt) + "."));
  if (expired) { status("This link has expired: ask the sender for a new one.", true); return; }
  function gone(code) { var e = new Error(code === 403 || code === 404 ? "These files are no longer there: the link was ended or has expired. Ask the sender for a new one." : "The storage answered " + code + ": try again in a moment."); e.gone = code === 403 || code === 404; return e; }
  function safeName(name) { var n = String(name).replace(/[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069\\/\\\\:*?"<>|]/g, "_").replace(/^[.\\s]+|[.\\s]+$/g, ""); return (n || "file").slice(0, 200); }
  function start(shareKey) {
    // Each object must be the one made for its place in this link: its salt is in the link.
    var keyFor = function (i) { return function (h) { if (h.kind !== KIND_SHARE || b64u(h.salt) !== link.s[i]) throw Tampered(CHANGED); return ferryShareKey(shareKey, h); }; };
    $("unlock").classList.add("hidden");
    status("Opening…");
    var metas = [];
    function head(i) {
      return fetch(link.f[i], { headers: { Range: "bytes=0-" + (META_BYTES - 1) }, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" }).then(function (r) {
        if (!r.ok) throw gone(r.status);
        var range = /\\/(\\d+)$/.exec(r.headers.get("content-range") || "");
        return r.arrayBuffer().then(function (b) {
          var bytes = new Uint8Array(b), total = range ? Number(range[1]) : bytes.length;
          var h = ferryHeader(bytes), n = h.bytes.length, body = total - n, last = body <= CHUNK + TAG;
          var sealed = bytes.slice(n, n + Math.min(body, CHUNK + TAG));
          return Promise.resolve().then(function () { return keyFor(i)(h); }).then(function (k) { return ferryOpenChunk(k, h, 0, last, sealed); }).then(function (p) { metas[i] = { meta: ferryMeta(p).meta, total: total }; });
        });
      });
    }
    // Each file on its own: one damaged or missing file does not keep the others from being saved.
    var chain = Promise.resolve(), problems = [];
    data.objects.forEach(function (_, i) { chain = chain.then(function () { return head(i).catch(function (e) { problems[i] = e; }); }); });
    chain.then(function () {
      var bad = problems.filter(Boolean);
      if (bad.length === data.objects.length) {
        // Nothing opens: the same reason for all (ended, expired, a wrong key) is said once.
        status(bad.every(function (e) { return e.gone; }) ? bad[0].message : (bad.find(function (e) { return !e.gone; }) || bad[0]).message, true);
        return;
      }
      status(bad.length ? bad.length + " of " + data.objects.length + " files cannot be opened (said below); the others can be saved." : "", bad.length > 0);
      $("files").classList.remove("hidden");
      data.objects.forEach(function (_, i) { if (metas[i]) row(i, metas[i]); else broken(i, problems[i]); });
    });
    function broken(i, e) {
      var li = el("li"), name = el("span", "name", "File " + (i + 1) + " of " + data.objects.length), info = el("span", "bad", e.gone && data.objects.length > 1 ? "This file is no longer in the storage (deleted there)." : e.message);
      li.appendChild(name); li.appendChild(info); $("list").appendChild(li);
    }
    function row(i, m) {
      var li = el("li"), name = el("span", "name", m.meta.name), btn = el("button", "", "Save"), info = el("span", "muted", size(m.meta.size)), bar = el("progress");
      btn.type = "button"; btn.setAttribute("aria-label", "Save " + shown(m.meta.name));
      bar.max = 100; bar.value = 0; bar.classList.add("hidden"); bar.setAttribute("aria-label", "Progress of " + shown(m.meta.name));
      li.appendChild(name); li.appendChild(btn); li.appendChild(info); li.appendChild(bar);
      $("list").appendChild(li);
      function run(sink) {
        bar.classList.remove("hidden"); bar.value = 0; info.className = "muted"; text(info, "decrypting…");
        var got = 0;
        return fetch(link.f[i], { cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" }).then(function (r) {
          if (!r.ok) throw gone(r.status);
          return ferryOpenStream(r.body.getReader(), keyFor(i), sink, function (meta) {
            if (meta.name !== m.meta.name || meta.size !== m.meta.size) throw Tampered(CHANGED);
          }, function (n) { got += n; bar.value = Math.floor(got / m.total * 100); });
        });
      }
      function failed(e) {
        bar.classList.add("hidden"); btn.disabled = false;
        if (e && e.name === "AbortError") { info.className = "muted"; text(info, "not saved"); return; }
        info.className = "bad"; text(info, (e && e.message) || "failed: try again");
      }
      function finished() { bar.value = 100; btn.disabled = false; info.className = "ok"; text(info, "saved, " + size(m.meta.size) + ", every byte authenticated"); }
      btn.addEventListener("click", function () {
        btn.disabled = true;
        if (typeof window.showSaveFilePicker === "function") {
          // Straight to disk as it decrypts; a file that does not authenticate is discarded, never kept half-written.
          var writable = null;
          window.showSaveFilePicker({ suggestedName: safeName(m.meta.name) }).then(function (h) { return h.createWritable(); }).then(function (w) {
            writable = w;
            return run(function (c) { return w.write(c); });
          }).then(function () { return writable.close(); }).then(finished, function (e) {
            var done = writable ? writable.abort().catch(function () {}) : Promise.resolve();
            done.then(function () { failed(e); });
          });
          return;
        }
        if (m.meta.size > MEMORY_LIMIT) { failed(new Error("Too large for this browser: it cannot save as it decrypts, and files over " + size(MEMORY_LIMIT) + " do not fit in its memory. Open the link in Chrome or Edge on a computer.")); return; }
        var parts = [];
        run(function (c) { parts.push(c); }).then(function () {
          var url = URL.createObjectURL(new Blob(parts, { type: "application/octet-stream" }));
          parts = [];
          var a = document.createElement("a"); a.href = url; a.download = safeName(m.meta.name); document.body.appendChild(a); a.click(); a.remove();
          setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
          finished();
        }, function (e) { parts = []; failed(e); });
      });
    }
  }
  if (typeof link.k === "string") { start(unb64u(link.k)); return; }
  $("unlock").classList.remove("hidden");
  $("pass").focus();
  $("unlock").addEventListener("submit", function (e) {
    e.preventDefault();
    $("open").disabled = true;
    status("Checking the passphrase…");
    ferryUnwrap(link.w, $("pass").value).then(function (k) { $("open").disabled = false; start(k); }, function (err) {
      $("open").disabled = false;
      status(err.passphrase ? "That passphrase is not right. Check it with the sender and try again." : err.message, true);
      $("pass").select();
    });
  });
`;
  return page(d.title, body, d, script, origin);
}
