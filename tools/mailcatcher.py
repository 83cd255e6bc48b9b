#!/usr/bin/env python3
# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A mail catcher for the demo: an SMTP server that keeps every mail it
receives and a small web page, both on loopback, to read them.

    tools/mailcatcher.py [--smtp 127.0.0.1:1025] [--web 127.0.0.1:8025]
                         [--folder data/mail]

The demo (``make run``) sends its mails here (``[email] uri``), so what
leaves "automatically" (delay alerts, invitations, bulletins, password
resets) can be read at http://127.0.0.1:8025/.  Each mail is kept as an
``.eml`` file in the folder (they survive a restart; delete the files to
empty the box).  Nothing is relayed: a mail never leaves the machine.

It is a development tool and listens on loopback only: the page shows the
mails to whoever can reach it.
"""
import argparse
import email
import email.policy
import html
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

# Mails larger than this are refused by the SMTP server
MAX_SIZE = 32 * 1024 * 1024
# The page lists at most so many mails, the newest first
PAGE_SIZE = 200
MAIL_ID = re.compile(r'^[0-9]{1,20}-[0-9]{1,9}$')
# The mails hold password reset links: the catcher listens on loopback only
LOOPBACK = {'127.0.0.1', 'localhost', '::1'}


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
'''


def page(title, body, refresh=False):
    return ('<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        + ('<meta http-equiv="refresh" content="5">' if refresh else '')
        + '<title>%s</title><style>%s</style></head><body>'
        '<header><strong><a href="/">DMS demo mail catcher</a></strong>'
        '<span>%s</span></header><main>%s</main></body></html>') % (
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


def make_handler(box):

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


def serve(smtp, web, folder):
    "Serve until SIGTERM or SIGINT"
    box = Box(folder)
    controller = Controller(Handler(box), hostname=smtp[0], port=smtp[1],
        data_size_limit=MAX_SIZE)
    controller.start()
    httpd = ThreadingHTTPServer(web, make_handler(box))
    httpd.daemon_threads = True

    def stop(signum, frame):
        threading.Thread(target=httpd.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("Mail catcher: SMTP %s:%s, mails at http://%s:%s/ (folder %s)" % (
            *smtp, *web, folder), flush=True)
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
    args = parser.parse_args(argv)
    serve(parse_address(args.smtp, 1025), parse_address(args.web, 8025),
        args.folder)


if __name__ == '__main__':
    sys.exit(main())
