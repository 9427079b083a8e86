/**
 * The pages Ferry writes into a bucket: a file request page (others upload to you) and a
 * many-files page (one link for several files). One template module for both. Everything that
 * comes from users or servers (object names, notes, bucket names) enters a page only as JSON in
 * a script element with every '<', '>' and '&' escaped, and is put into the document with
 * textContent, so a name like <img src=x onerror=alert(1)> is shown, never run; control and bidi
 * characters are shown as escapes, as the window shows them. No external resources: the pages
 * work from the bucket alone, in any browser, on a phone. Each page carries its own
 * Content-Security-Policy: only its own script and style run, and it connects nowhere but where
 * it was made to (a file request's upload address; a many-files page, nowhere).
 */
import { createHash } from 'node:crypto';
import { BROWSER_CRYPTO } from '../private/browser-crypto';

/** JSON that is safe inside <script type="application/json">: no character can end the element. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text for HTML element content or a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1d2330; --muted: #5b6475; --bg: #f6f7fb; --card: #fff; --line: #d9dde7; --accent: #2557d6; --ok: #1a7f37; --bad: #b42318; }
@media (prefers-color-scheme: dark) { :root { --fg: #e8ebf2; --muted: #a5adbd; --bg: #14171d; --card: #1d2129; --line: #333a46; --accent: #8fb0ff; --ok: #5ccf7b; --bad: #ff8a80; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 720px; margin: 0 auto; padding: 24px 16px 48px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 16px; margin-top: 16px; }
.note { white-space: pre-wrap; overflow-wrap: anywhere; }
.drop { border: 2px dashed var(--line); border-radius: 12px; padding: 32px 16px; text-align: center; }
.drop.over { border-color: var(--accent); }
button, .button { font: inherit; border: 0; border-radius: 8px; padding: 8px 14px; background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
@media (prefers-color-scheme: dark) { button, .button { color: #10131a; } }
button:focus-visible, .button:focus-visible, input:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
ul { list-style: none; padding: 0; margin: 0; }
li { display: grid; grid-template-columns: 1fr auto; gap: 4px 12px; align-items: center; padding: 10px 0; border-top: 1px solid var(--line); }
li:first-child { border-top: 0; }
.name { overflow-wrap: anywhere; }
progress { grid-column: 1 / -1; width: 100%; height: 6px; }
.ok { color: var(--ok); }
li .bad { grid-column: 1 / -1; }
.bad { color: var(--bad); }
.hidden { display: none; }
`;

const cspHash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** A whole page: its body, its data (as JSON), its script, and where it may connect. */
export function page(title: string, body: string, data: unknown, script: string, connect: string): string {
  const code = `
"use strict";
(function () {
  var data = JSON.parse(document.getElementById("ferry-data").textContent);
  function $(id) { return document.getElementById(id); }
  function text(el, value) { el.textContent = value; return el; }
  function shown(value) { return String(value).replace(/[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]/g, function (c) { var n = c.charCodeAt(0), h = n.toString(16); return n <= 0xff ? "\\\\x" + ("0" + h).slice(-2) : "\\\\u" + ("000" + h).slice(-4); }); }
  function el(tag, cls, value) { var e = document.createElement(tag); if (cls) e.className = cls; if (value !== undefined) e.textContent = shown(value); return e; }
  function size(n) { var u = ["B", "KB", "MB", "GB", "TB"], i = 0; while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; } return (i ? n.toFixed(n < 10 ? 1 : 0) : n) + " " + u[i]; }
  function when(iso) { var d = new Date(iso); return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }); }
${script}
})();
`;
  const csp = `default-src 'none'; script-src ${cspHash(code)}; style-src ${cspHash(STYLE)}; connect-src ${connect}; img-src data:; base-uri 'none'; form-action 'none'`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
<script type="application/json" id="ferry-data">${jsonForScript(data)}</script>
<script>${code}</script>
</body>
</html>
`;
}

export interface RequestPageData {
  /** Where the form posts: written into the page when Ferry makes it, never taken from the link. */
  postUrl: string;
  /** The request's name, shown as the title. */
  title: string;
  note?: string;
  /** Where received files go (shown so the sender knows). */
  prefix: string;
  maxBytes: number;
  /** A Content-Type prefix files must have ("image/"), or undefined for any file. */
  accept?: string;
  expiresAt: string;
  /** A private request: the P-256 public key (raw, base64url) each file is encrypted to in the sender's browser before it is sent. */
  publicKey?: string;
}

/**
 * The file request page. It reads the POST policy and signature from the link's fragment (never
 * sent to any server), checks size, type and name before sending, and POSTs each file straight
 * to the address written into the page when Ferry made it (never one the link names) under the
 * request's prefix, in a folder of its own with a random name, so two senders' photo.jpg never
 * meet. The server enforces the same limits whatever the page does.
 */
export function renderRequestPage(d: RequestPageData): string {
  const body = `<h1 id="title"></h1>
<p class="muted" id="expires"></p>
<p class="note card hidden" id="note"></p>
<div class="card">
  <div class="drop" id="drop">
    <p><strong>Drop files here</strong> or</p>
    <label class="button" for="files">Choose files</label>
    <input id="files" type="file" multiple class="hidden">
    <p class="muted" id="limits"></p>
  </div>
  <p id="status" role="status" aria-live="polite"></p>
  <ul id="list" aria-label="Files"></ul>
</div>
<p class="muted">${d.publicKey ? 'End-to-end encrypted: each file, with its name, is encrypted in this browser before it is sent, so the storage holds only encrypted data that only the requester can open. ' : ''}Files go straight into the requester's storage. Single files can be at most 5 GB (a limit of S3 uploads from a browser).</p>`;
  const script = `${d.publicKey ? BROWSER_CRYPTO : ''}
  var form = null;
  try { form = JSON.parse(decodeURIComponent(escape(atob(location.hash.slice(1).replace(/-/g, "+").replace(/_/g, "/"))))); } catch (e) { form = null; }
  text($("title"), shown(data.title));
  if (data.note) { text($("note"), shown(data.note)); $("note").classList.remove("hidden"); }
  var expires = new Date(data.expiresAt);
  text($("expires"), "Open until " + when(data.expiresAt) + ".");
  // The system's picker offers only files of the accepted type, on a phone too.
  if (data.accept) $("files").setAttribute("accept", /\\/$/.test(data.accept) ? data.accept + "*" : data.accept);
  text($("limits"), "Up to " + size(data.maxBytes) + " per file" + (data.accept ? ", " + (data.accept.replace(/\\/$/, "") + " files only") : "") + ".");
  function status(msg, bad) { var s = $("status"); s.className = bad ? "bad" : ""; s.textContent = msg; }
  if (!form || !form.fields || typeof form.fields !== "object" || typeof form.fields.Policy !== "string") { status("This link is incomplete: ask for the whole link again (everything after the # is needed).", true); $("drop").classList.add("hidden"); return; }
  if (Date.now() > expires.getTime()) { status("This request has expired: ask for a new link.", true); $("drop").classList.add("hidden"); return; }
  function id() { var a = new Uint8Array(6); crypto.getRandomValues(a); return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join(""); }
  var badName = /[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069\\/\\\\]/;
  function problem(file) {
    if (badName.test(file.name) || file.name === "." || file.name === ".." || !file.name) return "not sent: the name has characters a file name should not have (slashes, control or direction characters); rename the file and send it again";
    if (new Blob([file.name]).size > 255) return "not sent: the name is longer than 255 bytes; rename the file and send it again";
    if (file.size > data.maxBytes) return "too large: at most " + size(data.maxBytes) + " per file";
    if (data.accept && (file.type || "").indexOf(data.accept) !== 0) return "not accepted: only " + data.accept.replace(/\\/$/, "") + " files";
    if (Date.now() > expires.getTime()) return "the request has expired";
    return null;
  }
  function send(file) {
    var row = el("li"), name = el("span", "name", file.name), state = el("span", "muted", "waiting"), bar = el("progress");
    bar.max = 100; bar.value = 0; bar.setAttribute("aria-label", "Progress of " + file.name);
    row.appendChild(name); row.appendChild(state); row.appendChild(bar); $("list").appendChild(row);
    var why = problem(file);
    if (why) { state.className = "bad"; text(state, why); bar.remove(); return; }
    if (data.publicKey) {
      if (!window.crypto || !crypto.subtle) { state.className = "bad"; text(state, "not sent: this browser cannot encrypt (it lacks WebCrypto); use a current Chrome, Edge, Firefox or Safari"); bar.remove(); return; }
      text(state, "encrypting…");
      ferrySealFile(file, unb64u(data.publicKey), function (done, total) { bar.value = total ? Math.round(done / total * 50) : 50; }).then(function (sealed) {
        // A random name: the file's own travels inside the ciphertext.
        post(sealed, data.prefix + id() + id() + ".enc", "application/octet-stream", 50);
      }, function (e) { state.className = "bad"; text(state, "not sent: " + ((e && e.message) || "it could not be encrypted")); });
      return;
    }
    post(file, data.prefix + id() + "/" + file.name, file.type || "application/octet-stream", 0);
    function post(blob, key, type, base) {
    var body = new FormData();
    Object.keys(form.fields).forEach(function (k) { if (k !== "key" && k !== "Content-Type" && k !== "file") body.append(k, String(form.fields[k])); });
    body.append("key", key);
    body.append("Content-Type", type);
    body.append("file", blob);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", data.postUrl);
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) { bar.value = base + Math.round(e.loaded / e.total * (100 - base)); text(state, bar.value + "%"); } };
    xhr.onload = function () {
      if (xhr.status >= 200 && xhr.status < 300) { bar.value = 100; state.className = "ok"; text(state, "sent"); return; }
      var code = (/<Code>([^<]+)<\\/Code>/.exec(xhr.responseText || "") || [])[1] || "";
      state.className = "bad";
      text(state, code === "EntityTooLarge" ? "too large for this request" : code === "AccessDenied" || xhr.status === 403 ? (Date.now() > expires.getTime() ? "the request has expired" : "refused by the storage (type or name not allowed, or the request ended)") : "failed (" + (code || xhr.status) + "): try again");
    };
    xhr.onerror = function () { state.className = "bad"; text(state, "the connection failed: try again"); };
    xhr.send(body);
    }
  }
  function sendAll(files) { for (var i = 0; i < files.length; i++) send(files[i]); status(files.length + " file" + (files.length === 1 ? "" : "s") + " added."); }
  $("files").addEventListener("change", function (e) { sendAll(e.target.files); e.target.value = ""; });
  var drop = $("drop");
  drop.addEventListener("dragover", function (e) { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
  drop.addEventListener("drop", function (e) { e.preventDefault(); drop.classList.remove("over"); sendAll(e.dataTransfer.files); });
  document.addEventListener("dragover", function (e) { e.preventDefault(); });
  document.addEventListener("drop", function (e) { e.preventDefault(); });
`;
  return page(d.title, body, d, script, new URL(d.postUrl).origin);
}

