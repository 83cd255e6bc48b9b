# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Every portal route against another dealer's data, on a real server with
the demo database: the administrator of dealer D0001 (the portal user with
the most rights) aims each route at records of dealer D0005 (an order, a
cart line, a portal user, an address, its feedback, a notification of its
inbox, a bulletin addressed to D0005 alone, and the files of these) or at a
product no dealer may order, and gets a 404 or a refusal, and D0005's data
stays the same.  A route with two ids gets D0005's record with its own file,
and D0001's own record with D0005's file.  The pages that list data show
nothing of D0005.  Without a session every page but the public ones leads
to the login.

The table ROUTES must name every portal route: a new route without an entry
fails test_every_route_is_covered.
"""
import re
import unittest

from tests.fixtures import DEMO_LOGINS, DemoServer

# rule: (methods, what it is aimed at: a key of foreign_records() or one
# per id of the rule, public)
ROUTES = {
    '/': (['GET'], None, False),
    '/<path:path>': (['GET', 'POST'], None, True),
    '/static/<path:filename>': (['GET'], None, True),
    '/login': (['GET', 'POST'], None, True),
    '/logout': (['POST'], None, True),
    '/language': (['POST'], None, True),
    '/reset-password': (['GET', 'POST'], None, True),
    '/reset-password/confirm': (['GET', 'POST'], None, True),
    '/catalogue': (['GET'], None, False),
    '/catalogue/<int:product_id>': (['GET'], 'product', False),
    '/catalogue/<int:product_id>/picture.jpg': (['GET'], 'product', False),
    '/cart': (['GET'], None, False),
    '/cart/add': (['POST'], None, False),
    '/cart/quick': (['POST'], None, False),
    '/cart/upload': (['POST'], None, False),
    '/cart/line': (['POST'], 'line', False),
    '/cart/checkout': (['POST'], 'address', False),
    '/orders': (['GET'], None, False),
    '/orders/export.xlsx': (['GET'], None, False),
    '/orders/<int:sale_id>': (['GET'], 'sale', False),
    '/orders/<int:sale_id>/order.pdf': (['GET'], 'sale', False),
    '/orders/<int:sale_id>/order.xlsx': (['GET'], 'sale', False),
    '/orders/<int:sale_id>/reorder': (['POST'], 'sale', False),
    '/orders/<int:sale_id>/received': (['POST'], 'sale', False),
    '/orders/<int:sale_id>/chat': (['POST'], 'sale', False),
    '/orders/<int:sale_id>/chat/messages': (['GET'], 'sale', False),
    '/orders/<int:sale_id>/files/<int:attachment_id>': (['GET'],
        ('sale', 'sale_file'), False),
    '/suggestions': (['GET'], None, False),
    '/suggestions/cart': (['POST'], None, False),
    '/account/users': (['GET'], None, False),
    '/account/users/invite': (['POST'], None, False),
    '/account/users/<int:user_id>': (['POST'], 'user', False),
    '/account/addresses': (['GET'], None, False),
    '/account/addresses/new': (['GET', 'POST'], None, False),
    '/account/addresses/<int:address_id>': (['GET', 'POST'], 'address',
        False),
    '/account/addresses/<int:address_id>/archive': (['POST'], 'address',
        False),
    '/bulletins': (['GET'], None, False),
    '/bulletins/<int:bulletin_id>': (['GET'], 'bulletin', False),
    '/bulletins/<int:bulletin_id>/read': (['POST'], 'bulletin', False),
    '/bulletins/<int:bulletin_id>/acknowledge': (['POST'], 'bulletin',
        False),
    '/bulletins/<int:bulletin_id>/chat': (['POST'], 'bulletin', False),
    '/bulletins/<int:bulletin_id>/chat/messages': (['GET'], 'bulletin', False),
    '/bulletins/<int:bulletin_id>/files/<int:attachment_id>': (['GET'],
        ('bulletin', 'bulletin_file'), False),
    '/feedback': (['GET'], None, False),
    '/feedback/new': (['GET', 'POST'], None, False),
    '/feedback/<int:feedback_id>': (['GET'], 'feedback', False),
    '/feedback/<int:feedback_id>/chat': (['POST'], 'feedback', False),
    '/feedback/<int:feedback_id>/chat/messages': (['GET'], 'feedback', False),
    '/feedback/<int:feedback_id>/files/<int:attachment_id>': (['GET'],
        ('feedback', 'feedback_file'), False),
    '/inbox': (['GET'], None, False),
    '/inbox/<int:notification_id>/open': (['POST'], 'notification', False),
    '/inbox/read': (['POST'], None, False),
    '/inbox/preferences': (['POST'], None, False),
    '/dashboard': (['GET'], None, False),
    '/dashboard/export.xlsx': (['GET'], None, False),
    '/campaigns': (['GET'], None, False),
    '/campaigns/<int:campaign_id>': (['GET'], 'campaign', False),
    '/campaigns/<int:campaign_id>/proposal': (['POST'], 'campaign', False),
    '/campaigns/<int:campaign_id>/decline': (['POST'], 'campaign', False),
    '/campaigns/<int:campaign_id>/activities': (['POST'], 'campaign',
        False),
    '/campaigns/<int:campaign_id>/chat': (['POST'], 'campaign', False),
    '/campaigns/<int:campaign_id>/chat/messages': (['GET'], 'campaign',
        False),
    '/campaigns/<int:campaign_id>/files/<int:attachment_id>': (['GET'],
        ('campaign', 'campaign_file'), False),
    '/fund': (['GET'], None, False),
    '/campaigns/<int:campaign_id>/claims': (['GET'], 'campaign', False),
    '/campaigns/<int:campaign_id>/claims/new': (['GET', 'POST'],
        'campaign', False),
    '/claims/<int:claim_id>': (['GET'], 'claim', False),
    '/claims/<int:claim_id>/chat': (['POST'], 'claim', False),
    '/claims/<int:claim_id>/chat/messages': (['GET'], 'claim', False),
    '/claims/<int:claim_id>/files/<int:attachment_id>': (['GET'],
        ('claim', 'claim_file'), False),
    }
# Routes with a record and one of its files: D0001's own record with the
# file of D0005's record (rule: (own record, file of foreign_records()))
OWN_WITH_FOREIGN_FILE = {
    '/orders/<int:sale_id>/files/<int:attachment_id>': (
        'own_sale', 'sale_file'),
    '/bulletins/<int:bulletin_id>/files/<int:attachment_id>': (
        'own_bulletin', 'bulletin_file'),
    '/feedback/<int:feedback_id>/files/<int:attachment_id>': (
        'own_feedback', 'feedback_file'),
    '/campaigns/<int:campaign_id>/files/<int:attachment_id>': (
        'own_campaign', 'campaign_file'),
    }
PREFIX = '/<database_name>/portal'


def portal_rules():
    "The portal's routes as registered in Tryton's WSGI application"
    import dms_portal.routes  # noqa: F401
    import dms_communication.routes  # noqa: F401
    import dms_orders.routes  # noqa: F401
    import dms_reports.routes  # noqa: F401
    import dms_campaigns.routes  # noqa: F401
    from trytond.wsgi import app
    rules = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX):
            rules[rule.rule[len(PREFIX):] or '/'] = sorted(
                rule.methods - {'HEAD', 'OPTIONS'})
    return rules


class RouteTableTestCase(unittest.TestCase):
    "The isolation table names every portal route"

    def test_every_route_is_covered(self):
        rules = portal_rules()
        self.assertEqual(sorted(set(rules) - set(ROUTES)), [],
            "portal routes without an isolation entry in ROUTES")
        self.assertEqual(sorted(set(ROUTES) - set(rules)), [],
            "entries of ROUTES for routes that do not exist")
        for rule, methods in rules.items():
            self.assertEqual(methods, sorted(ROUTES[rule][0]), rule)


class PortalServerTestCase(unittest.TestCase):
    """A demo server and HTTP clients of its portal; subclasses prepare
    their data in setUpData()"""

    @classmethod
    def setUpClass(cls):
        from playwright.sync_api import sync_playwright
        cls.server = DemoServer()
        cls.playwright = None
        try:
            cls.server.start()
            cls.playwright = sync_playwright().start()
            cls.base = '%s/%s/portal' % (cls.server.url, cls.server.database)
            cls.admin = cls.server.session_rpc(*DEMO_LOGINS['admin']).model
            cls.setUpData()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def setUpData(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        if cls.playwright:
            cls.playwright.stop()
        cls.server.stop()

    @classmethod
    def client(cls, login=None):
        "An HTTP client (cookies kept), signed in as login"
        client = cls.playwright.request.new_context(max_redirects=0)
        client.get(cls.base + '/login')
        if login:
            email, password = DEMO_LOGINS[login]
            response = cls.post(client, '/login', email=email,
                password=password)
            assert response.status == 303, response.status
        return client

    @staticmethod
    def csrf(client):
        cookies = {c['name']: c['value']
            for c in client.storage_state()['cookies']}
        return cookies.get('dms_portal_csrf', '')

    @classmethod
    def post(cls, client, path, **form):
        return client.post(cls.base + path, form={
                'csrf_token': cls.csrf(client), **form})


class PortalIsolationTestCase(PortalServerTestCase):
    "A dealer's administrator aims every route at another dealer's data"

    @classmethod
    def setUpData(cls):
        # A product that no dealer may order
        template, = cls.admin.product.template.search_read(
            [('products.code', '=', 'AC-1001')], 0, 1, None, ['id'], {})
        copy, = cls.admin.product.template.copy([template['id']], {
                'dms_orderable': False, 'code': 'NOT-FOR-DEALERS'}, {})
        cls.hidden_product, = cls.admin.product.product.search(
            [('template', '=', copy)], 0, 1, None, {})
        # D0005 has a cart: its admin orders by the portal
        other = cls.client('d0005.admin')
        response = cls.post(other, '/cart/quick', lines='AC-1001 1')
        assert response.status == 200, response.status
        cls.add_claim()
        cls.foreign = cls.foreign_records()

    @classmethod
    def add_claim(cls):
        "A claim of D0005 with its proof on its approved participation"
        import xmlrpc.client

        from tests.test_browser_communication import png
        admin = cls.admin
        participation, = admin.dms.campaign.participation.search([
                ('dealer.code', '=', 'D0005'), ('state', '=', 'approved'),
                ], 0, 1, [('id', 'ASC')], {})
        claim, = admin.dms.campaign.claim.create([{
                    'participation': participation,
                    'amount': 100,
                    'description': "Claim of D0005 for its demonstrations",
                    }], {})
        cls.claim = claim
        cls.claim_file, = admin.ir.attachment.create([{
                    'name': 'd0005-claim-proof.png',
                    'resource': 'dms.campaign.claim,%s' % claim,
                    'type': 'data', 'dms_shared': True,
                    'data': xmlrpc.client.Binary(png()),
                    }], {})

    @classmethod
    def foreign_records(cls):
        """Ids and texts of D0005's records (and of the bulletins D0001 may
        not read), and the ids of D0001's own records with files"""
        admin = cls.admin
        dealers = {d['code']: d for d in admin.dms.dealer.search_read(
                [('code', 'in', ['D0001', 'D0005'])], 0, None, None,
                ['code', 'party'], {})}
        dealer, own = dealers['D0005'], dealers['D0001']
        sales = admin.sale.sale.search_read(
            [('dealer', '=', dealer['id'])], 0, None, [('id', 'ASC')],
            ['state', 'lines', 'number', 'external_reference'], {})
        cart, = [s for s in sales if s['state'] == 'draft']
        users = admin.web.user.search_read(
            [('dealer', '=', dealer['id'])], 0, None, None, ['email'], {})
        addresses = admin.party.address.search_read(
            [('party', '=', dealer['party'])], 0, None, None,
            ['street'], {})
        feedback = admin.dms.feedback.search_read(
            [('dealer', '=', dealer['id'])], 0, None, [('id', 'ASC')],
            ['subject'], {})
        # The bulletins of other dealers: D0001 has no receipt of them
        readable = {r['bulletin'] for r in admin.dms.bulletin.receipt
            .search_read([('dealer', '=', own['id'])], 0, None, None,
                ['bulletin'], {})}
        bulletins = [b for b in admin.dms.bulletin.search_read(
                [('state', '=', 'published')], 0, None, [('id', 'ASC')],
                ['title', 'audience', 'dealers'], {})
            if b['id'] not in readable]
        only, = [b for b in bulletins if b['audience'] == 'dealers'
            and b['dealers'] == [dealer['id']]]
        files = admin.ir.attachment.search_read(
            [('resource', 'in', cls.resources(dealer['id'])
                    + ['dms.bulletin,%s' % only['id']])],
            0, None, [('id', 'ASC')], ['name', 'resource', 'dms_shared'], {})
        file_of = {}
        for file in files:
            model = file['resource'].split(',')[0]
            file_of.setdefault(model, file)
        sale_file = file_of['sale.sale']
        feedback_file = file_of['dms.feedback']
        messages = admin.ir.chat.message.search_read(
            [('channel.resource', 'in', cls.resources(dealer['id']))],
            0, None, None, ['content'], {})
        notification = admin.dms.dealer.notification.search(
            [('dealer', '=', dealer['id'])], 0, 1, [('id', 'ASC')], {})
        own_sale = admin.sale.sale.search(
            [('dealer', '=', own['id']), ('state', '!=', 'draft')],
            0, 1, [('id', 'ASC')], {})
        own_feedback = admin.dms.feedback.search(
            [('dealer', '=', own['id'])], 0, 1, [('id', 'ASC')], {})
        # A bulletin to all dealers with a file
        own_bulletin_file = admin.ir.attachment.search_read(
            [('resource', 'in', ['dms.bulletin,%s' % i for i in readable])],
            0, 1, [('id', 'ASC')], ['resource'], {})
        assert feedback and messages and notification, (
            "the demo has feedback, messages and notifications of D0005")
        assert own_sale and own_feedback and own_bulletin_file, (
            "the demo has an order, feedback and a bulletin of D0001")
        # A campaign of D0005 that D0001 takes no part in, with the files
        # of the campaign and of D0005's activities; one of D0001's
        own_campaigns = admin.dms.campaign.participation.search_read(
            [('dealer', '=', own['id'])], 0, None, None, ['campaign'], {})
        campaign, = admin.dms.campaign.search_read([
                ('participations.dealer', '=', dealer['id']),
                ('id', 'not in', [p['campaign'] for p in own_campaigns]),
                ], 0, 1, [('id', 'ASC')], ['name'], {})
        activities = ['dms.campaign.activity,%s' % a
            for a in admin.dms.campaign.activity.search(
                [('participation.dealer', '=', dealer['id'])],
                0, None, None, {})]
        campaign_files = admin.ir.attachment.search_read(['OR',
                ('resource', '=', 'dms.campaign,%s' % campaign['id']),
                ('resource', 'in', activities),
                ], 0, None, [('id', 'ASC')], ['name', 'resource'], {})
        assert own_campaigns and len({f['resource'].split(',')[0]
                for f in campaign_files}) == 2, (
            "the demo has campaigns of D0001, and one of D0005 without "
            "D0001 with a file and an activity's photo")
        # The claim of add_claim
        claim, = admin.dms.campaign.claim.read(
            [cls.claim], ['description'], {})
        claim_file, = admin.ir.attachment.read(
            [cls.claim_file], ['name'], {})
        return {
            'claim': claim['id'],
            'claim_file': claim_file['id'],
            'product': cls.hidden_product,
            'dealer': dealer['id'],
            # The order with a file
            'sale': int(sale_file['resource'].split(',')[1]),
            'sale_file': sale_file['id'],
            'line': cart['lines'][0],
            'user': users[0]['id'],
            'address': addresses[0]['id'],
            'bulletin': only['id'],
            'bulletin_file': file_of['dms.bulletin']['id'],
            'feedback': int(feedback_file['resource'].split(',')[1]),
            'feedback_file': feedback_file['id'],
            'notification': notification[0],
            'own_sale': own_sale[0],
            'own_feedback': own_feedback[0],
            'own_bulletin': int(
                own_bulletin_file[0]['resource'].split(',')[1]),
            'own_bulletin_file': own_bulletin_file[0]['id'],
            'campaign': campaign['id'],
            'campaign_file': campaign_files[-1]['id'],
            'own_campaign': own_campaigns[0]['campaign'],
            'texts': [s['external_reference'] for s in sales
                if s['external_reference']]
            + [u['email'] for u in users]
            + [a['street'].splitlines()[0] for a in addresses]
            + [f['subject'] for f in feedback]
            + [b['title'] for b in bulletins]
            + [m['content'].splitlines()[0] for m in messages]
            + [f['name'] for f in files]
            + [campaign['name']] + [f['name'] for f in campaign_files]
            + [claim['description'], claim_file['name']],
            }

    @classmethod
    def resources(cls, dealer):
        """The records of the dealer that have a conversation or files in
        the portal: orders, feedback, receipts of bulletins"""
        admin = cls.admin
        return ['%s,%s' % (model, i) for model, domain in [
                ('sale.sale', [('dealer', '=', dealer)]),
                ('dms.feedback', [('dealer', '=', dealer)]),
                ('dms.bulletin.receipt', [('dealer', '=', dealer)]),
                ('dms.campaign.participation', [('dealer', '=', dealer)]),
                ('dms.campaign.activity', [
                        ('participation.dealer', '=', dealer)]),
                ('dms.campaign.claim', [('dealer', '=', dealer)]),
                ]
            for i in getattr(admin, model).search(
                domain, 0, None, [('id', 'ASC')], {})]

    def snapshot(self):
        """What D0005 has: orders and their lines, users, addresses,
        feedback, conversations and files, receipts of bulletins (and the
        receipts of the bulletin addressed to D0005 alone), notifications"""
        admin = self.admin
        dealer = self.foreign['dealer']
        with_inactive = {'active_test': False}
        resources = self.resources(dealer)
        return (
            admin.sale.sale.search_read([('dealer', '=', dealer)], 0, None,
                [('id', 'ASC')], ['state', 'external_reference',
                    'untaxed_amount', 'shipment_address'], {}),
            admin.sale.line.search_read(
                [('sale.dealer', '=', dealer)], 0, None, [('id', 'ASC')],
                ['quantity', 'product', 'sale'], {}),
            admin.web.user.search_read([('dealer', '=', dealer)], 0, None,
                [('id', 'ASC')], ['email', 'dealer_role', 'active',
                    'dms_email_off'], with_inactive),
            admin.party.address.search_read(
                [('party.dms_dealers', '=', dealer)], 0, None,
                [('id', 'ASC')], ['street', 'city', 'active'],
                with_inactive),
            admin.dms.feedback.search_read([('dealer', '=', dealer)], 0,
                None, [('id', 'ASC')], ['state', 'subject', 'description',
                    'answer', 'write_date'], {}),
            admin.ir.chat.message.search_read(
                [('channel.resource', 'in', resources)], 0, None,
                [('id', 'ASC')], ['channel', 'content', 'audience', 'email',
                    'user'], {}),
            admin.ir.attachment.search_read(
                [('resource', 'in', resources)], 0, None, [('id', 'ASC')],
                ['name', 'resource', 'dms_shared', 'write_date'], {}),
            admin.dms.bulletin.receipt.search_read(['OR',
                    ('dealer', '=', dealer),
                    ('bulletin', '=', self.foreign['bulletin']),
                    ], 0, None, [('id', 'ASC')],
                ['bulletin', 'dealer', 'read_at', 'read_by',
                    'acknowledged_at', 'acknowledged_by'], {}),
            admin.dms.dealer.notification.search_read(
                [('dealer', '=', dealer)], 0, None, [('id', 'ASC')],
                ['user', 'kind', 'resource', 'read_at'], {}),
            admin.dms.campaign.participation.search_read(
                [('dealer', '=', dealer)], 0, None, [('id', 'ASC')],
                ['state', 'plan', 'requested_budget', 'decline_reason',
                    'activities', 'write_date'], {}))

    def path(self, rule, target):
        """The rule with the id of foreign_records() in its placeholders:
        target is one key for all or one key per placeholder"""
        keys = iter([target] * rule.count('<int:')
            if isinstance(target, str) else target)
        path = re.sub(r'<int:\w+>',
            lambda match: str(self.foreign[next(keys)]), rule)
        self.assertIsNone(next(keys, None), rule)
        return path

    def test_foreign_records(self):
        "Every route aimed at another dealer's record is a 404 or refused"
        client = self.client('d0001.admin')
        # Something in the cart so that the checkout reaches its checks
        self.post(client, '/cart/quick', lines='AC-1001 1')
        before = self.snapshot()
        own_orders = len(self.admin.sale.sale.search(
                [('dealer.code', '=', 'D0001')], 0, None, None, {}))
        checked = set()
        for rule, (methods, target, public) in ROUTES.items():
            if not target:
                continue
            path = self.path(rule, target)
            for method in methods:
                with self.subTest(rule=rule, method=method):
                    form = {
                        '/cart/line': {
                            'line': str(self.foreign['line']),
                            'quantity': '5', 'action': 'update'},
                        '/cart/checkout': {
                            'reference': 'ISOLATION-1',
                            'delivery_address': str(
                                self.foreign['address'])},
                        }.get(rule, {
                            'action': 'deactivate', 'role': 'viewer',
                            'street': 'Taken over', 'city': 'Nowhere',
                            'country': '1', 'content': 'Taken over'})
                    if method == 'GET':
                        response = client.get(self.base + path)
                    else:
                        response = self.post(client, path, **form)
                    if rule == '/cart/checkout':
                        # Not a record of the URL: the form is refused
                        self.assertEqual(response.status, 400)
                        self.assertIn('delivery address', response.text())
                    else:
                        self.assertEqual(response.status, 404)
                        self.assertNotIn('Traceback', response.text())
                    checked.add(rule)
        self.assertEqual(checked, {r for r, (_, t, _) in ROUTES.items() if t})
        # D0001's own record with D0005's file
        for rule, target in OWN_WITH_FOREIGN_FILE.items():
            with self.subTest(rule=rule, target=target):
                response = client.get(self.base + self.path(rule, target))
                self.assertEqual(response.status, 404)
                self.assertNotIn('Traceback', response.text())
        # What D0001 does to all of its own inbox
        for path, form in [
                ('/inbox/read', {}),
                ('/inbox/preferences', {'email': 'chat'})]:
            with self.subTest(path=path):
                self.assertEqual(
                    self.post(client, path, **form).status, 303)
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(len(self.admin.sale.sale.search(
                    [('dealer.code', '=', 'D0001')], 0, None, None, {})),
            own_orders)

    def test_targets_are_real(self):
        """The records and files aimed at are there: D0005 opens them, and
        D0001 opens its own ones"""
        for login, paths in [
                ('d0005.admin', [
                        self.path(rule, target)
                        for rule, (methods, target, _) in ROUTES.items()
                        if 'GET' in methods and target
                        and rule.startswith(('/bulletins', '/feedback',
                                '/orders/<int:sale_id>/files',
                                '/campaigns/', '/claims/'))]),
                ('d0001.admin', [path % self.foreign for path in [
                            '/orders/%(own_sale)s',
                            '/feedback/%(own_feedback)s',
                            '/bulletins/%(own_bulletin)s',
                            '/bulletins/%(own_bulletin)s/files/'
                            '%(own_bulletin_file)s',
                            '/campaigns/%(own_campaign)s']])]:
            client = self.client(login)
            self.assertTrue(paths)
            for path in paths:
                with self.subTest(login=login, path=path):
                    response = client.get(self.base + path)
                    self.assertEqual(response.status, 200)
                    if '/files/' in path:
                        self.assertTrue(response.body().startswith(
                                (b'%PDF-', b'\x89PNG')))

    def test_lists_show_nothing_of_others(self):
        "The pages and downloads that list data show only the dealer's own"
        client = self.client('d0001.admin')
        texts = self.foreign['texts']
        self.assertTrue(texts)
        for rule, (methods, target, public) in ROUTES.items():
            if target or public or 'GET' not in methods:
                continue
            with self.subTest(rule=rule):
                response = client.get(self.base + rule)
                self.assertEqual(response.status, 200)
                body = response.body()
                if rule.endswith('.xlsx'):
                    import io
                    import openpyxl
                    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
                    body = '\n'.join(str(c.value) for row in
                        sheet.iter_rows() for c in row)
                else:
                    body = body.decode()
                for text in texts:
                    self.assertNotIn(text, body)
                self.assertNotIn('D0005', body)

    def test_no_session(self):
        "Without a session, every page but the public ones asks to sign in"
        client = self.client()
        for rule, (methods, target, public) in ROUTES.items():
            if public:
                continue
            path = self.path(rule, target) if target else rule
            for method in methods:
                with self.subTest(rule=rule, method=method):
                    if method == 'GET':
                        response = client.get(self.base + path)
                    else:
                        response = self.post(client, path)
                    self.assertEqual(response.status, 303)
                    self.assertIn('/portal/login',
                        response.headers['location'])

    def test_viewer(self):
        "A viewer sees its dealer's data but cannot order nor administer"
        client = self.client()
        viewer = self.admin.web.user.search_read(
            [('email', '=', DEMO_LOGINS['d0001.buyer'][0])], 0, 1, None,
            ['id'], {})
        self.assertTrue(viewer)
        self.admin.web.user.write([viewer[0]['id']],
            {'dealer_role': 'viewer'}, {})
        try:
            client = self.client('d0001.buyer')
            own_sale = self.admin.sale.sale.search(
                [('dealer.code', '=', 'D0001'), ('state', '!=', 'draft')],
                0, 1, None, {})[0]
            for path in ['/', '/catalogue', '/cart', '/orders', '/suggestions',
                    '/bulletins', '/feedback', '/feedback/new', '/inbox',
                    '/orders/%s' % own_sale,
                    '/orders/%s/order.pdf' % own_sale, '/campaigns',
                    '/campaigns/%s' % self.foreign['own_campaign']]:
                with self.subTest(path=path):
                    self.assertEqual(
                        client.get(self.base + path).status, 200)
            for method, path, form in [
                    ('POST', '/cart/add', {
                            'product_code': 'AC-1001', 'quantity': '1'}),
                    ('POST', '/cart/quick', {'lines': 'AC-1001 1'}),
                    ('POST', '/cart/checkout', {'reference': 'VIEW-1'}),
                    ('POST', '/orders/%s/reorder' % own_sale, {}),
                    ('POST', '/orders/%s/received' % own_sale, {}),
                    ('POST', '/suggestions/cart', {}),
                    ('POST', '/campaigns/%s/proposal'
                        % self.foreign['own_campaign'], {'plan': 'Spy'}),
                    ('POST', '/campaigns/%s/decline'
                        % self.foreign['own_campaign'], {'reason': 'Spy'}),
                    ('GET', '/account/users', {}),
                    ('GET', '/account/addresses', {}),
                    ('POST', '/account/users/invite', {
                            'email': 'spy@example.com', 'role': 'admin'})]:
                with self.subTest(path=path):
                    response = (client.get(self.base + path)
                        if method == 'GET'
                        else self.post(client, path, **form))
                    self.assertEqual(response.status, 404)
        finally:
            self.admin.web.user.write([viewer[0]['id']],
                {'dealer_role': 'buyer'}, {})
