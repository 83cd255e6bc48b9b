# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"The portal catalogue, cart and checkout over real HTTP requests"
import datetime as dt
import io
import itertools
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from contextlib import nullcontext
from decimal import Decimal
from http import HTTPStatus
from unittest.mock import patch

import openpyxl

from dms_dealer.tests.tools import LockRetrySetUpMixin
from dms_portal.tests.tools import (
    PortalClientMixin, PortalTranslationTestMixin)
from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase
from trytond.transaction import Transaction, TransactionError

from .test_intake import IntakeTestMixin

PASSWORD = 'portal-secret-1'


def picture():
    "A small PNG picture"
    from PIL import Image
    data = io.BytesIO()
    Image.new('RGB', (40, 30), (40, 120, 190)).save(data, format='PNG')
    return data.getvalue()


class CatalogueTestCase(
        LockRetrySetUpMixin, PortalClientMixin, PortalTranslationTestMixin,
        RouteTestCase):
    "Test the portal catalogue"
    module = 'dms_orders'
    password = PASSWORD

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
        # A product without stock and one ordered regularly (suggestions)
        for code, name in [('ZERO-1', "Empty shelf"),
                ('SUG-1', "Suggested item")]:
            template, = Template.copy([AC], default={
                    'name': name, 'code': code})
            cls.products[code] = template.products[0]
        IntakeTestMixin.add_stock(cls, {'SUG-1': 50})
        # Pictures: of a product of every dealer, of a Gold one and of a
        # product no dealer orders
        Image = pool.get('product.image')
        Image.create([{
                    'template': cls.products[code].template.id,
                    'image': picture(),
                    } for code in ['AC-1', 'GOLD-ONLY', 'OFF']])
        WebUser.create([{
                    'email': email, 'password': PASSWORD,
                    'dealer': dealer.id, 'dealer_role': role,
                    } for email, dealer, role in [
                    ('buyer@a.example.com', cls.dealer_a, 'buyer'),
                    ('other@a.example.com', cls.dealer_a, 'buyer'),
                    ('viewer@a.example.com', cls.dealer_a, 'viewer'),
                    ('buyer@b.example.com', cls.dealer_b, 'buyer'),
                    ('second@b.example.com', cls.dealer_b, 'buyer'),
                    ('upload@a.example.com', cls.dealer_a, 'buyer'),
                    ('orders@a.example.com', cls.dealer_a, 'buyer'),
                    ('reorder@b.example.com', cls.dealer_b, 'buyer'),
                    ('stock@a.example.com', cls.dealer_a, 'buyer'),
                    ('suggest@a.example.com', cls.dealer_a, 'buyer')]])

    def rows(self, html):
        return re.findall(
            r'<td data-label="Code">([^<]*)</td>\s*'
            r'<td data-label="Product" class="product-cell">'
            r'<a [^>]*class="thumb"[^>]*><img [^>]*></a>'
            r'<a href="[^"]*">([^<]*)</a></td>\s*'
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
        # The amount as the language writes it: symbol first, grouping
        self.assertEqual(price, 'usd800.00')
        self.assertRegex(html, r'class="ok">\d+ available<')

        client_b = self.client_for('buyer@b.example.com')
        html = client_b.get(self.url('catalogue?q=AC-1')).get_data(
            as_text=True)
        # Silver price list: 90%
        self.assertEqual(self.rows(html)[0][2], 'usd900.00')

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

    def test_product_page(self):
        "The product page shows the dealer's price, for its products only"
        client_a = self.client_for('buyer@a.example.com')
        gold = self.products['GOLD-ONLY']
        response = client_a.get(self.url('catalogue/%s' % gold.id))
        self.assertEqual(response.status_code, HTTPStatus.OK)
        html = response.get_data(as_text=True)
        self.assertIn('id="product-code">GOLD-ONLY<', html)
        # Gold: 80% of 100
        self.assertRegex(html, r'id="product-price">usd80\.00<')
        html = client_a.get(self.url('catalogue/%s'
                % self.products['FR-1'].id)).get_data(as_text=True)
        self.assertIn('Order by multiples of', html)
        self.assertIn('Fridge &lt;script&gt;', html)
        client_b = self.client_for('buyer@b.example.com')
        for product_id in [gold.id, self.products['OFF'].id, 999999,
                2 ** 40]:
            with self.subTest(product=product_id):
                self.assertEqual(client_b.get(self.url(
                            'catalogue/%s' % product_id)).status_code,
                    HTTPStatus.NOT_FOUND)

    def test_pictures(self):
        """Pictures in the catalogue and on the product page, a placeholder
        without; a dealer gets only the pictures of its products"""
        client_a = self.client_for('buyer@a.example.com')
        client_b = self.client_for('buyer@b.example.com')
        ac, gold, off, fridge = [self.products[c].id
            for c in ['AC-1', 'GOLD-ONLY', 'OFF', 'FR-1']]
        html = client_a.get(self.url('catalogue?q=-1')).get_data(
            as_text=True)
        self.assertIn(
            'src="%s?size=small"' % self.url('catalogue/%s/picture.jpg' % ac),
            html)
        self.assertNotIn('catalogue/%s/picture.jpg' % fridge, html)
        self.assertIn('src="%s"' % self.url(
                'static/product-placeholder.svg'), html)
        html = client_a.get(self.url('catalogue/%s' % fridge)).get_data(
            as_text=True)
        self.assertIn('product-placeholder.svg', html)
        self.assertIn('Specifications', html)
        response = client_a.get(self.url('static/product-placeholder.svg'))
        self.assertEqual(response.status_code, HTTPStatus.OK)
        self.assertEqual(response.mimetype, 'image/svg+xml')

        for client, product, size, status in [
                (client_a, ac, 'small', HTTPStatus.OK),
                (client_b, ac, 'large', HTTPStatus.OK),
                (client_a, gold, None, HTTPStatus.OK),
                # Of another tier, not orderable, without picture, unknown
                (client_b, gold, 'small', HTTPStatus.NOT_FOUND),
                (client_a, off, 'small', HTTPStatus.NOT_FOUND),
                (client_a, fridge, 'small', HTTPStatus.NOT_FOUND),
                (client_a, 999999, 'small', HTTPStatus.NOT_FOUND),
                (self.client(), ac, 'small', HTTPStatus.SEE_OTHER),
                ]:
            with self.subTest(product=product, size=size):
                response = client.get(
                    self.url('catalogue/%s/picture.jpg' % product)
                    + ('?size=%s' % size if size else ''))
                self.assertEqual(response.status_code, status)
                if status == HTTPStatus.OK:
                    self.assertEqual(response.mimetype, 'image/jpeg')
                    self.assertTrue(response.get_data().startswith(
                            b'\xff\xd8'))
                    self.assertIn('private', response.headers[
                            'Cache-Control'])
        # Tryton's own image route, which asks for no session, serves none
        from trytond.wsgi import Base64Converter
        database = Base64Converter(None).to_url(self.db_name)
        for path in ['/product/variant/image/GOLD-ONLY/%s' % database,
                '/product/image/OFF/%s' % database]:
            with self.subTest(path=path):
                self.assertEqual(self.client().get(path).status_code,
                    HTTPStatus.NOT_FOUND)

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

    def test_last_page_and_category(self):
        "A page past the last shows the last; the category filters"
        client = self.client_for('buyer@a.example.com')
        for page in ['3', '99', str(10 ** 30)]:
            with self.subTest(page=page):
                html = client.get(self.url('catalogue?q=copy&page=' + page)
                    ).get_data(as_text=True)
                self.assertIn('30 products', html)
                self.assertIn('Page 2 of 2', html)
                self.assertEqual(len(self.rows(html)), 6)
        html = client.get(self.url('catalogue?q=nothing-like-it&page=3')
            ).get_data(as_text=True)
        self.assertIn('0 products', html)
        self.assertEqual(self.rows(html), [])
        with Transaction().start(self.db_name, 0, readonly=True):
            Product = Pool().get('product.product')
            appliances = Product(
                self.products['AC-1'].id).template.account_category.id
        html = client.get(self.url('catalogue?category=%s&q=copy'
                % appliances)).get_data(as_text=True)
        self.assertIn('30 products', html)
        html = client.get(self.url('catalogue?category=%s'
                % (appliances + 1000))).get_data(as_text=True)
        self.assertIn('0 products', html)

    def test_catalogue_page(self):
        "The page of the catalogue is the search of its domain"
        with Transaction().start(self.db_name, 0, readonly=True), \
                Transaction().set_context(company=self.company.id):
            pool = Pool()
            Dealer = pool.get('dms.dealer')
            Product = pool.get('product.product')
            appliances = Product(
                self.products['AC-1'].id).template.account_category
            cases = [
                (None, None, 1, 24),
                (None, None, 2, 5),
                ('copy', None, 3, 7),
                ('copy', appliances.id, 2, 24),
                ('copy', None, 40, 7),
                ('copy', None, 10 ** 30, 7),
                ('nothing-like-it', None, 2, 24),
                ]
            # Also with an estimated number of products too low (stale)
            for estimated, dealer_id, (text, category, page, size) in (
                    itertools.product([None, 0],
                        [self.dealer_a.id, self.dealer_b.id], cases)):
                dealer = Dealer(dealer_id)
                with self.subTest(estimated=estimated, dealer=dealer.code,
                        text=text, page=page), (
                        patch.object(Product, 'estimated_count',
                            return_value=estimated)
                        if estimated is not None else nullcontext()):
                    domain = Product.dms_catalogue_domain(
                        dealer, text, category)
                    count = Product.search_count(domain)
                    last = max((count + size - 1) // size, 1)
                    expected = Product.search(domain,
                        offset=(min(page, last) - 1) * size, limit=size,
                        order=[('code', 'ASC'), ('id', 'ASC')])
                    self.assertEqual(
                        Product.dms_catalogue_page(
                            dealer, text, category, page, size),
                        (count, min(page, last), expected))

    def test_sale_prices_by_category(self):
        "The dealer's price list matches lines by category as Tryton does"
        with Transaction().start(self.db_name, 0) as transaction, \
                Transaction().set_context(company=self.company.id):
            pool = Pool()
            Category = pool.get('product.category')
            Dealer = pool.get('dms.dealer')
            Line = pool.get('product.price_list.line')
            Product = pool.get('product.product')
            Template = pool.get('product.template')
            cooling, = Category.create([{'name': "Cooling"}])
            outdoor, = Category.create([
                    {'name': "Outdoor", 'parent': cooling.id}])
            ac = Product(self.products['AC-1'].id)
            Template.write([ac.template], {
                    'categories': [('add', [outdoor.id])]})
            dealer_a = Dealer(self.dealer_a.id)
            dealer_b = Dealer(self.dealer_b.id)
            # Lines before the tier's own: by the parent of a category of
            # the product, by its account category
            Line.write(Line.search([]), {'sequence': 10})
            Line.create([{
                        'price_list': dealer_a.party.sale_price_list.id,
                        'sequence': 0, 'category': cooling.id,
                        'formula': "unit_price * Decimal('0.5')",
                        }, {
                        'price_list': dealer_b.party.sale_price_list.id,
                        'sequence': 0,
                        'category': ac.template.account_category.id,
                        'formula': "unit_price * Decimal('0.7')",
                        }])
            products = Product.browse([self.products[c].id
                    for c in ['AC-1', 'FR-1', 'GOLD-ONLY']])
            for dealer, prices in [
                    (dealer_a, ['500', '400', '80']),
                    (dealer_b, ['700', '350', '70']),
                    ]:
                with self.subTest(dealer=dealer.code):
                    result = Product.dms_sale_prices(products, dealer)
                    self.assertEqual(
                        [result[p.id] for p in products],
                        [Decimal(p) for p in prices])
                    # As Tryton computes them with categories_all
                    party = dealer.party
                    with Transaction().set_context(
                            currency=dealer.company.currency.id,
                            customer=party.id,
                            price_list=party.sale_price_list.id):
                        self.assertEqual(result, Product.get_sale_price(
                                Product.browse(products), 1))
            transaction.rollback()


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
        self.assertIn('multiples of 2.', report)
        self.assertIn('greater than zero', report)
        self.assertIn('The product &#34;OFF&#34; cannot be ordered', report)
        # Without the name of a product the dealer does not see
        self.assertNotIn('Not for dealers', report)
        self.assertEqual(self.cart_codes(client), ['AC-1', 'FR-1'])
        cart, = self.sales(**{'web_user.email': 'other@a.example.com'}, state='draft')
        self.assertEqual(cart[4], [('AC-1', 2), ('FR-1', 4)])

        # A wrong quantity is refused on its line
        line_id = self.cart_line_ids(cart[0])[1]
        response = self.post(client, 'cart/line', line=str(line_id),
            quantity='3', action='update')
        self.assertEqual(response.status_code, HTTPStatus.BAD_REQUEST)
        self.assertIn('multiples of 2.', response.get_data(as_text=True))
        self.post(client, 'cart/line', line=str(line_id), quantity='6',
            action='update')
        cart, = self.sales(**{'web_user.email': 'other@a.example.com'}, state='draft')
        self.assertEqual(cart[4], [('AC-1', 2), ('FR-1', 6)])

        # The factory lowers the tier's prices before the checkout: the
        # order takes the price of the day
        def gold_factor(factor):
            with Transaction().start(self.db_name, 0) as transaction:
                PriceLine = Pool().get('product.price_list.line')
                PriceLine.write(
                    PriceLine.search([('price_list.name', '=', "Gold")]),
                    {'formula': "unit_price * Decimal('%s')" % factor})
                transaction.commit()
        gold_factor('0.5')
        self.addCleanup(gold_factor, '0.8')
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
        # The cart became the order, at the new prices, with its amounts
        self.assertEqual(order[0], cart[0])
        with Transaction().start(self.db_name, 0):
            sale = Pool().get('sale.sale')(order[0])
            self.assertEqual(
                [(l.product.code, l.unit_price) for l in sale.lines],
                [('AC-1', Decimal('500.0000')), ('FR-1', Decimal('250.0000'))])
            self.assertEqual(sale.total_amount, Decimal(2500))
            self.assertEqual(sale.total_amount_cache, sale.total_amount)
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

    def test_availability_warnings(self):
        """Codes in any case; lines over what can be promised are added
        with a warning, shown on the cart, and refused at the checkout with
        a summary of the problems at the top"""
        client = self.client_for('stock@a.example.com')
        response = self.post(client, 'cart/quick',
            lines="ac-1 1000\nZero-1 1\nfr-1 2")
        self.assertEqual(response.status_code, HTTPStatus.OK)
        html = response.get_data(as_text=True)
        self.assertEqual([(c, r) for _, c, r in self.report(html)], [
                ('AC-1', 'Added'), ('ZERO-1', 'Added'), ('FR-1', 'Added')])
        report = html.split('id="quick-report"')[1].split('</table>')[0]
        self.assertEqual(report.count('class="warn shortage"'), 2)
        self.assertRegex(report, r'Only \d+ can be promised now')
        self.assertIn('Out of stock: the order cannot be submitted', report)
        self.assertEqual(self.cart_codes(client), ['AC-1', 'ZERO-1', 'FR-1'])

        # The cart shows what can be promised on each line
        html = client.get(self.url('cart')).get_data(as_text=True)
        lines = dict(re.findall(
                r'<td data-label="Code">([^<]*)</td>.*?'
                r'<td data-label="Availability" class="availability">'
                r'<span class="\w+">([^<]*)</span>', html, re.S))
        self.assertRegex(lines['AC-1'], r'^\d+ available$')
        self.assertEqual(lines['ZERO-1'], 'Out of stock')
        self.assertRegex(lines['FR-1'], r'^\d+ available$')
        self.assertEqual(html.count('class="warning line-warning"'), 2)

        # From the catalogue: added, with a warning on the next page
        response = self.post(client, 'cart/add', product_code='zero-1',
            quantity='2', next=self.url('catalogue'))
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        self.assertIn('cannot promise that quantity', client.get(
                response.location).get_data(as_text=True))
        self.post(client, 'cart/add', product_code='FR-1', quantity='2')
        self.assertIn('The product is in your cart.', client.get(
                self.url('cart')).get_data(as_text=True))

        # The checkout is refused: the problems at the top, linked to
        # their lines, and nothing is saved
        cart, = self.sales(**{'web_user.email': 'stock@a.example.com'},
            state='draft')
        self.assertEqual(cart[4], [('AC-1', 1000), ('ZERO-1', 3),
                ('FR-1', 4)])
        ac_line, zero_line, _ = self.cart_line_ids(cart[0])
        response = self.post(client, 'cart/checkout', reference='STOCK-1')
        self.assertEqual(response.status_code, HTTPStatus.BAD_REQUEST)
        html = response.get_data(as_text=True)
        summary = html.split('id="checkout-problems"')[1].split(
            '</section>')[0]
        self.assertIn('The order is not submitted', summary)
        self.assertEqual(re.findall(r'<a href="#(line-\d+)">', summary),
            ['line-%s' % ac_line, 'line-%s' % zero_line])
        self.assertRegex(summary, r'Only \d+ of &#34;\[AC-1\]')
        self.assertIn('&#34;[ZERO-1] Empty shelf&#34; is out of stock: none '
            'can be promised now.', summary)
        self.assertNotIn('Only 0', html)
        self.assertIn('id="line-%s"' % ac_line, html)
        self.assertLess(html.index('id="checkout-problems"'),
            html.index('id="cart-lines"'))
        self.assertEqual(self.sales(external_reference='STOCK-1'), [])

        # Codes of uploads too
        html = self.upload(client, 'order.csv',
            b'code,quantity\ngold-only,1\n').get_data(as_text=True)
        self.assertEqual(self.report(html), [(2, 'GOLD-ONLY', 'Added')])
        for line_id in self.cart_line_ids(cart[0]):
            self.post(client, 'cart/line', line=str(line_id),
                action='remove')

    def test_suggestions_after_order(self):
        """The suggestions in the third person with whole units for the
        factory, in the second person for the dealer; a product ordered
        is not suggested any more"""
        today = dt.date.today()
        with Transaction().start(self.db_name, 0) as transaction, \
                Transaction().set_context(company=self.company.id):
            pool = Pool()
            Dealer = pool.get('dms.dealer')
            Line = pool.get('sale.line')
            Sale = pool.get('sale.sale')
            Product = pool.get('product.product')
            Suggestion = pool.get('dms.order.suggestion')
            product = Product(self.products['SUG-1'].id)
            dealer = Dealer(self.dealer_a.id)
            sales = Sale.dms_new([dealer] * 3)
            for sale, days, quantity in zip(
                    sales, [84, 56, 28], [8, 8, 10]):
                sale.sale_date = today - dt.timedelta(days=days)
                sale.lines = [Line(type='line', product=product,
                        quantity=quantity, unit=product.sale_uom,
                        unit_price=Decimal(100))]
            Sale.save(sales)
            # Orders of the past, done without their workflow
            Sale.write(sales, {'state': 'done'})
            Suggestion.compute([dealer])
            suggestion, = Suggestion.search([
                    ('dealer', '=', dealer.id),
                    ('product', '=', product.id)])
            self.assertEqual(suggestion.reason,
                "Orders about 9 every 4 weeks; last order 4 weeks ago.")
            self.assertEqual(suggestion.dealer_reason(),
                "You order about 9 every 4 weeks; last order 4 weeks ago.")
            transaction.commit()

        client = self.client_for('suggest@a.example.com')
        html = client.get(self.url('suggestions')).get_data(as_text=True)
        self.assertIn('SUG-1', html)
        self.assertIn('You order about 9 every 4 weeks', html)
        self.post(client, 'cart/quick', lines="sug-1 9")
        response = self.post(client, 'cart/checkout', reference='SUG-ORDER')
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER,
            response.get_data(as_text=True))
        html = client.get(self.url('suggestions')).get_data(as_text=True)
        self.assertNotIn('SUG-1', html)

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

    def upload(self, client, name, content, csrf=True):
        data = {'file': (io.BytesIO(content), name)}
        if csrf:
            data['csrf_token'] = self.csrf(client)
        return client.post(self.url('cart/upload'), data=data,
            content_type='multipart/form-data')

    def report(self, html):
        "The rows of the upload or reorder report: (row, code, result)"
        section = html.split('id="quick-report"')[1].split('</table>')[0]
        return [(int(n), code, result.strip()) for n, code, result in
            re.findall(r'<td data-label="Row">(\d+)</td>\s*'
                r'<td data-label="Code">([^<]*)</td>\s*'
                r'<td data-label="Quantity">[^<]*</td>\s*'
                r'<td data-label="Result">(?:<span class="\w+">)?([^<]*)',
                section)]

    def test_upload_csv(self):
        "A CSV file fills the cart with a report line by line"
        client = self.client_for('upload@a.example.com')
        content = (
            'SKU;Qty\n'
            'FR-1;4\n'
            'NOPE;1\n'
            '=HYPERLINK("http://evil.example.com");1\n'
            'FR-1;-4\n'
            '\n'
            'GOLD-ONLY;abc\n'
            'GOLD-ONLY;+1+cmd|calc\n').encode('utf-8-sig')
        response = self.upload(client, 'order.csv', content)
        self.assertEqual(response.status_code, HTTPStatus.OK)
        html = response.get_data(as_text=True)
        rows = self.report(html)
        self.assertEqual([(n, code) for n, code, _ in rows], [
                (2, 'FR-1'), (3, 'NOPE'),
                (4, '=HYPERLINK(&#34;http://evil.example.com&#34;)'),
                (5, 'FR-1'), (7, 'GOLD-ONLY'), (8, 'GOLD-ONLY')])
        results = [r for _, _, r in rows]
        self.assertEqual(results[0], 'Added')
        self.assertIn('Unknown product code', results[1])
        self.assertIn('Formulas are not accepted', results[2])
        self.assertIn('greater than zero', results[3])
        self.assertIn('greater than zero', results[4])
        self.assertIn('Formulas are not accepted', results[5])
        self.assertIn('Lines added: 1. Lines refused: 5.', html)
        self.assertEqual(self.cart_codes(client), ['FR-1'])
        cart, = self.sales(**{'web_user.email': 'upload@a.example.com'},
            state='draft')
        self.assertEqual(cart[4], [('FR-1', 4)])

        # Excel in Chinese writes GB18030 with Chinese headers, commas
        content = '数量,编码\n2,GOLD-ONLY\n'.encode('gb18030')
        html = self.upload(client, '订单.csv', content).get_data(
            as_text=True)
        self.assertEqual(self.report(html), [(2, 'GOLD-ONLY', 'Added')])
        cart, = self.sales(**{'web_user.email': 'upload@a.example.com'},
            state='draft')
        self.assertEqual(cart[4], [('FR-1', 4), ('GOLD-ONLY', 2)])
        self.post(client, 'cart/line', line=str(
                self.cart_line_ids(cart[0])[1]), action='remove')

    def test_upload_xlsx(self):
        "An XLSX file fills the cart; formula cells are refused"
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(['Product code', 'Description', 'Quantity'])
        sheet.append(['FR-1', 'Fridge', 2])
        sheet.append(['FR-1', 'Fridge', 3])
        sheet.append(['FR-1', 'Fridge', '=1+1'])
        sheet.append([None, None, None])
        sheet.append(['GOLD-ONLY', None, '1'])
        content = io.BytesIO()
        workbook.save(content)
        client = self.client_for('upload@a.example.com')
        cart_before = self.sales(
            **{'web_user.email': 'upload@a.example.com'}, state='draft')
        html = self.upload(client, 'order.xlsx', content.getvalue()
            ).get_data(as_text=True)
        rows = self.report(html)
        self.assertEqual([(n, r) for n, _, r in rows][0], (2, 'Added'))
        self.assertIn('multiples of 2.', rows[1][2])
        self.assertIn('Formulas are not accepted', rows[2][2])
        self.assertEqual(rows[3], (6, 'GOLD-ONLY', 'Added'))
        cart, = self.sales(**{'web_user.email': 'upload@a.example.com'},
            state='draft')
        quantities = dict(cart[4])
        before = dict(cart_before[0][4]) if cart_before else {}
        self.assertEqual(quantities['FR-1'], before.get('FR-1', 0) + 2)
        self.assertEqual(
            quantities['GOLD-ONLY'], before.get('GOLD-ONLY', 0) + 1)

    def test_upload_refused(self):
        "Wrong files are refused as a whole and change nothing"
        client = self.client_for('upload@a.example.com')
        before = self.sales(**{'web_user.email': 'upload@a.example.com'})
        bomb = io.BytesIO()
        with zipfile.ZipFile(bomb, 'w', zipfile.ZIP_DEFLATED) as archive:
            archive.writestr('xl/worksheets/sheet1.xml',
                b'\0' * (30 * 1024 * 1024))
        many = 'code,quantity\n' + 'FR-1,2\n' * 201

        def sheet(rows):
            "An XLSX workbook whose first sheet's data is rows (XML)"
            workbook = openpyxl.Workbook()
            workbook.active.append(['code', 'quantity'])
            content = io.BytesIO()
            workbook.save(content)
            source = zipfile.ZipFile(content)
            result = io.BytesIO()
            with zipfile.ZipFile(
                    result, 'w', zipfile.ZIP_DEFLATED) as archive:
                for info in source.infolist():
                    data = source.read(info)
                    if info.filename == 'xl/worksheets/sheet1.xml':
                        data = (b'<?xml version="1.0"?><worksheet xmlns='
                            b'"http://schemas.openxmlformats.org/'
                            b'spreadsheetml/2006/main"><sheetData>'
                            + rows + b'</sheetData></worksheet>')
                    archive.writestr(info, data)
            return result.getvalue()
        header = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is>'
            b'</c><c r="B1" t="inlineStr"><is><t>quantity</t></is></c>'
            b'</row>')
        # openpyxl walks every missing row up to a row's number: a small
        # file numbering a row 3,000,000 cost seconds (2,000,000,000:
        # hours); as many empty rows as 4 MB hold cost minutes
        far_row = sheet(header + b'<row r="3000000"><c r="A3000000" '
            b't="inlineStr"><is><t>FR-1</t></is></c><c r="B3000000">'
            b'<v>2</v></c></row>')
        far_cell = sheet(header + b'<row r="2"><c r="A999999" '
            b't="inlineStr"><is><t>FR-1</t></is></c></row>')
        far_column = sheet(header + b'<row r="2"><c r="XFD2"><v>2</v></c>'
            b'</row>')
        empty_rows = sheet(b'<row/>' * 500_000)
        # Elements that are not rows: parsed once, never kept
        junk = sheet(header + b'<row r="2">' + b'<x/>' * 900_000
            + b'</row>')
        self.assertLess(len(far_row), 10_000)
        self.assertLess(len(empty_rows), 100_000)
        for name, content, message in [
                ('order.xlsx', far_row, 'more than 1000 lines'),
                ('order.xlsx', far_cell, 'more than 1000 lines'),
                ('order.xlsx', far_column, 'more than 50 columns'),
                ('order.xlsx', empty_rows, 'more than 1000 lines'),
                ('order.xlsx', junk, 'too much besides its lines'),
                ('order.csv', b'', 'The file is empty'),
                ('order.csv', bytes(range(256)) * 10,
                    'neither a CSV nor an XLSX'),
                ('order.xlsx', b'PK\x03\x04 not a zip at all',
                    'neither a CSV nor an XLSX'),
                ('order.xlsx', bomb.getvalue(), 'larger than 2 MB'),
                ('order.xls', b'\xd0\xcf\x11\xe0', 'Save the file as CSV'),
                ('order.csv', b'name,colour\nFR-1,red\n', 'needs a column'),
                ('order.csv', b'FR-1\nAC-1\n', 'needs a column'),
                ('order.csv', b'code,quantity\n\n', 'no lines to order'),
                ('order.csv', many.encode(), 'more than 200 lines')]:
            with self.subTest(message=message):
                response = self.upload(client, name, content)
                self.assertEqual(response.status_code, HTTPStatus.BAD_REQUEST)
                self.assertIn(message, response.get_data(as_text=True))
        response = client.post(self.url('cart/upload'), data={
                'csrf_token': self.csrf(client)},
            content_type='multipart/form-data')
        self.assertEqual(response.status_code, HTTPStatus.BAD_REQUEST)
        self.assertIn('Choose a CSV or XLSX file',
            response.get_data(as_text=True))

        # 10 MB: refused before it is read
        response = self.upload(
            client, 'big.csv', b'FR-1,2\n' * (10 * 1024 * 1024 // 7))
        self.assertEqual(
            response.status_code, HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        self.assertIn('too large', response.get_data(as_text=True))
        # Without the CSRF token
        response = self.upload(client, 'order.csv', b'FR-1,2\n', csrf=False)
        self.assertEqual(response.status_code, HTTPStatus.FORBIDDEN)
        self.assertEqual(
            self.sales(**{'web_user.email': 'upload@a.example.com'}), before)
        # A viewer cannot
        viewer = self.client_for('viewer@a.example.com')
        self.assertEqual(self.upload(viewer, 'order.csv', b'FR-1,2\n'
                ).status_code, HTTPStatus.NOT_FOUND)

    def place_order(self, client, reference, lines="FR-1 2"):
        self.post(client, 'cart/quick', lines=lines)
        response = self.post(client, 'cart/checkout', reference=reference)
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER,
            response.get_data(as_text=True))
        return int(response.location.rsplit('/', 1)[1])

    def test_orders_list(self):
        "The dealer lists its orders with filters and exports them"
        client = self.client_for('orders@a.example.com')
        first = self.place_order(client, 'LIST-1')
        self.place_order(client, '=HYPERLINK("http://evil.example.com")',
            lines="FR-1 4")
        client_b = self.client_for('reorder@b.example.com')
        self.place_order(client_b, 'LIST-B')

        html = client.get(self.url('orders')).get_data(as_text=True)
        self.assertIn('LIST-1', html)
        self.assertIn('=HYPERLINK(&#34;', html)
        self.assertNotIn('LIST-B', html)
        html = client.get(self.url('orders?q=list-')).get_data(as_text=True)
        self.assertIn('LIST-1', html)
        self.assertNotIn('HYPERLINK', html)
        self.assertIn('1 order', html)
        html = client.get(self.url('orders?state=done')).get_data(
            as_text=True)
        self.assertNotIn('LIST-1', html)
        html = client.get(self.url('orders?state=open&q=LIST-1'
                '&from=2000-01-01&to=2999-12-31')).get_data(as_text=True)
        self.assertIn('LIST-1', html)
        html = client.get(self.url('orders?to=2000-01-01')).get_data(
            as_text=True)
        self.assertIn('No orders match', html)
        for query in ['state=x', 'from=garbage', 'to=2024-13-45',
                'page=-1', 'page=zz', 'q=' + '%' * 500, 'q=%27%3B--']:
            with self.subTest(query=query):
                self.assertEqual(client.get(self.url('orders?' + query)
                        ).status_code, HTTPStatus.OK)

        response = client.get(self.url('orders/export.xlsx'))
        self.assertEqual(response.status_code, HTTPStatus.OK)
        self.assertIn('attachment', response.headers['Content-Disposition'])
        sheet = openpyxl.load_workbook(
            io.BytesIO(response.get_data())).active
        references = [r[2].value for r in sheet.iter_rows(min_row=2)]
        self.assertIn('LIST-1', references)
        self.assertNotIn('LIST-B', references)
        # A formula typed as a reference stays text
        cell, = [r[2] for r in sheet.iter_rows(min_row=2)
            if str(r[2].value).startswith('=')]
        self.assertEqual(cell.data_type, 's')

        response = client_b.get(self.url('orders/export.xlsx?q=LIST'))
        sheet = openpyxl.load_workbook(
            io.BytesIO(response.get_data())).active
        self.assertEqual([r[2].value for r in sheet.iter_rows(min_row=2)],
            ['LIST-B'])
        html = client.get(self.url('orders/%s' % first)).get_data(
            as_text=True)
        self.assertIn('order.pdf', html)
        self.assertIn('No shipment yet', html)

        # The factory confirms: the dealer sees the order and its shipment
        extras = {}
        while True:
            with Transaction().start(self.db_name, 0, context={
                        'company': self.company.id}, **extras
                    ) as transaction:
                Sale = Pool().get('sale.sale')
                sale = Sale(first)
                try:
                    Sale.confirm([sale])
                    Sale.process([sale])
                except TransactionError as exception:
                    transaction.rollback()
                    exception.fix(extras)
                    continue
                shipment, = sale.shipments
                number = shipment.number
                transaction.commit()
            break
        html = client.get(self.url('orders/%s' % first)).get_data(
            as_text=True)
        self.assertIn(number, html)
        self.assertIn('id="order-state">In progress<', html)
        self.assertRegex(html, r'<td data-label="State">'
            r'(Waiting for stock|Stock reserved)</td>')

    def test_chinese_formats(self):
        "In Chinese, dates read 2026年11月29日 and amounts keep the grouping"
        client = self.client_for('orders@a.example.com')
        sale_id = self.place_order(client, 'ZH-1', lines="FR-1 6")
        with Transaction().start(self.db_name, 0) as transaction:
            Sale = Pool().get('sale.sale')
            Sale.write([Sale(sale_id)], {
                    'sale_date': dt.date(2026, 3, 5),
                    'shipping_date': dt.date(2026, 12, 24)})
            transaction.commit()
        html = client.get(self.url('orders/%s' % sale_id)).get_data(
            as_text=True)
        self.assertIn('2026-03-05', html)
        client.set_cookie('dms_portal_lang', 'zh_CN', path=self.url())
        html = client.get(self.url('orders/%s' % sale_id)).get_data(
            as_text=True)
        self.assertIn('<html lang="zh-CN">', html)
        self.assertIn('2026年3月5日', html)
        self.assertIn('2026年12月24日', html)
        self.assertNotIn('2026-03-05', html)
        self.assertIn('usd2,400.00', html)
        self.assertRegex(html, r'<time datetime="[^"]+">\d{4}年\d{1,2}月'
            r'\d{1,2}日 \d\d:\d\d</time>')

    def test_order_downloads(self):
        "The order as PDF and XLSX, for its dealer only"
        client = self.client_for('orders@a.example.com')
        sale_id = self.place_order(client, 'DOC-1', lines="FR-1 6")
        with Transaction().start(self.db_name, 0):
            number = Pool().get('sale.sale')(sale_id).number

        response = client.get(self.url('orders/%s/order.xlsx' % sale_id))
        self.assertEqual(response.status_code, HTTPStatus.OK)
        self.assertEqual(response.headers['Content-Disposition'],
            'attachment; filename="%s.xlsx"' % number)
        sheet = openpyxl.load_workbook(
            io.BytesIO(response.get_data())).active
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        self.assertIn(['Your reference', 'DOC-1'], [v[:2] for v in values])
        line, = [v for v in values if v[0] == 'FR-1']
        # Gold price: 80% of 500
        self.assertEqual(line[1:6],
            ['Fridge <script>alert(1)</script>', 6, 'u', 400, 2400])

        response = client.get(self.url('orders/%s/order.pdf' % sale_id))
        self.assertEqual(response.status_code, HTTPStatus.OK)
        self.assertEqual(response.mimetype, 'application/pdf')
        content = response.get_data()
        self.assertTrue(content.startswith(b'%PDF'))
        pdftotext = shutil.which('pdftotext')
        self.assertTrue(pdftotext, "poppler-utils is installed by make")
        with tempfile.NamedTemporaryFile(suffix='.pdf') as pdf:
            pdf.write(content)
            pdf.flush()
            text = subprocess.run([pdftotext, '-layout', pdf.name, '-'],
                capture_output=True, text=True, check=True).stdout
        self.assertIn('Dealer Order %s' % number, text)
        self.assertIn('DOC-1', text)
        self.assertIn('Fridge', text)
        self.assertRegex(text, r'2,400\.00')

        # Another dealer, or a cart, is a 404 for every download
        client_b = self.client_for('reorder@b.example.com')
        for path in ['orders/%s/order.pdf', 'orders/%s/order.xlsx',
                'orders/%s']:
            with self.subTest(path=path):
                self.assertEqual(client_b.get(self.url(path % sale_id)
                        ).status_code, HTTPStatus.NOT_FOUND)
        self.post(client, 'cart/quick', lines="FR-1 2")
        cart, = self.sales(**{'web_user.email': 'orders@a.example.com'},
            state='draft')
        for path in ['orders/%s/order.pdf', 'orders/%s/order.xlsx']:
            self.assertEqual(client.get(self.url(path % cart[0])
                    ).status_code, HTTPStatus.NOT_FOUND)
        self.post(client, 'cart/line', line=str(
                self.cart_line_ids(cart[0])[0]), action='remove')

    def test_order_downloads_chinese(self):
        """The PDF and the XLSX of an order show Chinese text: the PDF with
        a CJK font embedded that has every glyph of it"""
        from fontTools.ttLib import TTCollection, TTFont
        client = self.client_for('orders@a.example.com')
        client.set_cookie('dms_portal_lang', 'zh_CN', path=self.url())
        reference, note = '华东-订单-001', '请在周五前送达杭州仓库，谢谢。'
        self.post(client, 'cart/quick', lines="FR-1 4")
        response = self.post(
            client, 'cart/checkout', reference=reference, note=note)
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER,
            re.findall(r'role="alert"[^>]*>[^<]*<', response.get_data(
                    as_text=True)))
        sale_id = int(response.location.rsplit('/', 1)[1])

        response = client.get(self.url('orders/%s/order.xlsx' % sale_id))
        self.assertEqual(response.status_code, HTTPStatus.OK)
        sheet = openpyxl.load_workbook(
            io.BytesIO(response.get_data())).active
        values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True)
            if row and row[0]}
        self.assertEqual(values['您的参考号'], reference)
        self.assertEqual(values['备注'], note)
        self.assertIn('数量', [c.value for row in sheet.iter_rows()
                for c in row])

        response = client.get(self.url('orders/%s/order.pdf' % sale_id))
        self.assertEqual(response.status_code, HTTPStatus.OK)
        results = os.path.join(
            os.environ.get('DMS_TEST_RESULTS', tempfile.gettempdir()))
        os.makedirs(results, exist_ok=True)
        with tempfile.TemporaryDirectory() as directory:
            pdf = os.path.join(directory, 'order.pdf')
            with open(pdf, 'wb') as file:
                file.write(response.get_data())
            text = subprocess.run(['pdftotext', '-layout', pdf, '-'],
                capture_output=True, text=True, check=True).stdout
            fonts = subprocess.run(['pdffonts', pdf],
                capture_output=True, text=True, check=True).stdout
            # The page as a picture, for a person to look at
            subprocess.run(['pdftoppm', '-png', '-r', '60', '-singlefile',
                    pdf, os.path.join(results, 'order_zh_CN')], check=True)
            self.assertGreater(os.path.getsize(
                    os.path.join(results, 'order_zh_CN.png')), 1000)
        self.assertIn(reference, text)
        self.assertIn(note, text.replace(' ', '').replace('\n', ''))

        # pdffonts: name type encoding emb sub uni object ID
        embedded = [line.split()[0].split('+')[-1]
            for line in fonts.splitlines()[2:]
            if line.split()[-5:-2] == ['yes', 'yes', 'yes']]
        # WeasyPrint names a font by its family, words joined by dashes
        cjk = [name for name in embedded if 'CJK' in name
            and not name.endswith('-Bold')]
        self.assertTrue(cjk, fonts)
        # Every Chinese character of the PDF has a glyph in that font: no
        # missing-glyph box can be drawn
        listing = subprocess.run(
            ['fc-list', '%s:style=Regular' % cjk[0].replace('-', ' '),
                'file', 'index'],
            capture_output=True, text=True, check=True).stdout
        path, index = re.match(
            r'(.+?): *:index=(\d+)', listing.splitlines()[0]).groups()
        if path.endswith('.ttc'):
            font = TTCollection(path).fonts[int(index)]
        else:
            font = TTFont(path)
        cmap = font.getBestCmap()
        chinese = {c for c in text if '\u4e00' <= c <= '\u9fff'}
        self.assertTrue(chinese)
        self.assertEqual(
            {c for c in chinese if ord(c) not in cmap}, set())

    def test_reorder(self):
        "Order again puts the lines of a past order in the cart"
        client = self.client_for('reorder@b.example.com')
        sale_id = self.place_order(client, 'AGAIN-1', lines="FR-1 2\nAC-1 1")
        home = client.get(self.url()).get_data(as_text=True)
        self.assertIn('AGAIN-1', home)
        self.assertIn('orders/%s/reorder' % sale_id, home)

        # Another dealer cannot, a viewer cannot
        other = self.client_for('buyer@a.example.com')
        self.assertEqual(self.post(other, 'orders/%s/reorder' % sale_id
                ).status_code, HTTPStatus.NOT_FOUND)
        self.assertNotIn('AGAIN-1', other.get(self.url()).get_data(
                as_text=True))
        viewer = self.client_for('viewer@a.example.com')
        self.assertEqual(self.post(viewer, 'orders/%s/reorder' % sale_id
                ).status_code, HTTPStatus.NOT_FOUND)

        response = self.post(client, 'orders/%s/reorder' % sale_id)
        self.assertEqual(response.status_code, HTTPStatus.OK)
        html = response.get_data(as_text=True)
        self.assertIn('Order again:', html)
        self.assertEqual([(c, r) for _, c, r in self.report(html)],
            [('FR-1', 'Added'), ('AC-1', 'Added')])
        cart, = self.sales(**{'web_user.email': 'reorder@b.example.com'},
            state='draft')
        self.assertEqual(sorted(cart[4]), [('AC-1', 1), ('FR-1', 2)])
        home = client.get(self.url()).get_data(as_text=True)
        self.assertIn('id="cart-count">2 lines<', home)
        self.assertRegex(home, r'id="open-orders">\d+<')


del RouteTestCase
