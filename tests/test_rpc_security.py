# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The attacks of the second security review, replayed against a real
server on the demo database by a hostile dealer: D0001's integration
account (the group DMS Integration, linked to D0001) and its portal users.
Each test reproduces a finding and proves it fails now."""
import base64
import http.client
import json
import os
import re
import sqlite3
import urllib.error
import urllib.request
import xmlrpc.client

from tests.fixtures import DEMO_LOGINS, _backend, _psql
from tests.test_portal_isolation import PortalServerTestCase

PASSWORD = 'integration-secret'
VICTIM = DEMO_LOGINS['d0005.admin'][0]


class RPCSecurityTestCase(PortalServerTestCase):
    "Test the RPC attacks of a hostile dealer fail"

    @classmethod
    def setUpData(cls):
        admin = cls.admin
        cls.dealers = {d['code']: d['id'] for d in admin.dms.dealer.search_read(
                [('code', 'in', ['D0001', 'D0005'])], 0, None, None,
                ['code'], {})}
        cls.user_id = cls.server.create_user(
            'erp_d0001', PASSWORD, 'D0001')
        company, = admin.company.company.search([], 0, None, None, {})
        cls.context = {'company': company}

    def rpc(self, login='erp_d0001', password=PASSWORD):
        return self.server.session_rpc(login, password).model

    def fault(self, call):
        "The message of the Fault call raises (it must raise one)"
        with self.assertRaises(xmlrpc.client.Fault) as cm:
            call()
        message = cm.exception.faultString
        # A clear message, never SQL nor a Python error
        for word in ['SELECT', 'Traceback', 'KeyError', 'column']:
            self.assertNotIn(word, message)
        return message

    def sql(self, query):
        "The rows of query on the server's database"
        if _backend() == 'postgresql':
            return _psql(query, self.server.database)
        with sqlite3.connect(os.path.join(
                    self.server.folder, self.server.database + '.sqlite')
                ) as connection:
            return connection.execute(query).fetchall()

    def order_of(self, code):
        sale, = self.admin.sale.sale.search([
                ('dealer', '=', self.dealers[code]),
                ('state', 'in', ['confirmed', 'processing']),
                ], 0, 1, [('id', 'ASC')], {})
        return sale

    def test_reset_token_oracle(self):
        """Finding 1: after a reset request for D0005's administrator, the
        integration account of D0001 cannot recover the token (nor learn
        anything of D0005) through the relations of territories or tiers"""
        client = self.client()
        response = self.post(client, '/reset-password', email=VICTIM)
        self.assertEqual(response.status, 303)
        token, = self.sql(
            "SELECT reset_password_token FROM web_user WHERE email = '%s'"
            % VICTIM)[0]
        self.assertTrue(token)
        rpc = self.rpc()
        for model in ['dms.territory', 'dms.dealer.tier']:
            proxy = self.proxy(rpc, model)
            with self.subTest(model=model):
                message = self.fault(lambda: proxy.search_count([
                            ('dealers', 'where', [
                                    ('code', '=', 'D0005'),
                                    ('web_users', 'where', [
                                            ('email', '=', VICTIM),
                                            ('reset_password_token', '>=',
                                                token[:1])])])],
                        self.context))
                self.assertIn('not allowed', message)
                for domain in [
                        [('dealers', 'where', [('code', '=', 'D0005')])],
                        [('dealers.code', '=', 'D0005')],
                        [('dealers', 'ilike', '%D0005%')],
                        [('dealers', 'where', [('web_users', 'where', [
                                            ('email', '=', VICTIM)])])],
                        [('dealers.party.name', 'ilike', '%')],
                        ]:
                    found = proxy.search(domain, 0, None, None, self.context)
                    # Only what D0001 itself leads to
                    own = self.proxy(self.admin, model).search(
                        [('dealers', '=', self.dealers['D0001'])],
                        0, None, None, self.context)
                    self.assertEqual(set(found) - set(own), set(), domain)
                # Its own dealer stays searchable
                self.assertTrue(proxy.search_count(
                        [('dealers.code', '=', 'D0001')], self.context))

    @staticmethod
    def proxy(rpc, model):
        for part in model.split('.'):
            rpc = getattr(rpc, part)
        return rpc

    def test_secrets_unreadable(self):
        """Finding 3: password hashes and reset tokens are readable and
        searchable by nobody, the administrator included"""
        for login, password in [
                ('erp_d0001', PASSWORD), DEMO_LOGINS['admin']]:
            rpc = self.rpc(login, password)
            users = rpc.web.user.search([], 0, 5, None, {})
            self.assertTrue(users)
            for call in [
                    lambda: rpc.web.user.read(users, ['password_hash'], {}),
                    lambda: rpc.web.user.search_read(
                        [], 0, None, None, ['reset_password_token'], {}),
                    lambda: rpc.web.user.search(
                        [('password_hash', 'like', '$argon2%')],
                        0, None, None, {}),
                    lambda: rpc.web.user.export_data(
                        users, ['email_token'], {}),
                    lambda: rpc.res.user.search(
                        [('password_hash', '!=', None)], 0, None, None, {}),
                    lambda: rpc.res.user.read(
                        [1], ['password_reset'], {}),
                    ]:
                with self.subTest(login=login):
                    self.assertIn('not allowed', self.fault(call))
            self.assertNotIn('password_hash', rpc.web.user.fields_get(
                    None, {}))

    def test_chat_of_another_dealer(self):
        """Finding 2: the conversation of D0005's order is neither read,
        written, followed nor listed by D0001's integration account"""
        resource = 'sale.sale,%s' % self.order_of('D0005')
        admin = self.admin
        admin.ir.chat.channel.post(
            resource, "Internal note on D0005", 'internal', {})
        before = self.sql("SELECT COUNT(*) FROM ir_chat_message")
        followers = self.sql("SELECT COUNT(*) FROM ir_chat_follower")
        rpc = self.rpc().ir.chat.channel
        for name, call in [
                ('get', lambda: rpc.get(resource, None, None, {})),
                ('post', lambda: rpc.post(resource, "Hi", 'public', {})),
                ('subscribe_email', lambda: rpc.subscribe_email(
                        resource, 'spy@outside.example', {})),
                ('subscribe', lambda: rpc.subscribe(resource, None, {})),
                ('get_followers', lambda: rpc.get_followers(resource, {})),
                ('search_followers', lambda: rpc.search_followers(
                        resource, 'a', 20, {})),
                ]:
            with self.subTest(call=name):
                self.assertIn("not available to you", self.fault(call))
        self.assertEqual(
            self.sql("SELECT COUNT(*) FROM ir_chat_message"), before)
        self.assertEqual(
            self.sql("SELECT COUNT(*) FROM ir_chat_follower"), followers)
        # Nor through the chat models themselves
        for model in ['ir.chat.message', 'ir.chat.channel']:
            with self.subTest(model=model):
                self.fault(lambda: self.proxy(self.rpc(), model).search_read(
                        [], 0, None, None, ['id'], {}))

    def test_chat_of_own_dealer(self):
        """Finding 2: on its own order, the integration account reads the
        public messages only, writes only public ones (shown in the portal
        as its dealer's, not as the factory's), and neither subscribes
        outside addresses nor other users"""
        sale = self.order_of('D0001')
        resource = 'sale.sale,%s' % sale
        admin = self.admin
        admin.ir.chat.channel.post(
            resource, "Internal note on D0001", 'internal', {})
        admin.ir.chat.channel.post(
            resource, "Public answer to D0001", 'public', {})
        rpc = self.rpc()
        # A name it chose for itself
        rpc.res.user.set_preferences({'name': 'Factory Sales Director'}, {})
        chat = rpc.ir.chat.channel
        contents = [m['content'] for m in chat.get(resource, None, None, {})]
        self.assertIn("Public answer to D0001", contents)
        self.assertNotIn("Internal note on D0001", contents)
        for name, call in [
                ('internal', lambda: chat.post(
                        resource, "Forged note", 'internal', {})),
                ('subscribe_email', lambda: chat.subscribe_email(
                        resource, 'spy@outside.example', {})),
                ('subscribe other', lambda: chat.subscribe(
                        resource, 'admin', {})),
                ('search_followers', lambda: chat.search_followers(
                        resource, 'a', 20, {})),
                ]:
            with self.subTest(call=name):
                self.assertIn("only public messages", self.fault(call))
        # Even naming the administrator in its context (Tryton takes the
        # author from the context's "user")
        chat.post(resource, "Question of the integration", 'public',
            {'user': 1})
        author, = self.sql(
            "SELECT m.\"user\" FROM ir_chat_message m WHERE m.content = "
            "'Question of the integration'")[0]
        self.assertEqual(author, self.user_id)
        # It follows the conversation for itself, without the factory's
        # internal notes
        chat.subscribe(resource, None, {})
        admin.ir.chat.channel.post(
            resource, "Second internal note on D0001", 'internal', {})
        admin.ir.chat.channel.post(
            resource, "Second public answer to D0001", 'public', {})
        notifications = [d for d, in self.sql(
                "SELECT description FROM res_notification WHERE "
                '"user" = %s' % self.user_id)]
        self.assertIn("Second public answer to D0001", notifications)
        self.assertNotIn("Second internal note on D0001", notifications)
        client = self.client('d0001.buyer')
        page = client.get(self.base + '/orders/%s' % sale).text()
        message = re.search(
            r'<li class="message (\w+)"[^>]*>\s*<span class="author">'
            r'([^<]*)</span>(?:(?!</li>).)*Question of the integration',
            page, re.S)
        self.assertTrue(message, "the message is in the portal")
        side, author = message.groups()
        self.assertEqual(side, 'mine')
        self.assertIn('D0001', author)
        self.assertNotIn('Factory', author)
        self.assertNotIn('Sales Director', page)
        self.assertNotIn('Forged note', page)
        self.assertNotIn('Internal note on D0001', page)

    def test_factory_parties_unchanged(self):
        """Finding 4: the integration account changes no party, address or
        contact of the factory, its employees or carriers, and creates
        none"""
        admin = self.admin
        company, = admin.company.company.read(
            [self.context['company']], ['party'], {})
        parties = [company['party']] + [e['party'] for e in
            admin.company.employee.search_read(
                [], 0, None, None, ['party'], {})]
        parties += [c['party'] for c in admin.carrier.search_read(
                [], 0, None, None, ['party'], {})]
        before = self.sql("SELECT id, name, write_date FROM party_party")
        addresses = self.sql("SELECT COUNT(*) FROM party_address")
        rpc = self.rpc()
        for name, call in [
                ('write', lambda: rpc.party.party.write(
                        parties, {'name': 'Hacked'}, {})),
                ('create', lambda: rpc.party.party.create(
                        [{'name': 'Planted'}], {})),
                ('address', lambda: rpc.party.address.create([{
                                'party': company['party'],
                                'street': 'Elsewhere'}], {})),
                ('contact', lambda: rpc.party.contact_mechanism.create([{
                                'party': company['party'], 'type': 'email',
                                'value': 'spy@outside.example'}], {})),
                ('own party', lambda: rpc.party.party.write(
                        [admin.dms.dealer.read([self.dealers['D0001']],
                                ['party'], {})[0]['party']],
                        {'name': 'Renamed'}, {})),
                ]:
            with self.subTest(call=name):
                self.assertIn('not allowed', self.fault(call))
        self.assertEqual(
            self.sql("SELECT id, name, write_date FROM party_party"), before)
        self.assertEqual(
            self.sql("SELECT COUNT(*) FROM party_address"), addresses)

    def test_forged_identity_context(self):
        """Finding 8: a context naming a portal user of another dealer
        changes nothing: the intake's event is the integration's"""
        web_user, = self.admin.web.user.search(
            [('email', '=', VICTIM)], 0, 1, None, {})
        # A product D0001 orders
        line, = self.admin.sale.line.search_read([
                ('sale.dealer', '=', self.dealers['D0001']),
                ('product', '!=', None)], 0, 1, [('id', 'DESC')],
            ['product.code'], {})
        result, = self.rpc().dms.order.intake.submit([{
                    'dealer_code': 'D0001',
                    'external_reference': 'FORGED-CONTEXT-1',
                    'lines': [{'product_code': line['product.']['code'],
                            'quantity': 1}],
                    }], {'_dms_web_user': web_user,
                'dms_web_user': web_user})
        self.assertEqual(result['status'], 'accepted', result)
        events = self.admin.dms.order.event.search_read(
            [('sale', '=', result['sale'])], 0, None, None,
            ['origin', 'web_user', 'user'], {})
        self.assertTrue(events)
        for event in events:
            self.assertEqual(event['origin'], 'integration')
            self.assertIsNone(event['web_user'])
            self.assertEqual(event['user'], self.user_id)

    def test_rest_api_scoped(self):
        """Tryton's REST API (a validated application key of the
        integration account) is scoped the same way, whatever context its
        X-Tryton-Context header forges"""
        url = '%s/%s' % (self.server.url, self.server.database)

        def call(path, key=None, data=None, context=None, method=None):
            headers = {'Content-Type': 'application/json'}
            if key:
                headers['Authorization'] = 'Bearer ' + key
            if context:
                headers['X-Tryton-Context'] = base64.urlsafe_b64encode(
                    json.dumps(context).encode()).decode()
            request = urllib.request.Request(url + path, headers=headers,
                data=json.dumps(data).encode() if data else None,
                method=method)
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        key = call('/user/application/',
            data={'user': 'erp_d0001', 'application': 'rest'})
        application, = self.admin.res.user.application.search(
            [('user', '=', self.user_id)], 0, None, None, {})
        self.admin.res.user.application.validate_([application], {})
        web_user, = self.admin.web.user.search(
            [('email', '=', VICTIM)], 0, 1, None, {})
        domain = base64.urlsafe_b64encode(json.dumps(
                [['dealers.code', '=', 'D0005']]).encode()).decode()
        # Private context keys are dropped, as over RPC: the chat's own
        # "system" key does not let it post an internal note
        sale = self.order_of('D0001')
        with self.assertRaises(urllib.error.HTTPError) as cm:
            call('/rest/model/ir.chat.channel/post', key, data={
                    'resource': 'sale.sale,%s' % sale,
                    'content': 'Forged internal note',
                    'audience': 'internal'},
                context={'_dms_chat_system': True, 'user': 1})
        self.assertIn(cm.exception.code, {400, 403})
        self.assertEqual(self.sql(
                "SELECT COUNT(*) FROM ir_chat_message WHERE content = "
                "'Forged internal note'")[0][0], 0)
        # Nor does it pass for a portal user of another dealer
        line, = self.admin.sale.line.search_read([
                ('sale.dealer', '=', self.dealers['D0001']),
                ('product', '!=', None)], 0, 1, [('id', 'DESC')],
            ['product.code'], {})
        result, = call('/rest/model/dms.order.intake/submit', key, data={
                'orders': [{
                        'dealer_code': 'D0001',
                        'external_reference': 'REST-FORGED-1',
                        'lines': [{'product_code': line['product.']['code'],
                                'quantity': 1}]}]},
            context={'_dms_web_user': web_user})
        self.assertEqual(result['status'], 'accepted', result)
        events = self.admin.dms.order.event.search_read(
            [('sale', '=', result['sale'])], 0, None, None,
            ['origin', 'web_user'], {})
        self.assertTrue(events)
        self.assertEqual({(e['origin'], e['web_user']) for e in events},
            {('integration', None)})
        for context in [{}, {'_check_access': False},
                {'_dms_web_user': web_user}]:
            with self.subTest(context=context):
                dealers = call('/rest/model/dms.dealer?f=code', key,
                    context=context)
                self.assertEqual([d['code'] for d in dealers], ['D0001'])
                self.assertEqual(call(
                        '/rest/model/dms.territory?d=' + domain, key,
                        context=context), [])
                users = call(
                    '/rest/model/web.user?f=email&f=password_hash', key,
                    context=context)
                self.assertTrue(users)
                self.assertTrue(all(u['email'].startswith('d0001.')
                        for u in users), users)
                self.assertFalse([u for u in users if 'password_hash' in u])

    def test_bad_searches_answer_clearly(self):
        """Finding 10: orders and domains Tryton cannot run are refused with
        a clear message, never SQL; the database list is not given"""
        rpc = self.rpc()
        for order, domain in [
                ([('dealers.code', 'ASC')], []),
                ([('dealers', 'ASC')], []),
                ([('name', 'ASC; DROP TABLE party_party')], []),
                ([('nofield', 'ASC')], []),
                (None, [('nofield', '=', 1)]),
                (None, [('name', 'badop', 1)]),
                (None, [('dealers', 'where', [('nofield', '=', 1)])]),
                ]:
            with self.subTest(order=order, domain=domain):
                message = self.fault(lambda: rpc.dms.territory.search(
                        domain, 0, None, order, {}))
                self.assertRegex(message,
                    r'^(The search of|The records of) "(Territory|Dealer)"')
        root = xmlrpc.client.ServerProxy(self.server.url + '/rpc/')
        with self.assertRaises((xmlrpc.client.Fault,
                    xmlrpc.client.ProtocolError)):
            root.common.db.list()

    def test_body_size_limit(self):
        """Finding 10: an authenticated RPC body larger than the intake
        needs is refused (413) before it is read"""
        auth = base64.b64encode(
            ('erp_d0001:%s' % PASSWORD).encode()).decode()
        connection = http.client.HTTPConnection(
            '127.0.0.1', self.server.port, timeout=60)
        try:
            connection.putrequest(
                'POST', '/%s/rpc/' % self.server.database)
            connection.putheader('Content-Type', 'application/json')
            connection.putheader('Authorization', 'Basic ' + auth)
            connection.putheader('Content-Length', str(40 * 1024 * 1024))
            # Only the start of the body: the server answers without
            # waiting for the rest (Tryton's JSON-RPC tells "Unable to get
            # RPC method", a 400, for the 413 of its reader)
            connection.endheaders(b'{"id": 1, "method": "model.')
            response = connection.getresponse()
            self.assertIn(response.status, {400, 413})
            self.assertNotIn(b'"result"', response.read())
        finally:
            connection.close()
