#!/usr/bin/env python3
# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A mail catcher for the demo: an SMTP server that keeps every mail it
receives, a receiver of webhooks and a small web page, all on loopback, to
read them.

    tools/mailcatcher.py [--smtp 127.0.0.1:1025] [--web 127.0.0.1:8025]
                         [--folder data/mail] [--webhooks data/webhooks]
                         [--webhook-secret NAME=whsec_...]

The demo (``make run``) sends its mails here (``[email] uri``), so what
leaves "automatically" (delay alerts, invitations, bulletins, password
resets) can be read at http://127.0.0.1:8025/.  Each mail is kept as an
``.eml`` file in the folder (they survive a restart; delete the files to
empty the box).  Nothing is relayed: a mail never leaves the machine.

The webhooks of the demo's channels (dms_campaigns: a campaign published,
changed or ended) are posted to ``/webhooks/<name>`` on the same address,
kept as ``.json`` files in their folder and listed at
http://127.0.0.1:8025/webhooks.  A webhook to a name whose secret is known
(the demo's channels, DEMO_WEBHOOK_SECRETS, and ``--webhook-secret``) is
verified as the Standard Webhooks specification says: a wrong or missing
signature, or a timestamp more than 5 minutes away, is answered 401 (the
sender retries) and kept marked as refused; to another name it is kept
unverified.  A webhook is answered 204, its repeats (the same
``webhook-id``) too, marked as repeats.  Only JSON bodies are taken (a web
page cannot post one to another site without asking first).

It is a development tool and listens on loopback only: the page shows the
mails and the webhooks to whoever can reach it.
"""
import argparse
import email
import email.policy
import html
import json
import os
import re
import signal
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count

from aiosmtpd.controller import Controller
from standardwebhooks import Webhook, WebhookVerificationError

# Mails larger than this are refused by the SMTP server
MAX_SIZE = 32 * 1024 * 1024
# The page lists at most so many mails, the newest first
PAGE_SIZE = 200
MAIL_ID = re.compile(r'^[0-9]{1,20}-[0-9]{1,9}$')
# The mails hold password reset links: the catcher listens on loopback only
LOOPBACK = {'127.0.0.1', 'localhost', '::1'}
# Webhooks larger than this are refused
MAX_WEBHOOK_SIZE = 1024 * 1024
WEBHOOK_ID = MAIL_ID
WEBHOOK_NAME = re.compile(r'^[A-Za-z0-9_-]{1,64}$')
# The headers of a webhook that are kept
WEBHOOK_HEADERS = ['Content-Type', 'User-Agent', 'webhook-id',
    'webhook-timestamp', 'webhook-signature']
# The secrets of the demo's channels (tools/demo/campaigns.py), with which
# the catcher verifies their webhooks: public, like the demo's passwords
DEMO_WEBHOOK_SECRETS = {
    'tmall': 'whsec_RE1TIGRlbW86IHRoZSBUbWFsbCBmbGFnc2hpcCBzdG9yZQ==',
    }


def parse_address(value, default_port):
    "(host, port) of HOST:PORT (or HOST), on loopback only"
    host, _, port = value.rpartition(':')
    if not host:
        host, port = value, default_port
    host = host.strip('[]')
    if host not in LOOPBACK:
        raise SystemExit("the mail catcher listens on loopback only (%s): "
            "not %s" % (', '.join(sorted(LOOPBACK)), host))
    return host, int(port)


def local_host(header):
    "Whether a request's Host header names the loopback (no DNS rebinding)"
    host = (header or '').rsplit(':', 1)[0] if not (header or '').endswith(
        ']') else header
    return host.strip('[]') in LOOPBACK


class Box:
    "The mails kept as <time in ns>-<serial>.eml files of a folder"

    def __init__(self, folder):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        self._serial = count()
        self._lock = threading.Lock()

    def add(self, data):
        with self._lock:
            name = '%s-%s' % (time.time_ns(), next(self._serial))
        path = os.path.join(self.folder, name + '.eml')
        with open(path + '.part', 'wb') as fp:
            fp.write(data)
        os.replace(path + '.part', path)
        return name

    def ids(self):
        "The ids of the mails, the newest first"
        names = [n[:-4] for n in os.listdir(self.folder)
            if n.endswith('.eml') and MAIL_ID.match(n[:-4])]
        return sorted(names, key=lambda n: tuple(map(int, n.split('-'))),
            reverse=True)

    def read(self, mail_id):
        "The raw mail of the id, or None"
        if not MAIL_ID.match(mail_id or ''):
            return None
        try:
            with open(os.path.join(self.folder, mail_id + '.eml'), 'rb') as fp:
                return fp.read()
        except FileNotFoundError:
            return None

    def latest(self):
        "(id, message) of the PAGE_SIZE newest mails"
        for mail_id in self.ids()[:PAGE_SIZE]:
            message = self.message(mail_id)
            if message is not None:
                yield mail_id, message

    def message(self, mail_id):
        data = self.read(mail_id)
        if data is not None:
            return email.message_from_bytes(data, policy=email.policy.default)


class Hooks:
    """The webhooks received, kept as <time in ns>-<serial>.json files of a
    folder: {name, received_at, headers, body, status, error, repeat}"""

    def __init__(self, folder, secrets=None):
        self.folder = folder
        self.secrets = dict(secrets or {})
        os.makedirs(folder, exist_ok=True)
        self._serial = count()
        self._lock = threading.Lock()
        # The webhook ids seen, to mark the repeats
        self._seen = {h['headers'].get('webhook-id')
            for h in map(self.read, self.ids())
            if h and h.get('status') == HTTPStatus.NO_CONTENT}

    def receive(self, name, headers, body):
        """Keep the webhook posted to name; return (HTTP status, error or
        None): 401 for a bad signature when the name's secret is known"""
        headers = {k: headers[k] for k in WEBHOOK_HEADERS
            if headers.get(k) is not None}
        status, error = HTTPStatus.NO_CONTENT, None
        secret = self.secrets.get(name)
        if secret:
            try:
                Webhook(secret).verify(body, headers, json_parse=False)
            except WebhookVerificationError as exception:
                status, error = HTTPStatus.UNAUTHORIZED, str(exception)
        webhook_id = headers.get('webhook-id')
        with self._lock:
            hook_id = '%s-%s' % (time.time_ns(), next(self._serial))
            # The repeats of a webhook taken (a refused one is not)
            repeat = False
            if status == HTTPStatus.NO_CONTENT and webhook_id:
                repeat = webhook_id in self._seen
                self._seen.add(webhook_id)
        record = {
            'id': hook_id,
            'name': name,
            'received_at': time.strftime(
                '%Y-%m-%d %H:%M:%S %z', time.localtime()),
            'headers': headers,
            'body': body.decode('utf-8', 'replace'),
            'verified': None if not secret else error is None,
            'status': int(status),
            'error': error,
            'repeat': repeat,
            }
        path = os.path.join(self.folder, hook_id + '.json')
        with open(path + '.part', 'w', encoding='utf-8') as fp:
            json.dump(record, fp, ensure_ascii=False)
        os.replace(path + '.part', path)
        return status, error

    def ids(self):
        "The ids of the webhooks, the newest first"
        names = [n[:-5] for n in os.listdir(self.folder)
            if n.endswith('.json') and WEBHOOK_ID.match(n[:-5])]
        return sorted(names, key=lambda n: tuple(map(int, n.split('-'))),
            reverse=True)

    def read(self, hook_id):
        "The webhook of the id, or None"
        if not WEBHOOK_ID.match(hook_id or ''):
            return None
        try:
            with open(os.path.join(self.folder, hook_id + '.json'),
                    encoding='utf-8') as fp:
                return json.load(fp)
        except (FileNotFoundError, ValueError):
            return None

    def latest(self):
        "The PAGE_SIZE newest webhooks"
        for hook_id in self.ids()[:PAGE_SIZE]:
            hook = self.read(hook_id)
            if hook is not None:
                yield hook


def event_type(hook):
    "The type of the event in the webhook's JSON body (or '')"
    try:
        data = json.loads(hook['body'])
    except ValueError:
        return ''
    return str(data.get('type') or '') if isinstance(data, dict) else ''


class Handler:
    "aiosmtpd's handler: keep each mail"

    def __init__(self, box):
        self.box = box

    async def handle_DATA(self, server, session, envelope):
        self.box.add(envelope.original_content or envelope.content)
        return '250 Message accepted for delivery'


STYLE = '''
body{font-family:system-ui,sans-serif;margin:0;color:#1f2933;background:#f5f7fa}
header{background:#243b53;color:#fff;padding:.6rem 1rem;display:flex;
 justify-content:space-between;align-items:center;flex-wrap:wrap;gap:.5rem}
header a{color:#fff}
main{padding:1rem;max-width:70rem;margin:auto}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #d9e2ec;
 vertical-align:top;overflow-wrap:anywhere}
tr:hover td{background:#f0f4f8}
.meta{background:#fff;padding:.6rem 1rem;border:1px solid #d9e2ec}
.meta dt{font-weight:600;float:left;clear:left;width:5rem}
.meta dd{margin-left:5.5rem}
iframe{width:100%;height:70vh;border:1px solid #d9e2ec;background:#fff}
pre{white-space:pre-wrap;background:#fff;padding:1rem;border:1px solid #d9e2ec}
.empty{padding:2rem;text-align:center;color:#627d98}
.meta.wide{display:grid;grid-template-columns:max-content 1fr;gap:0 1rem}
.meta.wide dt{float:none;width:auto}
.meta.wide dd{margin:0;overflow-wrap:anywhere;min-width:0}
nav a{margin-left:1rem}
.ok{color:#207245}.refused{color:#b42318}
'''


def page(title, body, refresh=False):
    return ('<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        + ('<meta http-equiv="refresh" content="5">' if refresh else '')
        + '<title>%s</title><style>%s</style></head><body>'
        '<header><strong><a href="/">DMS demo mail catcher</a></strong>'
        '<span>%s</span><nav><a href="/">Mails</a><a href="/webhooks">'
        'Webhooks</a></nav></header><main>%s</main></body></html>') % (
            html.escape(title), STYLE, html.escape(title), body)


def parts(message):
    "The HTML and the text body of a message (either may be None)"
    found = {}
    for kind in ['html', 'plain']:
        part = message.get_body(preferencelist=(kind,))
        if part is not None:
            try:
                found[kind] = part.get_content()
            except (LookupError, UnicodeError):
                found[kind] = part.get_payload(decode=True).decode(
                    'utf-8', 'replace')
    return found.get('html'), found.get('plain')


def attachments(message):
    return [(part.get_filename() or '', part.get_content_type())
        for part in message.iter_attachments()]


def make_handler(box, hooks):

    class WebHandler(BaseHTTPRequestHandler):
        server_version = 'DMSMailCatcher'

        def log_message(self, format, *args):
            pass

        def send(self, body, status=HTTPStatus.OK,
                content_type='text/html; charset=utf-8', sandbox=False):
            if isinstance(body, str):
                body = body.encode('utf-8')
            self.send_response(status)
            self.send_header('Content-Type', content_type)
            self.send_header('Content-Length', str(len(body)))
            # The mails' HTML runs no script and loads nothing from outside
            self.send_header('Content-Security-Policy',
                "default-src 'none'; style-src 'unsafe-inline'; "
                "img-src data:; frame-src 'self'; form-action 'none'"
                # A mail's own HTML, even opened on its own
                + ("; sandbox" if sandbox else ''))
            self.send_header('X-Content-Type-Options', 'nosniff')
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if not local_host(self.headers.get('Host')):
                # A page of another site reached through its own name
                return self.send('', status=HTTPStatus.FORBIDDEN,
                    content_type='text/plain')
            path = self.path.split('?', 1)[0]
            if path == '/':
                return self.send(self.index())
            if path == '/api/mails':
                return self.send(self.api(), content_type='application/json')
            if path == '/webhooks':
                return self.send(self.webhooks())
            if path == '/api/webhooks':
                return self.send(json.dumps(list(hooks.latest()),
                        ensure_ascii=False), content_type='application/json')
            match = re.match(r'^/webhook/([^/]+)$', path)
            if match:
                hook = hooks.read(match.group(1))
                if hook is not None:
                    return self.send(self.webhook(hook))
            match = re.match(r'^/mail/([^/]+?)(\.eml|/html)?$', path)
            if match:
                mail_id, suffix = match.groups()
                data = box.read(mail_id)
                if data is not None:
                    if suffix == '.eml':
                        return self.send(data, content_type='message/rfc822')
                    message = email.message_from_bytes(
                        data, policy=email.policy.default)
                    if suffix == '/html':
                        body, _ = parts(message)
                        return self.send(body or '', sandbox=True)
                    return self.send(self.mail(mail_id, message))
            self.send(page("Not found", '<p class="empty">Not found</p>'),
                status=HTTPStatus.NOT_FOUND)

        def do_POST(self):
            "Keep a webhook posted to /webhooks/<name>"
            def answer(status, message=''):
                return self.send(message, status=status,
                    content_type='text/plain; charset=utf-8')
            if not local_host(self.headers.get('Host')):
                return answer(HTTPStatus.FORBIDDEN)
            match = re.match(r'^/webhooks/([^/?]+)$', self.path)
            if not match or not WEBHOOK_NAME.match(match.group(1)):
                return answer(HTTPStatus.NOT_FOUND)
            # JSON only: a page of another site cannot post it without
            # asking first (CORS), which the catcher never allows
            content_type = (self.headers.get('Content-Type') or '').split(
                ';', 1)[0].strip().lower()
            if content_type != 'application/json':
                return answer(HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
            try:
                length = int(self.headers.get('Content-Length'))
            except (TypeError, ValueError):
                return answer(HTTPStatus.LENGTH_REQUIRED)
            if not 0 <= length <= MAX_WEBHOOK_SIZE:
                return answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            body = self.rfile.read(length)
            status, error = hooks.receive(
                match.group(1), self.headers, body)
            if status == HTTPStatus.NO_CONTENT:
                self.send_response(status)
                self.send_header('Content-Length', '0')
                return self.end_headers()
            return answer(status, error or '')

        def index(self):
            rows = []
            for mail_id, message in box.latest():
                rows.append('<tr><td>%s</td><td>%s</td><td>%s</td>'
                    '<td><a href="/mail/%s">%s</a></td></tr>' % (
                        html.escape(str(message['date'] or '')),
                        html.escape(str(message['from'] or '')),
                        html.escape(str(message['to'] or '')),
                        mail_id,
                        html.escape(str(message['subject'] or '(no subject)'))))
            if rows:
                body = ('<table><thead><tr><th>Date</th><th>From</th>'
                    '<th>To</th><th>Subject</th></tr></thead><tbody>%s'
                    '</tbody></table>' % ''.join(rows))
            else:
                body = '<p class="empty">No mail yet</p>'
            return page("%s mails" % len(rows), body, refresh=True)

        def api(self):
            import json
            mails = []
            for mail_id, message in box.latest():
                body_html, body_text = parts(message)
                mails.append({
                        'id': mail_id,
                        'date': str(message['date'] or ''),
                        'from': str(message['from'] or ''),
                        'to': str(message['to'] or ''),
                        'subject': str(message['subject'] or ''),
                        'text': body_text,
                        'html': body_html,
                        'attachments': [
                            name for name, _ in attachments(message)],
                        })
            return json.dumps(mails, ensure_ascii=False)

        def webhooks(self):
            rows = []
            for hook in hooks.latest():
                if hook['verified'] is None:
                    check = 'not verified'
                elif hook['verified']:
                    check = '<span class="ok">signature verified</span>'
                else:
                    check = '<span class="refused">refused (%s)</span>' % (
                        html.escape(hook['error'] or ''))
                if hook['repeat']:
                    check += ', repeat'
                rows.append('<tr><td>%s</td><td>%s</td><td>'
                    '<a href="/webhook/%s">%s</a></td><td>%s</td>'
                    '<td>%s</td></tr>' % (
                        html.escape(hook['received_at']),
                        html.escape(hook['name']), hook['id'],
                        html.escape(event_type(hook) or '(no type)'),
                        html.escape(hook['headers'].get('webhook-id', '')),
                        check))
            if rows:
                body = ('<table><thead><tr><th>Received</th><th>To</th>'
                    '<th>Event</th><th>Webhook id</th><th>Signature</th>'
                    '</tr></thead><tbody>%s</tbody></table>' % ''.join(rows))
            else:
                body = ('<p class="empty">No webhook yet: they are posted '
                    'to /webhooks/&lt;name&gt;</p>')
            return page("Webhooks received", body, refresh=True)

        def webhook(self, hook):
            check = {None: "not verified (no secret)",
                True: "verified", False: "refused"}[hook['verified']]
            meta = ''.join('<dt>%s</dt><dd>%s</dd>' % (
                    html.escape(name), html.escape(value))
                for name, value in [
                    ('Received', hook['received_at']),
                    ('To', '/webhooks/' + hook['name']),
                    ('Answer', '%s%s' % (hook['status'],
                            ' ' + hook['error'] if hook['error'] else '')),
                    ('Signature', check
                        + (', repeat' if hook['repeat'] else '')),
                    ] + list(hook['headers'].items()))
            try:
                body = json.dumps(json.loads(hook['body']), indent=2,
                    ensure_ascii=False, sort_keys=True)
            except ValueError:
                body = hook['body']
            return page(event_type(hook) or "Webhook",
                '<p><a href="/webhooks">&larr; All webhooks</a></p>'
                '<dl class="meta wide">%s</dl><pre>%s</pre>' % (
                    meta, html.escape(body)))

        def mail(self, mail_id, message):
            meta = ''.join('<dt>%s</dt><dd>%s</dd>' % (
                    name, html.escape(str(message[name] or '')))
                for name in ['Date', 'From', 'To', 'Cc', 'Reply-To',
                    'Subject'] if message[name])
            body_html, body_text = parts(message)
            if body_html is not None:
                # A sandboxed frame: no script, no form, no navigation
                content = ('<iframe sandbox src="/mail/%s/html" '
                    'title="%s"></iframe>' % (
                        mail_id, html.escape(str(message['subject'] or ''))))
            else:
                content = '<pre>%s</pre>' % html.escape(body_text or '')
            files = attachments(message)
            if files:
                content += '<p>Attachments: %s</p>' % ', '.join(
                    html.escape('%s (%s)' % f) for f in files)
            return page(str(message['subject'] or '(no subject)'),
                '<p><a href="/">&larr; All mails</a> · '
                '<a href="/mail/%s.eml">.eml</a></p>'
                '<dl class="meta">%s</dl>%s' % (mail_id, meta, content))

    return WebHandler


def serve(smtp, web, folder, webhooks=None, secrets=None):
    "Serve until SIGTERM or SIGINT"
    box = Box(folder)
    if webhooks is None:
        webhooks = os.path.join(os.path.dirname(folder), 'webhooks')
    hooks = Hooks(webhooks, dict(DEMO_WEBHOOK_SECRETS, **(secrets or {})))
    controller = Controller(Handler(box), hostname=smtp[0], port=smtp[1],
        data_size_limit=MAX_SIZE)
    controller.start()
    httpd = ThreadingHTTPServer(web, make_handler(box, hooks))
    httpd.daemon_threads = True

    def stop(signum, frame):
        threading.Thread(target=httpd.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("Mail catcher: SMTP %s:%s, mails at http://%s:%s/ (folder %s), "
        "webhooks at http://%s:%s/webhooks (folder %s)" % (
            *smtp, *web, folder, *web, webhooks), flush=True)
    try:
        httpd.serve_forever()
    finally:
        httpd.server_close()
        controller.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--smtp', default='127.0.0.1:1025',
        help="SMTP address (default 127.0.0.1:1025)")
    parser.add_argument('--web', default='127.0.0.1:8025',
        help="address of the page (default 127.0.0.1:8025)")
    parser.add_argument('--folder', default=os.path.join(
            os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
            'data', 'mail'),
        help="where the mails are kept (default data/mail)")
    parser.add_argument('--webhooks',
        help="where the webhooks are kept (default: webhooks beside the "
        "mails' folder)")
    parser.add_argument('--webhook-secret', action='append', default=[],
        metavar='NAME=SECRET',
        help="verify the webhooks posted to /webhooks/NAME with SECRET "
        "(whsec_...); repeat for other names")
    args = parser.parse_args(argv)
    secrets = {}
    for value in args.webhook_secret:
        name, sep, secret = value.partition('=')
        if not sep or not WEBHOOK_NAME.match(name) or not secret:
            parser.error("--webhook-secret NAME=SECRET: not %s" % value)
        secrets[name] = secret
    serve(parse_address(args.smtp, 1025), parse_address(args.web, 8025),
        args.folder, args.webhooks, secrets)


if __name__ == '__main__':
    sys.exit(main())
