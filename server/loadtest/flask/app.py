"""The Flask peer of miniweb's load test (issue 24): two of the demo site's
pages, written as a Flask developer would, to be measured beside miniweb
under gunicorn with one sync worker.

  GET /about.py      the demo's about page, about.html extending base.html
  GET /watchlist.py  the signed-in user's watch list, watchlist.html, from a
                     copy of the SQLite database the demo made, with two
                     statements: the user (name and session generation, the
                     session's check), then the list, as the demo's store ran
                     them until it joined the two into one (2026-12-08)

Both answers are the demo's bytes (server/loadtest/run.sh and database.sh
compare them byte for byte before and after measuring):

  - Templates: the demo's own templates folder, read by Jinja2. The loader
    rewrites what is pongo2's on read, as the framework's loader rewrites
    its placeholders: <%name%> becomes {{name}} and a filter's argument
    |floatformat:2 becomes |floatformat(2). Jinja keeps the files' last
    newline (keep_trailing_newline), as pongo2 does.
  - Escaping: every {{ }} of a string goes through pongo2's escape (& > <
    " ' as &amp; &gt; &lt; &quot; &#39;) in Jinja's finalize hook, with
    Jinja's own autoescape off: markupsafe writes " as &#34;, a byte more.
  - Globals: site_name, nav and page as sites/demo sets them, and static(),
    the fingerprinted URL of a file of the static folder by the rule of
    server/gateway/fingerprint: name.<first 12 hex digits of the SHA-256 of
    the content>.ext.
  - The session: miniweb's own cookie, miniweb_session, opened as
    framework/session does (base64url of version 1 | key id | nonce |
    AES-256-GCM sealed payload, the cookie's name and the header as the
    additional data, the key and key id by HKDF-SHA256 of the secret), so
    the load test sends both servers the same cookies. A visitor, a cookie
    that does not open, a user the database no longer knows, renamed, or
    whose sessions ended since (users.session_generation) gets the
    demo's 303 to the log-in page (without its flash message: this peer
    never writes a cookie, which the measured page does not either).

Environment: MINIWEB_TEMPLATES and MINIWEB_STATIC (folders),
MINIWEB_SESSION_SECRET (the demo's), MINIWEB_SQLITE (the database file; none:
/watchlist.py answers 503).

  MINIWEB_TEMPLATES=templates MINIWEB_STATIC=static MINIWEB_SESSION_SECRET=... \\
      /usr/bin/python3 -m gunicorn -w 1 -k sync -b 127.0.0.1:18084 --chdir server/loadtest/flask app:app
"""
import base64
import hashlib
import os
import re
import sqlite3
import time
from collections import namedtuple

import jinja2
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, redirect, render_template, request
from markupsafe import Markup

TEMPLATES = os.environ["MINIWEB_TEMPLATES"]
STATIC = os.environ["MINIWEB_STATIC"]
SECRET = os.environ["MINIWEB_SESSION_SECRET"].encode()
DATABASE = os.environ.get("MINIWEB_SQLITE", "")

# --- templates -------------------------------------------------------------

# A placeholder as the framework's loader and the Go peers find it.
PLACEHOLDER = re.compile(r"<%([ \t]*[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*[ \t]*)%>")
# pongo2's filter argument inside {{ }}: |name:arg.
FILTER_ARG = re.compile(r"\|\s*([A-Za-z_]\w*):([^|}\s]+)")
VARIABLE_TAG = re.compile(r"\{\{.*?\}\}", re.S)


class DemoLoader(jinja2.BaseLoader):
    """The demo's templates folder, pongo2's syntax rewritten to Jinja's on read."""

    def __init__(self, folder):
        self.folder = folder

    def get_source(self, environment, template):
        path = os.path.join(self.folder, template)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            raise jinja2.TemplateNotFound(template)
        text = PLACEHOLDER.sub(r"{{\1}}", text)
        text = VARIABLE_TAG.sub(lambda m: FILTER_ARG.sub(r"|\1(\2)", m.group(0)), text)
        return text, path, lambda: True  # -dev=false: read once


def pongo2_escape(value):
    """Jinja's finalize: escape a string as pongo2's autoescape does."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return (value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
                .replace('"', "&quot;").replace("'", "&#39;"))
    return value


def floatformat(value, decimals):
    """pongo2's floatformat with a positive argument: that many decimals."""
    return "%.*f" % (decimals, value)


def fingerprints(folder):
    """The fingerprinted URL of every file of folder by its name in it."""
    urls = {}
    for top, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(top, name)
            rel = os.path.relpath(path, folder).replace(os.sep, "/")
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()[:12]
            slash, dot = rel.rfind("/"), rel.rfind(".")
            urls[rel] = "/" + (rel + "." + digest if dot <= slash + 1 else rel[:dot] + "." + digest + rel[dot:])
    return urls


URLS = fingerprints(STATIC)


def static(name):
    return URLS[name.lstrip("/")]  # a name not in the folder is a 500, as in the demo


