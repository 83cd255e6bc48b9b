# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"The portal catalogue over real HTTP requests"
import re
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
                    'dealer': dealer.id, 'dealer_role': 'buyer',
                    } for email, dealer in [
                    ('buyer@a.example.com', cls.dealer_a),
                    ('buyer@b.example.com', cls.dealer_b)]])

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
        self.assertIn('10 available', html)

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


del RouteTestCase
