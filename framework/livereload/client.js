// miniweb live reload, in dev mode only: the browser's side of the Go
// package miniweb/framework/livereload. The same file runs in two places:
//
//   - in a page, where the framework puts it before </body> stamped with
//     data-boot (the server's boot id) and data-gen (the generation of the
//     templates the page was rendered from);
//   - as a SharedWorker (the same URL), which holds the browser's one
//     EventSource on /_miniweb/events and passes each event to every tab:
//     eight tabs cost one connection, not eight, and HTTP/1.1 browsers open
//     only six per host.
//
// Without SharedWorker the tabs elect a leader with navigator.locks; the
// leader holds the stream and passes the events on a BroadcastChannel.
// Without those, each tab opens its own stream.
//
// Every event carries the server's state: {type, boot, gen, error, path}.
// A page reloads when boot is not its own (the server restarted); shows
// the error overlay while error is set; else reloads when gen is not its
// own. A "css" event swaps the stylesheet at path in place (no reload: form
// contents, scroll position and script state stay); "image" refreshes the
// images at path. So a page reloads at most once per change, and a page
// rendered while a template is broken shows the overlay instead of
// reloading in a loop.
(() => {
  "use strict";
  const EVENTS = "/_miniweb/events";
  const NAME = "miniweb-livereload";
  const OVERLAY = "miniweb-live-error";
  const MIN_DELAY = 250;
  const MAX_DELAY = 5000;

  // stream opens the event stream and calls on with each event. When the
  // stream fails or ends, it opens another after a delay that starts at
  // 250 ms and doubles up to 5 s, back to 250 ms once connected. The new
  // stream names the server's boot id and the number of the last event
  // seen, and the server sends the stylesheets and images saved meanwhile.
  //
  // A "css" or "image" event is passed on once its file has been fetched
  // past the HTTP cache: the next page load gets the new file, not a copy
  // the cache thinks fresh; and a server that caches files (miniweb's
  // static handler) checks the file once, for this request, rather than
  // answering the tabs' requests at the same moment from its old copy.
  function stream(on) {
    let delay = MIN_DELAY;
    let boot = "";
    let seq = 0;
    const open = () => {
      const es = new EventSource(boot ? `${EVENTS}?boot=${encodeURIComponent(boot)}&seq=${seq}` : EVENTS);
      es.onmessage = (e) => {
        let m;
        try {
          m = JSON.parse(e.data);
        } catch {
          return;
        }
        if (m.type === "hello") delay = MIN_DELAY;
        if (m.boot !== boot) {
          boot = m.boot;
          seq = 0;
        }
        seq = Math.max(seq, m.seq || 0);
        if (m.type === "css" || m.type === "image") {
          fetch(m.path, { cache: "reload" })
            .then((r) => r.arrayBuffer())
            .catch(() => {})
            .finally(() => on(m));
        } else {
          on(m);
        }
      };
      es.onerror = () => {
        es.close();
        setTimeout(open, delay);
        delay = Math.min(delay * 2, MAX_DELAY);
      };
    };
    open();
  }

  // state is the state an event carries, as the "hello" a tab that joins
  // later gets.
  const state = (m) => ({ type: "hello", boot: m.boot, gen: m.gen, error: m.error });

  if (typeof document === "undefined") {
    // The SharedWorker: one stream for every tab of the origin.
    const ports = new Set();
    let last = null;
    stream((m) => {
      last = state(m);
      for (const p of ports) p.postMessage(m);
    });
    self.onconnect = (e) => {
      const port = e.ports[0];
      ports.add(port);
      port.onmessage = (ev) => {
        if (ev.data === "bye") {
          ports.delete(port);
        } else if (ev.data === "hi") {
          ports.add(port);
          if (last) port.postMessage(last);
        }
      };
      if (last) port.postMessage(last);
    };
    return;
  }

  // The page.
  const me = document.currentScript;
  if (!me) return;
  const boot = me.dataset.boot;
  const gen = Number(me.dataset.gen);
  const src = me.src;
  me.remove(); // leave the page's DOM as the site made it
  const live = { mode: "", events: 0 };
  Object.defineProperty(window, "__miniwebLive", { value: live });
  let reloading = false;

  function handle(m) {
    if (reloading || !m || typeof m !== "object") return;
    live.events++;
    if (m.boot !== boot) return reload();
    if (m.error) return showError(m.error);
    hideError();
    if (m.gen !== gen) return reload();
    if (m.type === "css") swapStyles(m.path);
    else if (m.type === "image") refreshImages(m.path);
  }

  function reload() {
    reloading = true;
    location.reload();
  }

  // connect joins the browser's stream: through the SharedWorker, else as
  // described at the top. sessionStorage "miniweb-livereload-mode" set to
  // "leader" or "tab" forces a fallback, for tests.
  let fellBack = false;
  function connect() {
    let forced = null;
    try {
      forced = sessionStorage.getItem(NAME + "-mode");
    } catch {
      // no storage (a sandboxed frame): no forcing
    }
    if (!forced && typeof SharedWorker === "function") {
      try {
        const w = new SharedWorker(src, { name: NAME });
        let heard = false;
        w.port.onmessage = (e) => {
          heard = true;
          handle(e.data);
        };
        w.onerror = () => {
          if (!heard) fallback(); // the worker could not start (a CSP, say)
        };
        addEventListener("pagehide", () => w.port.postMessage("bye"));
        addEventListener("pageshow", (e) => {
          if (e.persisted) w.port.postMessage("hi");
        });
        live.mode = "shared-worker";
        return;
      } catch {
        // fall back
      }
    }
    fallback(forced);
  }

  function fallback(forced) {
    if (fellBack) return;
    fellBack = true;
    if (forced !== "tab" && typeof BroadcastChannel === "function" && navigator.locks) {
      live.mode = "leader";
      const bc = new BroadcastChannel(NAME);
      let leader = false;
      let last = null;
      bc.onmessage = (e) => {
        if (e.data === "ask") {
          if (leader && last) bc.postMessage(last);
        } else if (!leader) {
          handle(e.data);
        }
      };
      navigator.locks.request(NAME, () => {
        leader = true;
        live.leader = true;
        stream((m) => {
          last = state(m);
          bc.postMessage(m);
          handle(m);
        });
        return new Promise(() => {}); // held until the tab goes
      });
      bc.postMessage("ask");
      return;
    }
    live.mode = "tab";
    stream(handle);
  }

  // plain returns the path p without the fingerprint of its last segment
  // (package fingerprint: "/style.3f9a1c2e0b4d.css" is "/style.css"), p
  // itself when it has none.
  function plain(p) {
    return p.replace(/([^/])\.[0-9a-f]{12}(\.[^./]*)?$/, "$1$2");
  }

  // samePath reports whether url is of this origin with the path path,
  // fingerprinted or not.
  function samePath(url, path) {
    try {
      const u = new URL(url, location.href);
      return u.origin === location.origin && plain(u.pathname) === path;
    } catch {
      return false;
    }
  }

  // bust returns url with a query parameter that makes it new to the
  // cache, and without its fingerprint: after a save the fingerprint the
  // page names is stale (a 404), the plain path serves the new file.
  function bust(url) {
    const u = new URL(url, location.href);
    u.pathname = plain(u.pathname);
    u.searchParams.set("livereload", Date.now().toString(36));
    return u.href;
  }

  // swapStyles swaps each stylesheet link of path for a new one; the old
  // link goes when the new one has loaded, so nothing flashes. A path no
  // link names (a stylesheet imported by another) swaps every stylesheet
  // of this origin.
  function swapStyles(path) {
    const links = Array.from(document.querySelectorAll('link[rel~="stylesheet"]')).filter(
      (l) => l.href && !l.dataset.miniwebOld,
    );
    let hit = links.filter((l) => samePath(l.href, path));
    if (hit.length === 0) hit = links.filter((l) => new URL(l.href).origin === location.origin);
    for (const old of hit) {
      const fresh = old.cloneNode();
      fresh.href = bust(old.href);
      old.dataset.miniwebOld = "1";
      fresh.onload = () => old.remove();
      fresh.onerror = () => {
        fresh.remove();
        delete old.dataset.miniwebOld;
      };
      old.after(fresh);
    }
  }

  // refreshImages reloads the images and icons whose source is path.
  function refreshImages(path) {
    for (const img of document.images) {
      if (samePath(img.src, path)) img.src = bust(img.src);
    }
    for (const l of document.querySelectorAll('link[rel~="icon"]')) {
      if (samePath(l.href, path)) l.href = bust(l.href);
    }
  }

  // el makes an element with text and style (set through the CSSOM, which
  // a Content-Security-Policy without 'unsafe-inline' allows).
  function el(tag, text, style) {
    const e = document.createElement(tag);
    if (text) e.textContent = text;
    Object.assign(e.style, style);
    return e;
  }

  // caretPad returns the blanks that put a caret under byte column col
  // (1-based) of line, counting characters and keeping tabs.
  function caretPad(line, col) {
    const before = new TextEncoder().encode(line).slice(0, Math.max(0, col - 1));
    return Array.from(new TextDecoder().decode(before), (c) => (c === "\t" ? "\t" : " ")).join("");
  }

  // showError shows the overlay with the problem p: file, line, column,
  // message, and the line with a caret under the column.
  function showError(p) {
    let o = document.getElementById(OVERLAY);
    if (!o) {
      o = el("div", "", {
        position: "fixed", inset: "0", zIndex: "2147483647", overflow: "auto",
        background: "rgba(17, 21, 28, 0.72)", display: "flex", alignItems: "flex-start",
        justifyContent: "center", padding: "8vh 1rem", boxSizing: "border-box",
      });
      o.id = OVERLAY;
      o.setAttribute("role", "alert");
      (document.body || document.documentElement).appendChild(o);
    }
    const mono = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";
    const panel = el("div", "", {
      background: "#fff", color: "#1d2430", maxWidth: "56rem", width: "100%", borderRadius: "8px",
      borderTop: "6px solid #b3261e", padding: "1.2rem 1.5rem", boxShadow: "0 10px 40px rgba(0,0,0,.35)",
      font: "15px/1.5 system-ui, sans-serif", textAlign: "left",
    });
    const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
    const whereEl = el("p", where, { margin: ".2rem 0 .6rem", fontFamily: mono, fontSize: "14px" });
    whereEl.className = "where";
    const msgEl = el("p", p.message, { margin: "0 0 .8rem", background: "#fdecea", borderLeft: "4px solid #b3261e", padding: ".5rem .8rem", whiteSpace: "pre-wrap" });
    msgEl.className = "message";
    panel.append(el("p", p.kind === "build" ? "Build error" : "Template error", { margin: "0", fontWeight: "700", color: "#b3261e" }));
    if (where) panel.append(whereEl);
    panel.append(msgEl);
    if (p.source) {
      const n = String(p.line);
      const pre = el("pre", "", { margin: "0 0 .8rem", background: "#f3f4f7", padding: ".8rem", overflow: "auto", fontFamily: mono, fontSize: "13px", tabSize: "4" });
      pre.className = "source";
      pre.append(
        el("span", n + " | ", { color: "#8a93a3" }), document.createTextNode(p.source + "\n"),
        el("span", " ".repeat(n.length) + " | ", { color: "#8a93a3" }), document.createTextNode(caretPad(p.source, p.column)),
        el("span", "^", { color: "#b3261e", fontWeight: "700" }),
      );
      panel.append(pre);
    }
    panel.append(el("p", "Save a fix and the page reloads. (miniweb dev mode)", { margin: "0", color: "#8a93a3", fontSize: "13px" }));
    o.replaceChildren(panel);
  }

  function hideError() {
    const o = document.getElementById(OVERLAY);
    if (o) o.remove();
  }

  connect();
})();