# sites/demo's menu.
NAV = [
    {"key": "index", "href": "/index.py", "label": "Home"},
    {"key": "center", "href": "/center.py", "label": "Market"},
    {"key": "watchlist", "href": "/watchlist.py", "label": "Watch list"},
    {"key": "single", "href": "/single.py", "label": "Article"},
    {"key": "register", "href": "/register.py", "label": "Register"},
    {"key": "account", "href": "/account.py", "label": "Account"},
    {"key": "about", "href": "/about.py", "label": "About"},
    {"key": "contact", "href": "/contact.py", "label": "Contact"},
    {"key": "login", "href": "/login.py", "label": "Log in"},
]


class App(Flask):
    jinja_options = {"autoescape": False, "finalize": pongo2_escape, "keep_trailing_newline": True}


app = App(__name__)
app.jinja_loader = DemoLoader(TEMPLATES)
app.jinja_env.filters["floatformat"] = floatformat
app.jinja_env.globals.update(site_name="miniweb", nav=NAV, page="", static=static)

# --- the session cookie (framework/session) ---------------------------------

COOKIE = "miniweb_session"
MAX_AGE = 14 * 24 * 3600
MAX_SKEW = 60
HEADER = 1 + 4 + 12  # version, key id, nonce


def _hkdf(info, length):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(SECRET)


AEAD = AESGCM(_hkdf(b"miniweb session v1 aes-256-gcm key", 32))
KEY_ID = _hkdf(b"miniweb session v1 key id", 4)
COOKIE_CHARS = re.compile(r"[A-Za-z0-9_-]*")


def _uvarint(b, i):
    x = shift = 0
    while True:
        c = b[i]  # IndexError past the end
        i += 1
        x |= (c & 0x7F) << shift
        if c < 0x80:
            return x, i
        shift += 7
        if shift > 63:
            raise ValueError("uvarint overflow")


def _string(b, i):
    n, i = _uvarint(b, i)
    if i + n > len(b):
        raise ValueError("string past the end")
    return b[i:i + n].decode("utf-8"), i + n


def open_session(value):
    """The values and flashes of a miniweb_session cookie; ({}, []) for none or a bad one."""
    if not value or len(value) > 4000 or not COOKIE_CHARS.fullmatch(value):
        return {}, []
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        if len(raw) < HEADER + 16 or raw[0] != 1 or raw[1:5] != KEY_ID:
            return {}, []
        plain = AEAD.decrypt(raw[5:HEADER], raw[HEADER:], COOKIE.encode() + raw[:HEADER])
        ux, i = _uvarint(plain, 0)
        issued = ~(ux >> 1) if ux & 1 else ux >> 1
        now = time.time()
        if now - issued > MAX_AGE or issued - now > MAX_SKEW:
            return {}, []
        values, flashes = {}, []
        n, i = _uvarint(plain, i)
        for _ in range(n):
            k, i = _string(plain, i)
            values[k], i = _string(plain, i)
        n, i = _uvarint(plain, i)
        for _ in range(n):
            kind, i = _string(plain, i)
            message, i = _string(plain, i)
            flashes.append({"Kind": kind, "Message": message})
        if i != len(plain):
            return {}, []
        return values, flashes
    except (ValueError, IndexError, InvalidTag):
        return {}, []


def visitor():
    """The signed-in user's id, name and session generation (0, "", -1 for a visitor) and the flashes."""
    values, flashes = open_session(request.cookies.get(COOKIE))
    try:
        uid = int(values.get("uid", "0"))
        gen = int(values.get("gen", "0"))
    except ValueError:
        uid, gen = 0, -1
    if uid <= 0:
        return 0, "", -1, flashes
    return uid, values.get("user", ""), gen, flashes


# --- the database (sites/demo/store.go) ---------------------------------------

# PriceText: the price with two decimals, as the demo's store makes it
# (once per copy of the market there; here per row, in Python rather than
# in the template, which was the same work).
Watched = namedtuple("Watched", "Code Name Price PriceText Note")
USER_NAME = "SELECT name, session_generation FROM users WHERE id = ?"
WATCHLIST = """SELECT w.code, s.name, s.price, w.note
FROM watchlist w JOIN stocks s ON s.code = w.code
WHERE w.user_id = ? ORDER BY w.code"""
db = None
if DATABASE:
    db = sqlite3.connect(DATABASE, check_same_thread=False)
    db.execute("PRAGMA busy_timeout = 5000")
    db.execute("PRAGMA foreign_keys = ON")

# --- pages --------------------------------------------------------------------


@app.get("/about.py")
def about():
    _, user, _, flashes = visitor()
    return render_template("about.html", title="About", page="about", user=user, flashes=flashes,
                           content="miniweb is a small web server and framework in Go, rebuilt from a classic Python lesson.")


@app.get("/watchlist.py")
def watchlist():
    if db is None:
        return "The database is unavailable; please try again in a moment.", 503
    uid, user, gen, flashes = visitor()
    row = db.execute(USER_NAME, (uid,)).fetchone() if uid else None
    if row is None or row[0] != user or row[1] != gen:
        return redirect("/login.py?next=%2Fwatchlist.py", 303)
    rows = [Watched(code, name, price, "%.2f" % price, note) for code, name, price, note in db.execute(WATCHLIST, (uid,))]
    return render_template("watchlist.html", title="Watch list", page="watchlist", user=user, flashes=flashes,
                           content="The stocks you follow, with a note on each.",
                           rows=rows, count=len(rows), error="", error_code="")
