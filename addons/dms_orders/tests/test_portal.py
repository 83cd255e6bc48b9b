# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"The portal catalogue, cart and checkout over real HTTP requests"
import re
from decimal import Decimal
from http import HTTPStatus

from dms_dealer.tests.tools import PortalTranslationTestMixin
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, RouteTestCase
from trytond.transaction import Transaction, TransactionError

from .test_intake import IntakeTestMixin

PASSWORD = 'portal-secret-1'


class CatalogueTestCase(PortalTranslationTestMixin, RouteTestCase):
    "Test the portal catalogue"
    module = 'dms_orders'

    @classmethod
    def setUpClass(cls):
        # As RouteTestCase but retried with the locks the setup asks for
        route_test_case = next(
            c for c in cls.__mro__ if c.__name__ == 'RouteTestCase')
        super(route_test_case, cls).setUpClass()
        extras = {}
        while True:
            with Transaction().start(DB_NAME, 1, **extras) as transaction:
                try:
                    cls.setUpDatabase()
                except TransactionError as exception:
                    transaction.rollback()
                    exception.fix(extras)
                    continue
            break

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Template = pool.get('product.template')
        WebUser = pool.get('web.user')
        IntakeTestMixin.setup_network(cls)
        AC = cls.products['AC-1'].template
        Template.copy([AC] * 30, default={
                'name': lambda data: data['name'] + ' copy',
                'code': None,
                })
        Template.write([cls.products['FR-1'].template], {
                'name': 'Fridge <script>alert(1)</script>'})
        WebUser.create([{
                    'email': email, 'password': PASSWORD,
                    'dealer': dealer.id, 'dealer_role': role,
                    } for email, dealer, role in [
                    ('buyer@a.example.com', cls.dealer_a, 'buyer'),
                    ('other@a.example.com', cls.dealer_a, 'buyer'),
                    ('viewer@a.example.com', cls.dealer_a, 'viewer'),
                    ('buyer@b.example.com', cls.dealer_b, 'buyer'),
                    ('second@b.example.com', cls.dealer_b, 'buyer')]])

    def url(self, path=''):
        return '/%s/portal/%s' % (self.db_name, path)

    def client_for(self, email):
        client = self.client()
        client.get(self.url('login'))
        csrf = client.get_cookie('dms_portal_csrf', path=self.url()).value
        response = client.post(self.url('login'), data={
                'email': email, 'password': PASSWORD, 'csrf_token': csrf})
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        return client

    def rows(self, html):
        return re.findall(
            r'<td data-label="Code">([^<]*)</td>\s*'
            r'<td data-label="Product">([^<]*)</td>\s*'
            r'<td data-label="Your price" class="num">([^<]*)</td>', html)

    def test_login_required(self):
        "The catalogue needs a session"
        response = self.client().get(self.url('catalogue'))
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)

    def test_prices_and_scope(self):
        "Each dealer sees its orderable products at its tier price"
        html = self.client_for('buyer@a.example.com').get(
            self.url('catalogue?q=AC-1')).get_data(as_text=True)
        (code, name, price), = self.rows(html)
        self.assertEqual((code, name), ('AC-1', 'Air conditioner'))
        # List price 1000 with the Gold price list (80%)
        self.assertTrue(price.endswith(' 800.00'), price)
        self.assertRegex(html, r'class="ok">\d+ available<')

        client_b = self.client_for('buyer@b.example.com')
        html = client_b.get(self.url('catalogue?q=AC-1')).get_data(
            as_text=True)
        # Silver price list: 90%
        self.assertTrue(self.rows(html)[0][2].endswith(' 900.00'))

        codes_a = {r[0] for r in self.rows(self.client_for(
                    'buyer@a.example.com').get(
                    self.url('catalogue?q=-')).get_data(as_text=True))}
        codes_b = {r[0] for r in self.rows(client_b.get(
                    self.url('catalogue?q=-')).get_data(as_text=True))}
        self.assertIn('GOLD-ONLY', codes_a)
        self.assertNotIn('GOLD-ONLY', codes_b)
        self.assertNotIn('OFF', codes_a | codes_b)

    def test_search_and_pages(self):
        "Search by name or code, 24 products a page"
        client = self.client_for('buyer@a.example.com')
        html = client.get(self.url('catalogue?q=copy')).get_data(
            as_text=True)
        self.assertIn('30 products', html)
        self.assertEqual(len(self.rows(html)), 24)
        self.assertIn('Page 1 of 2', html)
        html = client.get(self.url('catalogue?q=copy&page=2')).get_data(
            as_text=True)
        self.assertEqual(len(self.rows(html)), 6)
        html = client.get(self.url('catalogue?q=fridge')).get_data(
            as_text=True)
        self.assertEqual([r[0] for r in self.rows(html)], ['FR-1'])

    def test_escaped(self):
        "Product names are escaped"
        html = self.client_for('buyer@a.example.com').get(
            self.url('catalogue?q=FR-1')).get_data(as_text=True)
        self.assertIn('Fridge &lt;script&gt;', html)
        self.assertNotIn('<script>alert', html)

    def test_bad_parameters(self):
        "Odd parameters give a page, never an error"
        client = self.client_for('buyer@a.example.com')
        for query in ['page=abc', 'page=-3', 'page=99999', 'category=x',
                'category=-1', 'q=' + 'x' * 5000, "q=%27%22%3B--",
                'q=%25', 'q=_']:
            with self.subTest(query=query):
                response = client.get(self.url('catalogue?' + query))
                self.assertEqual(response.status_code, HTTPStatus.OK)


    def csrf(self, client):
        return client.get_cookie('dms_portal_csrf', path=self.url()).value

    def post(self, client, path, **data):
        return client.post(self.url(path),
            data={'csrf_token': self.csrf(client), **data})

    def cart_codes(self, client):
        html = client.get(self.url('cart')).get_data(as_text=True)
        section = html.split('id="cart-lines"', 1)[-1].split('</table>')[0]
        return re.findall(
            r'<td data-label="Code">([^<]*)</td>', section) \
            if 'id="cart-lines"' in html else []

    def sales(self, **domain):
        with Transaction().start(self.db_name, 0):
            Sale = Pool().get('sale.sale')
            return [(s.id, s.state, s.external_reference,
                    s.web_user.email if s.web_user else None,
                    [(l.product.code, l.quantity) for l in s.lines])
                for s in Sale.search([
                        (k, '=', v) for k, v in domain.items()],
                    order=[('id', 'ASC')])]

    def test_cart_and_checkout(self):
        "Add to the cart, quick order, fix a line and check out"
        client = self.client_for('other@a.example.com')
        response = self.post(client, 'cart/add', product_code='AC-1',
            quantity='1', next=self.url('catalogue'))
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertEqual(response.location, self.url('catalogue'))
        self.post(client, 'cart/add', product_code='AC-1', quantity='1')
        html = self.post(client, 'cart/quick', lines=(
                "FR-1, 4\nNOPE 1\nFR-1 3\n\nGOLD-ONLY;abc\nOFF 1")
            ).get_data(as_text=True)
        report = html.split('id="quick-report"')[1].split('</table>')[0]
        self.assertEqual(report.count('Added'), 1)
        self.assertIn('Unknown product code', report)
        self.assertIn('multiples of 2', report)
        self.assertIn('greater than zero', report)
        self.assertIn('cannot be ordered', report)
        self.assertEqual(self.cart_codes(client), ['AC-1', 'FR-1'])
        cart, = self.sales(**{'web_user.email': 'other@a.example.com'}, state='draft')
        self.assertEqual(cart[4], [('AC-1', 2), ('FR-1', 4)])

        # A wrong quantity is refused on its line
        line_id = self.cart_line_ids(cart[0])[1]
        response = self.post(client, 'cart/line', line=str(line_id),
            quantity='3', action='update')
        self.assertEqual(response.status_code, HTTPStatus.BAD_REQUEST)
        self.assertIn('multiples of 2', response.get_data(as_text=True))
        self.post(client, 'cart/line', line=str(line_id), quantity='6',
            action='update')
        cart, = self.sales(**{'web_user.email': 'other@a.example.com'}, state='draft')
        self.assertEqual(cart[4], [('AC-1', 2), ('FR-1', 6)])

        response = self.post(client, 'cart/checkout', reference='PO-WEB-1',
            note='<b>leave at gate</b>')
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        order_url = response.location
        html = client.get(order_url).get_data(as_text=True)
        self.assertIn('Your order is submitted', html)
        self.assertIn('PO-WEB-1', html)
        self.assertIn('&lt;b&gt;leave at gate&lt;/b&gt;', html)
        self.assertEqual(self.sales(**{'web_user.email': 'other@a.example.com'},
                state='draft'), [])
        order, = self.sales(external_reference='PO-WEB-1')
        self.assertEqual(order[1:4],
            ('quotation', 'PO-WEB-1', 'other@a.example.com'))
        self.assertEqual(self.cart_codes(client), [])

        # The same reference again is refused and nothing is created
        self.post(client, 'cart/add', product_code='AC-1', quantity='1')
        response = self.post(client, 'cart/checkout', reference='PO-WEB-1')
        self.assertEqual(response.status_code, HTTPStatus.BAD_REQUEST)
        self.assertIn('You already used the reference',
            response.get_data(as_text=True))
        self.assertEqual(len(self.sales(external_reference='PO-WEB-1')), 1)
        self.assertEqual(self.cart_codes(client), ['AC-1'])

    def cart_line_ids(self, sale_id):
        with Transaction().start(self.db_name, 0):
            Sale = Pool().get('sale.sale')
            return [l.id for l in Sale(sale_id).lines]

    def test_checkout_refused_keeps_cart(self):
        "A refused checkout shows the problem and saves nothing"
        client = self.client_for('buyer@b.example.com')
        self.post(client, 'cart/quick', lines="AC-1 1")
        before = self.sales(dealer=self.dealer_b.id)
        # B buys at 900: over a credit limit set below
        with Transaction().start(self.db_name, 0) as transaction:
            Tier = Pool().get('dms.dealer.tier')
            Tier.write([Tier(self.silver.id)],
                {'credit_limit_amount': Decimal(500)})
            transaction.commit()
        try:
            response = self.post(client, 'cart/checkout', reference='B-1')
            self.assertEqual(response.status_code, HTTPStatus.BAD_REQUEST)
            self.assertIn('over its credit limit',
                response.get_data(as_text=True))
            self.assertEqual(self.sales(dealer=self.dealer_b.id), before)
        finally:
            with Transaction().start(self.db_name, 0) as transaction:
                Tier = Pool().get('dms.dealer.tier')
                Tier.write([Tier(self.silver.id)],
                    {'credit_limit_amount': None})
                transaction.commit()
        response = self.post(client, 'cart/checkout', reference='',
            requested_date='2001-01-01')
        html = response.get_data(as_text=True)
        self.assertIn('reference of at most', html)
        self.assertIn('in the past', html)

    def test_viewer_cannot_order(self):
        "A viewer sees the catalogue without ordering"
        client = self.client_for('viewer@a.example.com')
        html = client.get(self.url('catalogue')).get_data(as_text=True)
        self.assertNotIn('cart/add', html)
        for path, data in [('cart/add', {'product_code': 'AC-1',
                        'quantity': '1'}),
                ('cart/quick', {'lines': 'AC-1 1'}),
                ('cart/checkout', {'reference': 'V-1'})]:
            with self.subTest(path=path):
                response = self.post(client, path, **data)
                self.assertEqual(response.status_code, HTTPStatus.NOT_FOUND)
        self.assertEqual(self.sales(**{'web_user.email': 'viewer@a.example.com'}), [])

    def test_other_dealer_scope(self):
        "Orders and cart lines of others are a 404"
        client_b = self.client_for('second@b.example.com')
        self.post(client_b, 'cart/quick', lines="FR-1 2")
        cart_b, = self.sales(**{'web_user.email': 'second@b.example.com'}, state='draft')
        self.post(client_b, 'cart/checkout', reference='B-SCOPE')
        order_b, = self.sales(external_reference='B-SCOPE')

        client_a = self.client_for('buyer@a.example.com')
        response = client_a.get(self.url('orders/%s' % order_b[0]))
        self.assertEqual(response.status_code, HTTPStatus.NOT_FOUND)
        self.post(client_b, 'cart/quick', lines="FR-1 2")
        cart_b, = self.sales(**{'web_user.email': 'second@b.example.com'}, state='draft')
        line_id = self.cart_line_ids(cart_b[0])[0]
        for action in ['update', 'remove']:
            response = self.post(client_a, 'cart/line', line=str(line_id),
                quantity='4', action=action)
            self.assertEqual(response.status_code, HTTPStatus.NOT_FOUND)
        self.assertEqual(
            self.sales(**{'web_user.email': 'second@b.example.com'}, state='draft'),
            [cart_b])
        self.assertEqual(client_b.get(
                self.url('orders/%s' % order_b[0])).status_code,
            HTTPStatus.OK)

    def test_checkout_needs_csrf(self):
        "A checkout without the CSRF token changes nothing"
        client = self.client_for('buyer@a.example.com')
        self.post(client, 'cart/quick', lines="AC-1 1")
        response = client.post(self.url('cart/checkout'),
            data={'reference': 'CSRF-1'})
        self.assertEqual(response.status_code, HTTPStatus.FORBIDDEN)
        self.assertEqual(self.sales(external_reference='CSRF-1'), [])


del RouteTestCase