export interface IndexPageData {
  title: string;
  expiresAt: string;
  /** name: as the page shows it (its path in the folder shared); key: the object's (already in its url), for ferry links to check. */
  files: Array<{ name: string; key: string; size: number; url: string }>;
}

/** The many-files page: each file with its size and a download button, and "Download all". */
export function renderIndexPage(d: IndexPageData): string {
  const body = `<h1 id="title"></h1>
<p class="muted" id="summary"></p>
<div class="card">
  <p><button id="all" type="button">Download all</button></p>
  <ul id="list" aria-label="Files"></ul>
</div>
<p id="status" role="status" aria-live="polite" class="muted"></p>`;
  const script = `
  text($("title"), shown(data.title));
  var total = data.files.reduce(function (n, f) { return n + f.size; }, 0);
  var expired = Date.now() > new Date(data.expiresAt).getTime();
  text($("summary"), data.files.length + " file" + (data.files.length === 1 ? "" : "s") + ", " + size(total) + ". " + (expired ? "These links have expired." : "The links work until " + when(data.expiresAt) + "."));
  data.files.forEach(function (f) {
    var row = el("li"), name = el("span", "name", f.name), a = el("a", "button", "Download");
    a.href = f.url; a.setAttribute("download", ""); a.setAttribute("rel", "noreferrer"); a.setAttribute("aria-label", "Download " + shown(f.name));
    row.appendChild(name); row.appendChild(a); row.appendChild(el("span", "muted", size(f.size)));
    $("list").appendChild(row);
  });
  $("all").addEventListener("click", function () {
    var i = 0;
    (function next() {
      if (i >= data.files.length) { text($("status"), "All " + data.files.length + " downloads started."); return; }
      var a = document.createElement("a"); a.href = data.files[i].url; a.setAttribute("download", ""); document.body.appendChild(a); a.click(); a.remove();
      text($("status"), "Starting download " + (i + 1) + " of " + data.files.length + "…");
      i++; setTimeout(next, 800);
    })();
  });
`;
  return page(d.title, body, d, script, "'none'");
}
