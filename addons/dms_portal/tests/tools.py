# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"Helpers of the portal's tests: a portal test client, a real SMTP sink"
import email
import os
import socket
import time
from http import HTTPStatus

import polib

from trytond import tools
from trytond.config import config


def free_port():
    "A loopback TCP port nothing listens on"
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class SMTPSink:
    """A real SMTP server on a loopback port (a free one by default) that
    keeps the messages

    Use it as a context manager; it points Tryton's [email] uri at itself."""

    def __init__(self, port=None):
        self.messages = []
        self.port = port

    def __enter__(self):
        from aiosmtpd.controller import Controller

        from trytond.config import config

        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                sink.messages.append(
                    email.message_from_bytes(envelope.content))
                return '250 OK'

        self.port = self.port or free_port()
        self.controller = Controller(
            Handler(), hostname='127.0.0.1', port=self.port)
        self.controller.start()
        self._uri = config.get('email', 'uri')
        config.set('email', 'uri', 'smtp://127.0.0.1:%s' % self.port)
        return self

    def __exit__(self, *args):
        from trytond.config import config
        config.set('email', 'uri', self._uri)
        self.controller.stop()

    def wait(self, count=1, timeout=10):
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


class PortalClientMixin:
    """The portal seen through the test client of a RouteTestCase: its
    URLs, cookies and CSRF token, and clients signed in"""
    # The password of the accounts of client_for
    password = None
    # The portal's public address in the links of its e-mails, set for the
    # test case when given
    base_url = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.base_url is not None:
            if not config.has_section('dms_portal'):
                config.add_section('dms_portal')
            cls.addClassCleanup(config.set, 'dms_portal', 'base_url',
                config.get('dms_portal', 'base_url') or '')
            config.set('dms_portal', 'base_url', cls.base_url)

    def url(self, path=''):
        return '/%s/portal/%s' % (self.db_name, path)

    def cookie(self, client, name):
        return client.get_cookie(name, path=self.url())

    def csrf(self, client):
        cookie = self.cookie(client, 'dms_portal_csrf')
        return cookie.value if cookie else ''

    def login(self, client, email, password, address=None):
        "Post the sign-in form (from the client address) and answer"
        environ = {'REMOTE_ADDR': address} if address else None
        client.get(self.url('login'), environ_base=environ)
        return client.post(self.url('login'), data={
                'email': email, 'password': password,
                'csrf_token': self.csrf(client)}, environ_base=environ)

    def client_for(self, email, password=None):
        "A client signed in as email, on the portal's home page"
        client = self.client()
        response = self.login(client, email, password or self.password)
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertEqual(response.location, self.url())
        return client

    def post(self, client, path, headers=None, **data):
        "Post the form data with the client's CSRF token"
        return client.post(self.url(path), headers=headers,
            data={'csrf_token': self.csrf(client), **data})


class PortalTranslationTestMixin:
    "Checks the module's portal strings are all translated"

    def test_portal_translations_complete(self):
        "Test every portal string of the module is translated"
        from dms_portal.portal import LANGUAGES, extract_messages
        directory = os.path.dirname(
            tools.file_open(os.path.join(self.module, 'tryton.cfg')).name)
        messages = extract_messages(directory)
        self.assertTrue(messages)
        for lang, _ in LANGUAGES:
            if lang == 'en':
                continue
            with self.subTest(lang=lang):
                path = os.path.join(directory, 'www', 'locale', lang + '.po')
                translated = {
                    e.msgid for e in polib.pofile(path)
                    if e.msgstr and not e.fuzzy}
                missing = [m for m in messages if m not in translated]
                if missing:
                    self.fail("%d portal strings of %s without %s "
                        "translation: %s" % (
                            len(missing), self.module, lang, missing[:10]))
