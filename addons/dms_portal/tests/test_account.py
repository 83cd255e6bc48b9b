# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The dealer administrator's portal pages: users (invite, role, deactivate)
and delivery addresses, over real HTTP requests"""
import re
from urllib.parse import quote
from http import HTTPStatus

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase
from trytond.transaction import Transaction

from dms_dealer.tests.tools import create_dealer, create_tier

from .tools import PortalClientMixin, SMTPSink

PASSWORD = 'portal-secret-1'
BASE_URL = 'https://portal.example.com'


class AccountTestCase(PortalClientMixin, RouteTestCase):
    "Test the dealer administrator's pages"
    module = 'dms_portal'
    password = PASSWORD
    base_url = BASE_URL

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Country = pool.get('country.country')
        Dealer = pool.get('dms.dealer')
        WebUser = pool.get('web.user')
        company = create_company()
        china, france = Country.create([{
                    'name': "China", 'code': 'CN',
                    'subdivisions': [('create', [
                                {'name': "Zhejiang", 'code': 'CN-ZJ',
                                    'type': 'province'},
                                {'name': "Jiangsu", 'code': 'CN-JS',
                                    'type': 'province'},
                                ])],
                    }, {
                    'name': "France", 'code': 'FR',
                    'subdivisions': [('create', [
                                {'name': "Paris", 'code': 'FR-75',
                                    'type': 'metropolitan department'},
                                ])],
                    }])
        cls.china = china.id
        cls.zhejiang, = [
            s.id for s in china.subdivisions if s.code == 'CN-ZJ']
        cls.paris = france.subdivisions[0].id
        # The province's name in Chinese
        Lang = pool.get('ir.lang')
        Subdivision = pool.get('country.subdivision')
        Lang.write(Lang.search([('code', '=', 'zh_CN')]),
            {'translatable': True})
        with Transaction().set_context(language='zh_CN'):
            Subdivision.write([Subdivision(cls.zhejiang)], {'name': "浙江省"})
        with set_company(company):
            tier = create_tier(company, 'GOLD')
            dealer_a = create_dealer(company, 'A', tier=tier)
            dealer_b = create_dealer(company, 'B', tier=tier)
            Dealer.activate([dealer_a, dealer_b])
        cls.dealer_a, cls.dealer_b = dealer_a.id, dealer_b.id
        cls.address_b = dealer_b.party.addresses[0].id
        WebUser.create([{
                    'email': email,
                    'password': PASSWORD,
                    'dealer': dealer.id,
                    'dealer_role': role,
                    } for email, dealer, role in [
                    ('admin@a.example.com', dealer_a, 'admin'),
                    ('buyer@a.example.com', dealer_a, 'buyer'),
                    ('viewer@a.example.com', dealer_a, 'viewer'),
                    ('staff@a.example.com', dealer_a, 'buyer'),
                    ('admin@b.example.com', dealer_b, 'admin'),
                    ('buyer@b.example.com', dealer_b, 'buyer'),
                    ]])

    def users(self):
        with Transaction().start(self.db_name, 0, context={
                    'active_test': False}):
            WebUser = Pool().get('web.user')
            return {u.email: (u.dealer.code if u.dealer else None,
                    u.dealer_role, u.active) for u in WebUser.search([])}

    def user_id(self, email):
        with Transaction().start(self.db_name, 0, context={
                    'active_test': False}):
            WebUser = Pool().get('web.user')
            user, = WebUser.search([('email', '=', email)])
            return user.id

    def addresses(self, dealer_id):
        with Transaction().start(self.db_name, 0):
            Dealer = Pool().get('dms.dealer')
            return [(a.id, a.city, a.street,
                    a.subdivision.code if a.subdivision else None)
                for a in Dealer(dealer_id).party.addresses]

    def test_admin_only(self):
        "Buyers and viewers get a 404 on every administration page"
        for email in ['buyer@a.example.com', 'viewer@a.example.com']:
            client = self.client_for(email)
            home = client.get(self.url()).get_data(as_text=True)
            self.assertNotIn('account/users', home)
            for path in ['account/users', 'account/addresses',
                    'account/addresses/new',
                    'account/addresses/%s' % self.address_b]:
                with self.subTest(email=email, path=path):
                    self.assertEqual(client.get(self.url(path)).status_code,
                        HTTPStatus.NOT_FOUND)
            before = self.users()
            for path, data in [
                    ('account/users/invite', {
                            'email': 'x@a.example.com', 'role': 'admin'}),
                    ('account/users/%s' % self.user_id(
                            'staff@a.example.com'), {
                            'action': 'role', 'role': 'admin'}),
                    ('account/addresses/new', {
                            'street': 'S', 'city': 'C',
                            'country': str(self.china)})]:
                with self.subTest(email=email, path=path):
                    self.assertEqual(
                        self.post(client, path, **data).status_code,
                        HTTPStatus.NOT_FOUND)
            self.assertEqual(self.users(), before)
        home = self.client_for('admin@a.example.com').get(
            self.url()).get_data(as_text=True)
        self.assertIn('account/users', home)
        self.assertIn('account/addresses', home)

    def test_invite(self):
        """The administrator invites a user who sets its password by e-mail;
        the link leads to the configured address of the portal"""
        client = self.client_for('admin@a.example.com')
        with SMTPSink() as smtp:
            response = self.post(client, 'account/users/invite',
                email=' New.Viewer@A.example.com ', role='viewer')
            self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
            message, = smtp.wait(1)
        self.assertEqual(self.users()['new.viewer@a.example.com'],
            ('A', 'viewer', True))
        self.assertIn('invitation is sent',
            client.get(self.url('account/users')).get_data(as_text=True))
        self.assertEqual(message['To'], 'new.viewer@a.example.com')
        body = ''.join(
            part.get_payload(decode=True).decode()
            for part in message.walk()
            if part.get_content_type() == 'text/html')
        self.assertIn('Dealer A', body)
        link, = set(re.findall(
                r'%s/%s/portal/reset-password/confirm\?[^"<\s]+'
                % (BASE_URL, quote(self.db_name, safe='')), body))
        link = link.replace('&amp;', '&').replace(BASE_URL, '')

        new = self.client()
        form = dict(re.findall(r'name="(email|token)" value="([^"]*)"',
                new.get(link).get_data(as_text=True)))
        response = new.post(self.url('reset-password/confirm'), data={
                **form, 'csrf_token': self.csrf(new),
                'password': 'viewer-secret-1', 'password2': 'viewer-secret-1'})
        self.assertEqual(response.location, self.url('login'))
        home = self.client_for('new.viewer@a.example.com',
            'viewer-secret-1').get(self.url()).get_data(as_text=True)
        self.assertIn('Dealer A', home)
        self.assertNotIn('account/users', home)

    def test_invite_refused(self):
        "Wrong e-mails, own users' e-mails and unknown roles change nothing"
        client = self.client_for('admin@a.example.com')
        before = self.users()
        for data, message in [
                ({'email': 'not an e-mail', 'role': 'buyer'}, 'is not valid'),
                ({'email': '<script>alert(1)</script>@x', 'role': 'buyer'},
                    'is not valid'),
                ({'email': 'x' * 300 + '@a.example.com', 'role': 'buyer'},
                    'is not valid'),
                ({'email': 'staff@a.example.com', 'role': 'buyer'},
                    'already a user of your dealer'),
                ({'email': 'ok@a.example.com', 'role': 'owner'},
                    'Choose a role'),
                ({}, 'Choose a role')]:
            with self.subTest(data=data):
                response = self.post(client, 'account/users/invite', **data)
                self.assertEqual(response.status_code, HTTPStatus.BAD_REQUEST)
                html = response.get_data(as_text=True)
                self.assertIn(message, html)
                self.assertNotIn('<script>alert', html)
        self.assertEqual(self.users(), before)

    def test_invite_account_elsewhere(self):
        """Inviting the e-mail of another dealer's user answers as for a new
        address (the form does not tell who has an account), changes
        nothing, and tells the holder of the address by e-mail"""
        client = self.client_for('admin@a.example.com')
        before = self.users()
        with SMTPSink() as smtp:
            taken = self.post(client, 'account/users/invite',
                email='buyer@b.example.com', role='buyer')
            message, = smtp.wait(1)
        self.assertEqual(taken.status_code, HTTPStatus.SEE_OTHER)
        self.assertEqual(self.users(), before)
        self.assertIn('invitation is sent',
            client.get(self.url('account/users')).get_data(as_text=True))
        self.assertEqual(message['To'], 'buyer@b.example.com')
        body = message.get_payload(decode=True).decode()
        self.assertIn('admin@a.example.com invited buyer@b.example.com',
            body)
        self.assertIn('nothing was changed', body)
        self.assertNotIn('token', body)

    def test_manage_users(self):
        "Change a role, deactivate (signed out at once) and reactivate"
        admin = self.client_for('admin@a.example.com')
        staff = self.client_for('staff@a.example.com')
        staff_id = self.user_id('staff@a.example.com')
        response = self.post(admin, 'account/users/%s' % staff_id,
            action='role', role='viewer')
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertEqual(self.users()['staff@a.example.com'],
            ('A', 'viewer', True))

        self.post(admin, 'account/users/%s' % staff_id, action='deactivate')
        self.assertEqual(self.users()['staff@a.example.com'],
            ('A', 'viewer', False))
        response = staff.get(self.url())
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertIn('/login', response.location)
        html = admin.get(self.url('account/users')).get_data(as_text=True)
        self.assertIn('Deactivated', html)

        self.post(admin, 'account/users/%s' % staff_id, action='activate')
        self.assertEqual(self.users()['staff@a.example.com'],
            ('A', 'viewer', True))
        self.client_for('staff@a.example.com')

        # Not oneself, not another dealer's user, nothing unknown
        before = self.users()
        response = self.post(admin, 'account/users/%s' % self.user_id(
                'admin@a.example.com'), action='deactivate')
        self.assertEqual(response.status_code, HTTPStatus.BAD_REQUEST)
        self.assertIn('your own', response.get_data(as_text=True))
        response = self.post(admin, 'account/users/%s' % staff_id,
            action='role', role='root')
        self.assertEqual(response.status_code, HTTPStatus.BAD_REQUEST)
        for user_id in [self.user_id('buyer@b.example.com'), 999999,
                2 ** 40]:
            with self.subTest(user_id=user_id):
                response = self.post(admin, 'account/users/%s' % user_id,
                    action='deactivate')
                self.assertEqual(response.status_code, HTTPStatus.NOT_FOUND)
        self.assertEqual(self.users(), before)
        html = admin.get(self.url('account/users')).get_data(as_text=True)
        self.assertNotIn('b.example.com', html)

    def test_addresses(self):
        "Add, change and remove the dealer's delivery addresses"
        admin = self.client_for('admin@a.example.com')
        html = admin.get(self.url('account/addresses')).get_data(
            as_text=True)
        self.assertIn('City A', html)
        self.assertNotIn('City B', html)

        html = admin.get(self.url('account/addresses/new?country=%s'
                % self.china)).get_data(as_text=True)
        self.assertIn('Zhejiang', html)
        self.assertNotIn('Paris', html)
        response = self.post(admin, 'account/addresses/new',
            street='88 Wensan Road <b>', city='Hangzhou', district='Xihu',
            postal_code='310000', country=str(self.china),
            subdivision=str(self.zhejiang))
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        first, (new_id, city, street, subdivision) = (
            self.addresses(self.dealer_a))
        self.assertEqual((city, street, subdivision),
            ('Hangzhou', '88 Wensan Road <b>', 'CN-ZJ'))
        html = admin.get(self.url('account/addresses')).get_data(
            as_text=True)
        self.assertIn('88 Wensan Road &lt;b&gt;', html)
        self.assertIn('Xihu, Hangzhou', html)
        html = admin.get(self.url('account/addresses/%s' % new_id)).get_data(
            as_text=True)
        self.assertIn('name="district" maxlength="100" value="Xihu"', html)
        # An address written in English reads in English in the Chinese
        # portal too (not 浙江省HangzhouXihu...)
        admin.set_cookie('dms_portal_lang', 'zh_CN', path=self.url())
        html = admin.get(self.url('account/addresses')).get_data(
            as_text=True)
        self.assertIn('Xihu, Hangzhou', html)
        self.assertNotIn('HangzhouXihu', html)
        # Written in Chinese: province, city, district and street as one
        # (省市区), in both languages
        response = self.post(admin, 'account/addresses/%s' % new_id,
            street='人民路381号', city='杭州市', district='西湖区',
            postal_code='310000', country=str(self.china),
            subdivision=str(self.zhejiang))
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        for lang in ['zh_CN', 'en']:
            admin.set_cookie('dms_portal_lang', lang, path=self.url())
            html = admin.get(self.url('account/addresses')).get_data(
                as_text=True)
            self.assertIn('浙江省杭州市西湖区人民路381号', html, lang)
        admin.set_cookie('dms_portal_lang', 'en', path=self.url())

        before = self.addresses(self.dealer_a)
        for data, message in [
                ({'street': '', 'city': 'X', 'country': str(self.china)},
                    'Enter the street'),
                ({'street': 'S', 'city': '', 'country': str(self.china)},
                    'Enter the city'),
                ({'street': 'S', 'city': 'X', 'country': 'abc'},
                    'Choose the country'),
                ({'street': 'S', 'city': 'X', 'country': str(self.china),
                        'subdivision': str(self.paris)},
                    'province or state of the chosen country'),
                ({'street': 'S' * 501, 'city': 'X',
                        'country': str(self.china)}, 'too long')]:
            with self.subTest(data=data):
                response = self.post(
                    admin, 'account/addresses/%s' % new_id, **data)
                self.assertEqual(response.status_code, HTTPStatus.BAD_REQUEST)
                self.assertIn(message, response.get_data(as_text=True))
        self.assertEqual(self.addresses(self.dealer_a), before)

        response = self.post(admin, 'account/addresses/%s' % new_id,
            street='1 Jiefang Road', city='Hangzhou',
            country=str(self.china), subdivision=str(self.zhejiang))
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertEqual(self.addresses(self.dealer_a)[1][2],
            '1 Jiefang Road')

        # Another dealer's address is a 404 everywhere
        before_b = self.addresses(self.dealer_b)
        self.assertEqual(admin.get(self.url(
                    'account/addresses/%s' % self.address_b)).status_code,
            HTTPStatus.NOT_FOUND)
        for path in ['account/addresses/%s' % self.address_b,
                'account/addresses/%s/archive' % self.address_b]:
            response = self.post(admin, path, street='X', city='Y',
                country=str(self.china))
            self.assertEqual(response.status_code, HTTPStatus.NOT_FOUND)
        self.assertEqual(self.addresses(self.dealer_b), before_b)

        # Remove one; the last one stays
        response = self.post(admin, 'account/addresses/%s/archive' % new_id)
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertEqual([a[0] for a in self.addresses(self.dealer_a)],
            [first[0]])
        response = self.post(
            admin, 'account/addresses/%s/archive' % first[0])
        self.assertEqual(response.status_code, HTTPStatus.BAD_REQUEST)
        self.assertIn('at least one', response.get_data(as_text=True))
        self.assertEqual(len(self.addresses(self.dealer_a)), 1)


del RouteTestCase
