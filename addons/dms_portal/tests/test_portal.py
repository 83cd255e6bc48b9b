# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Portal foundations over real HTTP requests to Tryton's WSGI application:
sessions, CSRF, languages, error pages, password reset by e-mail, scoping."""
import datetime as dt
import re
from http import HTTPStatus
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, quote, urlsplit

from trytond.config import config
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase
from trytond.transaction import Transaction

from dms_dealer.tests.tools import create_dealer, create_tier

from .tools import (
    PortalClientMixin, PortalTranslationTestMixin, SMTPSink)

PASSWORD = 'portal-secret-1'
BASE_URL = 'https://portal.example.com'
# The key of a client address in the sign-in attempts
CLIENT = 'dms-portal:%s'


class PortalTestCase(
        PortalClientMixin, PortalTranslationTestMixin, RouteTestCase):
    "Test the dealer portal foundations"
    module = 'dms_portal'
    password = PASSWORD
    base_url = BASE_URL

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        WebUser = pool.get('web.user')
        Sale = pool.get('sale.sale')
        company = create_company()
        with set_company(company):
            tier = create_tier(company, 'GOLD')
            dealer_a = create_dealer(company, 'A', tier=tier)
            dealer_b = create_dealer(company, 'B', tier=tier)
            suspended = create_dealer(company, 'S', tier=tier)
            prospect = create_dealer(company, 'P', tier=tier)
            Dealer.activate([dealer_a, dealer_b, suspended])
            Dealer.suspend([suspended])
            WebUser.create([{
                        'email': email,
                        'password': PASSWORD,
                        'dealer': dealer.id,
                        'dealer_role': 'buyer',
                        } for email, dealer in [
                        ('buyer@a.example.com', dealer_a),
                        ('buyer@b.example.com', dealer_b),
                        ('buyer@s.example.com', suspended),
                        ('buyer@p.example.com', prospect),
                        ]])
            WebUser.create([{'email': 'nodealer@example.com',
                        'password': PASSWORD}])
            Sale.create([{
                        'party': dealer.party.id,
                        'reference': reference,
                        'state': 'quotation',
                        } for dealer, reference in [
                        (dealer_a, 'REF-A-<b>1</b>'),
                        (dealer_b, 'REF-B-1'),
                        ]])

    def login(self, client, email='buyer@a.example.com', password=PASSWORD,
            address='192.0.2.1'):
        return super().login(client, email, password, address=address)

    def test_login_page(self):
        "The login page carries a CSRF token and safe headers"
        client = self.client()
        response = client.get(self.url('login'))
        self.assertEqual(response.status_code, HTTPStatus.OK)
        html = response.get_data(as_text=True)
        token = self.csrf(client)
        self.assertTrue(token)
        self.assertIn('name="csrf_token" value="%s"' % token, html)
        self.assertIn('name="email"', html)
        self.assertEqual(response.headers['X-Frame-Options'], 'DENY')
        self.assertIn("frame-ancestors 'none'",
            response.headers['Content-Security-Policy'])
        cookie = SimpleCookie(response.headers['Set-Cookie'])
        morsel = cookie['dms_portal_csrf']
        self.assertTrue(morsel['httponly'])
        self.assertEqual(morsel['samesite'], 'Lax')
        self.assertEqual(morsel['path'], self.url())

    def test_login_logout(self):
        "Sign in gives a new session; sign out ends it"
        client = self.client()
        client.get(self.url('login'))
        anonymous_token = self.csrf(client)
        response = self.login(client)
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertEqual(response.location, self.url())
        session = self.cookie(client, 'dms_portal_session')
        self.assertTrue(session.http_only)
        self.assertNotEqual(self.csrf(client), anonymous_token)

        response = client.get(self.url())
        self.assertEqual(response.status_code, HTTPStatus.OK)
        self.assertIn('Dealer A', response.get_data(as_text=True))

        response = client.post(self.url('logout'),
            data={'csrf_token': self.csrf(client)})
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertIsNone(self.cookie(client, 'dms_portal_session'))
        response = client.get(response.location)
        self.assertIn("You are signed out.", response.get_data(as_text=True))

        # The old session key is dead on the server too
        replay = self.client()
        replay.set_cookie('dms_portal_session', session.value,
            path=self.url())
        response = replay.get(self.url())
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertTrue(response.location.startswith(self.url('login')))

    def test_wrong_password(self):
        """A wrong password is refused, recorded for the e-mail and the
        client address, and says nothing more"""
        client = self.client()
        pages = []
        for email in ['buyer@a.example.com', 'unknown@example.com']:
            with self.subTest(email=email):
                response = self.login(client, email, 'wrong-password')
                self.assertEqual(response.status_code, HTTPStatus.OK)
                page = response.get_data(as_text=True)
                self.assertIn("Wrong e-mail or password.", page)
                self.assertIsNone(self.cookie(client, 'dms_portal_session'))
                pages.append(page.replace(email, 'EMAIL'))
        # Nothing tells a known e-mail from an unknown one
        self.assertEqual(pages[0], pages[1])
        with Transaction().start(self.db_name, 0):
            Attempt = Pool().get('web.user.authenticate.attempt')
            for email in ['buyer@a.example.com', 'unknown@example.com']:
                self.assertEqual(
                    Attempt.count(email, CLIENT % '192.0.2.1'), 1)
                Attempt.remove(email, CLIENT % '192.0.2.1')

    def test_accounts_without_portal(self):
        "Accounts of prospects, without dealer, cannot sign in"
        for email in ['buyer@p.example.com', 'nodealer@example.com']:
            with self.subTest(email=email):
                client = self.client()
                response = self.login(client, email)
                self.assertEqual(response.status_code, HTTPStatus.OK)
                self.assertIsNone(self.cookie(client, 'dms_portal_session'))

    def test_suspended_dealer(self):
        "A suspended dealer signs in, sees its orders and a warning"
        client = self.client()
        self.assertEqual(
            self.login(client, 'buyer@s.example.com').status_code,
            HTTPStatus.SEE_OTHER)
        html = client.get(self.url()).get_data(as_text=True)
        self.assertIn("suspended", html)

    def test_csrf_required(self):
        "A POST without the right CSRF token changes nothing"
        client = self.client()
        client.get(self.url('login'))
        for token in ['', 'forged-token']:
            with self.subTest(token=token):
                response = client.post(self.url('login'), data={
                        'email': 'buyer@a.example.com',
                        'password': PASSWORD,
                        'csrf_token': token})
                self.assertEqual(response.status_code, HTTPStatus.FORBIDDEN)
                self.assertIsNone(self.cookie(client, 'dms_portal_session'))

        self.login(client)
        session = self.cookie(client, 'dms_portal_session').value
        response = client.post(self.url('logout'), data={})
        self.assertEqual(response.status_code, HTTPStatus.FORBIDDEN)
        self.assertEqual(
            self.cookie(client, 'dms_portal_session').value, session)
        self.assertEqual(client.get(self.url()).status_code, HTTPStatus.OK)

    def test_login_required(self):
        "Pages need a session and come back after signing in"
        client = self.client()
        response = client.get(self.url())
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        location = urlsplit(response.location)
        self.assertEqual(location.path, self.url('login'))
        self.assertEqual(parse_qs(location.query), {'next': [self.url()]})

        client.get(response.location)
        response = client.post(self.url('login'), data={
                'email': 'buyer@a.example.com', 'password': PASSWORD,
                'csrf_token': self.csrf(client), 'next': self.url()})
        self.assertEqual(response.location, self.url())

    def test_no_open_redirect(self):
        "The next page after sign-in stays in the portal"
        for next_ in ['http://evil.example.com/', '//evil.example.com/',
                '/other/path', '/\\evil.example.com',
                self.url('orders\r\nSet-Cookie: planted=1'),
                self.url('\nLocation: http://evil.example.com/')]:
            with self.subTest(next=next_):
                client = self.client()
                client.get(self.url('login'))
                response = client.post(self.url('login'), data={
                        'email': 'buyer@a.example.com',
                        'password': PASSWORD,
                        'csrf_token': self.csrf(client), 'next': next_})
                self.assertEqual(response.location, self.url())
                self.assertNotIn('planted', response.headers.get(
                        'Set-Cookie', ''))
        # Nor a server error on the sign-in page, signed in or not
        signed_in = self.client()
        self.login(signed_in)
        for client, status in [
                (self.client(), HTTPStatus.OK),
                (signed_in, HTTPStatus.SEE_OTHER)]:
            response = client.get(self.url(
                    'login?next=%2Fx%0D%0ASet-Cookie%3A%20planted%3D1'))
            self.assertEqual(response.status_code, status)
            self.assertNotIn('planted', response.headers.get(
                    'Set-Cookie', ''))

    def test_home(self):
        """The home page shows the user's dealer and its unread notifications,
        and only the cards and links of the modules of the database"""
        client = self.client()
        self.login(client)
        html = client.get(self.url()).get_data(as_text=True)
        self.assertIn('Welcome, Dealer A', html)
        self.assertIn('id="unread-notifications">0<', html)
        self.assertNotIn('Dealer B', html)
        # The bulletins are those of dms_communication, not activated here
        self.assertNotIn('unread-bulletins', html)
        self.assertNotIn(self.url('bulletins'), html)
        self.assertEqual(
            client.get(self.url('bulletins')).status_code, 404)

    def test_language(self):
        "The portal speaks English and Simplified Chinese"
        client = self.client()
        html = client.get(self.url('login'),
            headers={'Accept-Language': 'zh-CN,zh;q=0.9'}).get_data(
            as_text=True)
        self.assertIn('lang="zh-CN"', html)
        self.assertIn('登录', html)

        client = self.client()
        client.get(self.url('login'))
        response = client.post(self.url('language'), data={
                'lang': 'zh_CN', 'csrf_token': self.csrf(client),
                'next': self.url('login')})
        self.assertEqual(response.location, self.url('login'))
        self.assertIn('忘记密码', client.get(self.url('login')).get_data(
                as_text=True))
        client.post(self.url('language'), data={
                'lang': 'en', 'csrf_token': self.csrf(client)})
        self.assertIn('Forgot your password?',
            client.get(self.url('login')).get_data(as_text=True))

        # Chosen before or after signing in, the language is the user's: its
        # notifications and e-mails (web.user.languages) follow it, and
        # another browser shows the portal in it
        def language():
            with Transaction().start(self.db_name, 0):
                WebUser = Pool().get('web.user')
                user, = WebUser.search(
                    [('email', '=', 'buyer@b.example.com')])
                return [l.code for l in user.languages]
        client.post(self.url('language'), data={
                'lang': 'zh_CN', 'csrf_token': self.csrf(client)})
        self.login(client, email='buyer@b.example.com')
        self.assertEqual(language(), ['zh_CN'])
        other = self.client()
        self.login(other, email='buyer@b.example.com')
        self.assertIn('lang="zh-CN"', other.get(self.url()).get_data(
                as_text=True))
        self.post(other, 'language', lang='en')
        self.assertEqual(language(), ['en'])

    def test_not_found(self):
        "Unknown pages and files are a 404 page without details"
        client = self.client()
        for path in ['nowhere', 'static/../portal.py', 'static/missing.css',
                'static/%2e%2e/portal.py']:
            with self.subTest(path=path):
                response = client.get(self.url(path))
                self.assertEqual(response.status_code, HTTPStatus.NOT_FOUND)
                html = response.get_data(as_text=True)
                self.assertIn("Page not found", html)
                self.assertNotIn('Traceback', html)
        response = client.get('/no_such_database/portal/')
        self.assertEqual(response.status_code, HTTPStatus.NOT_FOUND)

    def test_static(self):
        "The portal's CSS and JS are served"
        client = self.client()
        for name, mimetype in [
                ('portal.css', 'text/css'), ('portal.js', 'text/javascript')]:
            response = client.get(self.url('static/' + name))
            self.assertEqual(response.status_code, HTTPStatus.OK)
            self.assertEqual(response.mimetype, mimetype)

    def test_oversized_form(self):
        "An oversized form is refused"
        client = self.client()
        client.get(self.url('login'))
        response = client.post(self.url('login'), data={
                'email': 'x' * 100_000, 'password': 'x',
                'csrf_token': self.csrf(client)})
        self.assertEqual(
            response.status_code, HTTPStatus.REQUEST_ENTITY_TOO_LARGE)

    def test_password_reset(self):
        """A dealer user resets its password with the link sent by e-mail,
        which leads to the configured address of the portal whatever the
        Host header; the new password ends the user's sessions"""
        signed_in = self.client()
        self.login(signed_in, 'buyer@b.example.com')
        self.assertEqual(
            signed_in.get(self.url()).status_code, HTTPStatus.OK)
        # Asked through a request whose host is the attacker's
        attacker = self.client()
        with SMTPSink() as smtp:
            attacker.get('http://attacker.example' + self.url(
                    'reset-password'))
            for email in ['buyer@b.example.com', 'unknown@example.com']:
                response = attacker.post(
                    'http://attacker.example' + self.url('reset-password'),
                    data={'email': email, 'csrf_token': self.csrf(attacker)},
                    headers={'X-Forwarded-Host': 'attacker.example'})
                self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
                self.assertEqual(response.location, self.url('login'))
            message, = smtp.wait(1)
        client = self.client()
        client.get(self.url('login'))
        self.assertEqual(message['To'], 'buyer@b.example.com')
        body = ''.join(
            part.get_payload(decode=True).decode()
            for part in message.walk()
            if part.get_content_type() == 'text/html')
        self.assertNotIn('attacker.example', body)
        link, = set(re.findall(
                r'%s/%s/portal/reset-password/confirm\?[^"<\s]+'
                % (BASE_URL, quote(self.db_name, safe='')), body))
        link = link.replace('&amp;', '&').replace(BASE_URL, '')

        response = client.get(link)
        self.assertEqual(response.status_code, HTTPStatus.OK)
        form = dict(re.findall(
                r'name="(email|token)" value="([^"]*)"',
                response.get_data(as_text=True)))
        data = {**form, 'csrf_token': self.csrf(client)}

        response = client.post(self.url('reset-password/confirm'),
            data={**data, 'password': 'short', 'password2': 'short'})
        self.assertEqual(response.status_code, HTTPStatus.OK)
        self.assertIn('class="error"', response.get_data(as_text=True))
        response = client.post(self.url('reset-password/confirm'), data={
                **data, 'password': 'new-secret-2', 'password2': 'other'})
        self.assertIn("The two passwords are different.",
            response.get_data(as_text=True))

        response = client.post(self.url('reset-password/confirm'), data={
                **data, 'password': 'new-secret-2', 'password2':
                'new-secret-2'})
        self.assertEqual(response.location, self.url('login'))
        # The session opened before the reset has ended
        response = signed_in.get(self.url())
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertTrue(response.location.startswith(self.url('login')))
        self.assertEqual(
            self.login(client, 'buyer@b.example.com', 'new-secret-2'
                ).status_code, HTTPStatus.SEE_OTHER)

        # The link works once
        response = client.post(self.url('reset-password/confirm'), data={
                **data, 'csrf_token': self.csrf(client),
                'password': 'other-secret-3', 'password2': 'other-secret-3'})
        self.assertEqual(response.location, self.url('reset-password'))
        self.clear_attempts()

    def clear_attempts(self):
        with Transaction().start(self.db_name, 0) as transaction:
            Attempt = Pool().get('web.user.authenticate.attempt')
            Attempt.delete(Attempt.search([]))
            transaction.commit()

    def shift_session(self, key, created, active=None):
        """Move the session's sign-in back by created and its last activity
        back by active (default: the same), as if the clock had moved
        forward"""
        active = created if active is None else active
        with Transaction().start(self.db_name, 0) as transaction:
            Session = Pool().get('web.user.session')
            table = Session.__table__()
            session, = Session.search([('key', '=', key)])
            cursor = transaction.connection.cursor()
            cursor.execute(*table.update(
                    [table.create_date, table.write_date],
                    [session.create_date - created,
                        (session.write_date or session.create_date)
                        - active],
                    where=table.id == session.id))
            transaction.commit()

    def session_exists(self, key):
        with Transaction().start(self.db_name, 0):
            Session = Pool().get('web.user.session')
            return bool(Session.search([('key', '=', key)]))

    def test_password_hash(self):
        "Passwords are stored as Argon2 hashes"
        with Transaction().start(self.db_name, 0):
            WebUser = Pool().get('web.user')
            user, = WebUser.search([('email', '=', 'buyer@a.example.com')])
            self.assertTrue(user.password_hash.startswith('$argon2id$'),
                user.password_hash[:10])
            self.assertNotIn(PASSWORD, user.password_hash)

    def test_sixth_attempt_refused(self):
        """After 5 failed attempts for an e-mail from an address, the 6th
        from that address is refused at once, even with the right password,
        for known and unknown e-mails alike; the e-mail from another
        address, and other e-mails, are not concerned"""
        emails = ['buyer@a.example.com', 'nobody@example.com']
        attacker = {'REMOTE_ADDR': '203.0.113.7'}
        try:
            for email in emails:
                client = self.client()
                client.get(self.url('login'), environ_base=attacker)
                for _ in range(5):
                    response = client.post(self.url('login'), data={
                            'email': email, 'password': 'wrong-password',
                            'csrf_token': self.csrf(client)},
                        environ_base=attacker)
                    self.assertEqual(response.status_code, HTTPStatus.OK)
                with self.subTest(email=email):
                    response = client.post(self.url('login'), data={
                            'email': email, 'password': PASSWORD,
                            'csrf_token': self.csrf(client)},
                        environ_base=attacker)
                    self.assertEqual(response.status_code,
                        HTTPStatus.TOO_MANY_REQUESTS)
                    self.assertIn("Too many attempts",
                        response.get_data(as_text=True))
                    self.assertIsNone(
                        self.cookie(client, 'dms_portal_session'))
            # The dealer's user, elsewhere, still signs in: a stranger
            # cannot lock it out
            self.assertEqual(
                self.login(self.client(), 'buyer@a.example.com').status_code,
                HTTPStatus.SEE_OTHER)
            # Other e-mails from the same address are not concerned
            client = self.client()
            client.get(self.url('login'), environ_base=attacker)
            response = client.post(self.url('login'), data={
                    'email': 'buyer@s.example.com', 'password': PASSWORD,
                    'csrf_token': self.csrf(client)}, environ_base=attacker)
            self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        finally:
            self.clear_attempts()

    def test_reset_requests_limited(self):
        """A client address asks 5 resets of an e-mail within the window:
        the 6th is refused at once (429), for known and unknown e-mails
        alike, and sends nothing; another address still asks"""
        attacker = {'REMOTE_ADDR': '203.0.113.9'}
        try:
            for email in ['buyer@s.example.com', 'unknown@example.com']:
                client = self.client()
                client.get(self.url('reset-password'), environ_base=attacker)
                with SMTPSink() as smtp:
                    statuses = [client.post(self.url('reset-password'),
                            data={'email': email,
                                'csrf_token': self.csrf(client)},
                            environ_base=attacker).status_code
                        for _ in range(6)]
                    smtp.wait(5 if email.startswith('buyer') else 0,
                        timeout=5)
                with self.subTest(email=email):
                    self.assertEqual(statuses,
                        [HTTPStatus.SEE_OTHER] * 5
                        + [HTTPStatus.TOO_MANY_REQUESTS])
                    self.assertLessEqual(len(smtp.messages), 5)
            client = self.client()
            client.get(self.url('reset-password'))
            response = client.post(self.url('reset-password'), data={
                    'email': 'buyer@s.example.com',
                    'csrf_token': self.csrf(client)})
            self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        finally:
            self.clear_attempts()

    def test_reset_token_not_ascii(self):
        "A token of any characters is a wrong token, not a server error"
        with Transaction().start(self.db_name, 0) as transaction:
            WebUser = Pool().get('web.user')
            user, = WebUser.search([('email', '=', 'buyer@s.example.com')])
            user.set_reset_password_token()
            user.save()
            transaction.commit()
        client = self.client()
        client.get(self.url('login'))
        try:
            for token in ['é' * 64, '\u4e2d\u6587', '\U0001f600']:
                with self.subTest(token=token):
                    response = client.post(
                        self.url('reset-password/confirm'), data={
                            'email': 'buyer@s.example.com', 'token': token,
                            'password': 'attacker-pass-1',
                            'password2': 'attacker-pass-1',
                            'csrf_token': self.csrf(client)})
                    self.assertEqual(
                        response.status_code, HTTPStatus.SEE_OTHER)
                    self.assertEqual(
                        response.location, self.url('reset-password'))
        finally:
            self.clear_attempts()

    def test_reset_token_attempts(self):
        """Wrong reset tokens count with the failed sign-ins of the e-mail
        and address: past the limit both are refused at once (429), the
        right token included, and the password is unchanged"""
        attacker = {'REMOTE_ADDR': '203.0.113.8'}
        with Transaction().start(self.db_name, 0) as transaction:
            WebUser = Pool().get('web.user')
            user, = WebUser.search([('email', '=', 'buyer@s.example.com')])
            user.set_reset_password_token()
            user.save()
            token = user.reset_password_token
            transaction.commit()
        client = self.client()
        client.get(self.url('login'), environ_base=attacker)
        try:
            for i in range(5):
                response = client.post(self.url('reset-password/confirm'),
                    data={'email': 'buyer@s.example.com',
                        'token': 'wrong-%s' % i,
                        'password': 'attacker-pass-1',
                        'password2': 'attacker-pass-1',
                        'csrf_token': self.csrf(client)},
                    environ_base=attacker)
                self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
                self.assertEqual(
                    response.location, self.url('reset-password'))
            for path, data in [
                    ('reset-password/confirm', {'token': token,
                            'password': 'attacker-pass-1',
                            'password2': 'attacker-pass-1'}),
                    ('login', {'password': PASSWORD})]:
                with self.subTest(path=path):
                    response = client.post(self.url(path), data={
                            'email': 'buyer@s.example.com',
                            'csrf_token': self.csrf(client), **data},
                        environ_base=attacker)
                    self.assertEqual(response.status_code,
                        HTTPStatus.TOO_MANY_REQUESTS)
            self.assertEqual(
                self.login(self.client(), 'buyer@s.example.com').status_code,
                HTTPStatus.SEE_OTHER)
        finally:
            self.clear_attempts()

    def test_session_fixation(self):
        "A session key planted before the sign-in is not the one used after"
        client = self.client()
        self.login(client)
        first = self.cookie(client, 'dms_portal_session').value
        client.post(self.url('logout'), data={'csrf_token': self.csrf(client)})
        # The attacker's (dead or alive) key in the victim's browser
        client.set_cookie('dms_portal_session', first, path=self.url())
        self.login(client)
        second = self.cookie(client, 'dms_portal_session').value
        self.assertNotEqual(first, second)
        self.assertFalse(self.session_exists(first))

    def test_session_idle_timeout(self):
        "A session idle for longer than the idle timeout ends"
        idle = config.getint(
            'dms_portal', 'session_idle_timeout', default=2 * 60 * 60)
        client = self.client()
        self.login(client)
        key = self.cookie(client, 'dms_portal_session').value
        self.shift_session(key, dt.timedelta(seconds=idle - 120))
        # Still active: the request records the activity
        self.assertEqual(client.get(self.url()).status_code, HTTPStatus.OK)
        self.shift_session(key, dt.timedelta(seconds=idle - 120))
        self.assertEqual(client.get(self.url()).status_code, HTTPStatus.OK)
        self.shift_session(key, dt.timedelta(seconds=idle + 1))
        response = client.get(self.url())
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertTrue(response.location.startswith(self.url('login')))
        self.assertFalse(self.session_exists(key))

    def test_session_max_age(self):
        "A session ends at its maximum age, even when always active"
        max_age = config.getint(
            'dms_portal', 'session_max_age', default=12 * 60 * 60)
        client = self.client()
        self.login(client)
        key = self.cookie(client, 'dms_portal_session').value
        self.assertEqual(client.get(self.url()).status_code, HTTPStatus.OK)
        # Signed in long ago, active a minute ago
        self.shift_session(key, dt.timedelta(seconds=max_age + 1),
            dt.timedelta(minutes=1))
        response = client.get(self.url())
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertFalse(self.session_exists(key))

    def test_cookie_flags(self):
        "Cookies are HttpOnly and SameSite, and Secure over HTTPS"
        for base_url, secure in [
                ('http://localhost', False), ('https://localhost', True)]:
            with self.subTest(base_url=base_url):
                client = self.client()
                client.get(self.url('login'), base_url=base_url)
                response = client.post(self.url('login'), data={
                        'email': 'buyer@a.example.com', 'password': PASSWORD,
                        'csrf_token': self.csrf(client)}, base_url=base_url)
                self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
                cookies = SimpleCookie()
                for header in response.headers.getlist('Set-Cookie'):
                    cookies.load(header)
                for name in ['dms_portal_session', 'dms_portal_csrf']:
                    morsel = cookies[name]
                    self.assertTrue(morsel['httponly'], name)
                    self.assertEqual(morsel['samesite'], 'Lax')
                    self.assertEqual(morsel['path'], self.url())
                    self.assertEqual(bool(morsel['secure']), secure, name)

    def test_cross_origin_post(self):
        "A POST from another site is refused even with the right token"
        from werkzeug.test import Client
        from werkzeug.wrappers import Response

        from trytond.wsgi import app

        from ..portal import HTTPErrors

        # As configured in config/trytond.conf
        client = Client(HTTPErrors(app), Response)
        self.login(client)
        session = self.cookie(client, 'dms_portal_session').value
        for headers in [
                {'Origin': 'http://evil.example.com'},
                {'Origin': 'null'},
                {'Referer': 'http://evil.example.com/page'},
                ]:
            with self.subTest(headers=headers):
                response = client.post(self.url('logout'), data={
                        'csrf_token': self.csrf(client)}, headers=headers)
                self.assertEqual(response.status_code, HTTPStatus.FORBIDDEN)
                self.assertIn("This form has expired",
                    response.get_data(as_text=True))
                self.assertTrue(self.session_exists(session))
                self.assertNotIn('Access-Control-Allow-Origin',
                    response.headers)
        # The portal's own pages post with their origin
        response = client.post(self.url('logout'), data={
                'csrf_token': self.csrf(client)},
            headers={'Origin': 'http://localhost',
                'Referer': 'http://localhost' + self.url()})
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertFalse(self.session_exists(session))

    def test_reset_link_expires(self):
        "A reset link refused once expired, and the password unchanged"
        with Transaction().start(self.db_name, 0) as transaction:
            WebUser = Pool().get('web.user')
            user, = WebUser.search([('email', '=', 'buyer@s.example.com')])
            user.set_reset_password_token()
            user.reset_password_token_expire = (
                dt.datetime.now() - dt.timedelta(seconds=1))
            user.save()
            token = user.reset_password_token
            transaction.commit()
        client = self.client()
        client.get(self.url('reset-password/confirm?email=%s&token=%s' % (
                    'buyer@s.example.com', token)))
        response = client.post(self.url('reset-password/confirm'), data={
                'email': 'buyer@s.example.com', 'token': token,
                'password': 'new-secret-9', 'password2': 'new-secret-9',
                'csrf_token': self.csrf(client)})
        self.assertEqual(response.location, self.url('reset-password'))
        self.assertEqual(
            self.login(self.client(), 'buyer@s.example.com', 'new-secret-9'
                ).status_code, HTTPStatus.OK)
        self.assertEqual(
            self.login(self.client(), 'buyer@s.example.com').status_code,
            HTTPStatus.SEE_OTHER)


del RouteTestCase
