# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Every portal route against another dealer's data, on a real server with
the demo database: the administrator of dealer D0001 (the portal user with
the most rights) aims each route at records of dealer D0005 (an order, a
cart line, a portal user, an address) or at a product no dealer may order,
and gets a 404 or a refusal, and
D0005's data stays the same.  The pages that list data show nothing of
D0005.  Without a session every page but the public ones leads to the login.

The table ROUTES must name every portal route: a new route without an entry
fails test_every_route_is_covered.
"""
import re
import unittest

from tests.fixtures import DEMO_LOGINS, DemoServer

# rule: (methods, what it is aimed at, public)
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
    }
PREFIX = '/<database_name>/portal'


def portal_rules():
    "The portal's routes as registered in Tryton's WSGI application"
    import dms_dealer.routes  # noqa: F401
    import dms_orders.routes  # noqa: F401
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


class PortalIsolationTestCase(unittest.TestCase):
    "A dealer's administrator aims every route at another dealer's data"

    @classmethod
    def setUpClass(cls):
        from playwright.sync_api import sync_playwright
        cls.server = DemoServer()
        cls.playwright = None
        try:
            cls.server.start()
            cls.playwright = sync_playwright().start()
            cls.base = '%s/%s/portal' % (cls.server.url, cls.server.database)
            cls.admin = cls.server.rpc(*DEMO_LOGINS['admin']).model
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
            cls.foreign = cls.foreign_records()
        except BaseException:
            cls.tearDownClass()
            raise

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

    @classmethod
    def foreign_records(cls):
        "Ids and texts of D0005's records"
        admin = cls.admin
        dealer, = admin.dms.dealer.search_read(
            [('code', '=', 'D0005')], 0, 1, None, ['party'], {})
        sales = admin.sale.sale.search_read(
            [('dealer', '=', dealer['id'])], 0, None, [('id', 'ASC')],
            ['state', 'lines', 'number', 'external_reference'], {})
        cart, = [s for s in sales if s['state'] == 'draft']
        order = [s for s in sales if s['state'] != 'draft'][0]
        users = admin.web.user.search_read(
            [('dealer', '=', dealer['id'])], 0, None, None, ['email'], {})
        addresses = admin.party.address.search_read(
            [('party', '=', dealer['party'])], 0, None, None,
            ['street'], {})
        return {
            'product': cls.hidden_product,
            'dealer': dealer['id'],
            'sale': order['id'],
            'line': cart['lines'][0],
            'user': users[0]['id'],
            'address': addresses[0]['id'],
            'texts': [s['external_reference'] for s in sales
                if s['external_reference']]
            + [u['email'] for u in users]
            + [a['street'].splitlines()[0] for a in addresses],
            }

    def snapshot(self):
        "What D0005 has: orders and their lines, users, addresses"
        admin = self.admin
        dealer = self.foreign['dealer']
        with_inactive = {'active_test': False}
        return (
            admin.sale.sale.search_read([('dealer', '=', dealer)], 0, None,
                [('id', 'ASC')], ['state', 'external_reference',
                    'untaxed_amount', 'shipment_address'], {}),
            admin.sale.line.search_read(
                [('sale.dealer', '=', dealer)], 0, None, [('id', 'ASC')],
                ['quantity', 'product', 'sale'], {}),
            admin.web.user.search_read([('dealer', '=', dealer)], 0, None,
                [('id', 'ASC')], ['email', 'dealer_role', 'active'],
                with_inactive),
            admin.party.address.search_read(
                [('party.dms_dealers', '=', dealer)], 0, None,
                [('id', 'ASC')], ['street', 'city', 'active'],
                with_inactive))

    def path(self, rule, target):
        return re.sub(r'<int:\w+>', str(self.foreign[target]), rule)

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
                            'country': '1'})
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
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(len(self.admin.sale.sale.search(
                    [('dealer.code', '=', 'D0001')], 0, None, None, {})),
            own_orders)

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
                    '/orders/%s' % own_sale,
                    '/orders/%s/order.pdf' % own_sale]:
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
