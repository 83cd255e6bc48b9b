# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The dealer's dashboard in the portal over real HTTP requests.

The sales of two dealers (in every state, in and out of the periods shown,
with products at list price and below) are summed in Python from their own
description; the page's tables, its chart data and its XLSX export must
show exactly those sums for the dealer of the session and nothing of the
other dealer, whatever the request's parameters."""
import datetime as dt
import io
import json
import re
from collections import defaultdict
from decimal import Decimal
from http import HTTPStatus

import openpyxl
from dateutil.relativedelta import relativedelta

from dms_dealer.tests.tools import LockRetrySetUpMixin, create_dealer
from dms_orders.tests.test_intake import IntakeTestMixin
from dms_portal.portal import as_portal
from dms_portal.tests.tools import (
    PortalClientMixin, PortalTranslationTestMixin)
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase
from trytond.transaction import Transaction

PASSWORD = 'portal-secret-1'
COUNTED = {'confirmed', 'processing', 'done'}
CENT = Decimal('0.01')


def month(date):
    return date.replace(day=1)


def week(date):
    return date - dt.timedelta(days=date.weekday())


def quarter(date):
    return date.replace(month=(date.month - 1) // 3 * 3 + 1, day=1)


class DashboardTestCase(
        LockRetrySetUpMixin, PortalClientMixin, PortalTranslationTestMixin,
        RouteTestCase):
    "Test the dealer's dashboard of the portal"
    module = 'dms_reports'
    password = PASSWORD
    maxDiff = None

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        WebUser = pool.get('web.user')
        Date = pool.get('ir.date')
        Dealer = pool.get('dms.dealer')
        IntakeTestMixin.setup_network(cls)
        # A dealer without any order
        dealer_c = create_dealer(cls.company, 'C', tier=cls.silver)
        Dealer.activate([dealer_c])
        WebUser.create([{
                    'email': email, 'password': PASSWORD,
                    'dealer': dealer.id, 'dealer_role': role,
                    } for email, dealer, role in [
                    ('buyer@a.example.com', cls.dealer_a, 'buyer'),
                    ('viewer@a.example.com', cls.dealer_a, 'viewer'),
                    # (its choice of language is kept)
                    ('chinese@a.example.com', cls.dealer_a, 'buyer'),
                    ('buyer@b.example.com', cls.dealer_b, 'buyer'),
                    ('buyer@c.example.com', dealer_c, 'buyer'),
                    ]])
        today = Date.today()
        cls.today = today
        # (plain values: the records are of the set-up's transaction)
        Product = pool.get('product.product')
        with Transaction().set_context(company=cls.company.id):
            cls.list_prices = {c: Product(p.id).list_price_used
                for c, p in cls.products.items()}
        cls.names = {c: p.name for c, p in cls.products.items()}
        cls.currency_id = cls.company.currency.id
        cls.fridge = (cls.products['FR-1'].id, cls.products['FR-1'].name)
        cls.party_names = {
            'A': cls.dealer_a.party.name, 'B': cls.dealer_b.party.name}
        days = [0, 3, 20, 45, 80, 120, 200, 300, 370, 500]
        cls.spec = []
        prices = {
            'AC-1': [Decimal('800'), Decimal('1000'), Decimal('777.77')],
            'GOLD-ONLY': [Decimal('80'), Decimal('95.5')],
            'FR-1': [Decimal('400'), Decimal('450')],
            }
        n = 0
        for dealer in ['A', 'B']:
            for day in days:
                for state in ['confirmed', 'processing', 'done', 'draft',
                        'quotation', 'cancelled']:
                    n += 1
                    # A buys AC-1 and GOLD-ONLY; B buys AC-1 and FR-1 (which
                    # A never buys: it must never show on A's page)
                    codes = (['AC-1', 'GOLD-ONLY'] if dealer == 'A'
                        else ['AC-1', 'FR-1'])
                    lines = []
                    for i, code in enumerate(codes[:1 + n % 2]):
                        choices = prices[code]
                        lines.append({
                                'product': code,
                                'quantity': 1 + (n + i) % 4 * 2,
                                'unit_price': choices[(n + i) % len(choices)],
                                })
                    cls.spec.append({
                            'dealer': dealer,
                            'date': today - dt.timedelta(days=day),
                            'state': state,
                            'stage': ['received', 'confirmed', 'in_production',
                                'shipped', 'delivered', 'cancelled'][n % 6],
                            'lines': lines,
                            })
        cls.create_sales(cls.spec)

    @classmethod
    def create_sales(cls, specs):
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        dealers = {'A': cls.dealer_a, 'B': cls.dealer_b}
        sales = []
        for spec in specs:
            dealer = dealers[spec['dealer']]
            party = dealer.party
            sale = Sale(
                company=cls.company, party=party, dealer=dealer,
                invoice_address=party.addresses[0],
                shipment_address=party.addresses[0],
                currency=cls.company.currency,
                sale_date=spec['date'])
            sale.lines = [Line(
                    type='line',
                    product=cls.products[l['product']],
                    unit=cls.products[l['product']].default_uom,
                    quantity=l['quantity'],
                    unit_price=l['unit_price'],
                    description=l['product'],
                    ) for l in spec['lines']]
            sales.append(sale)
        Sale.save(sales)
        by_state = defaultdict(list)
        for sale, spec in zip(sales, specs):
            by_state[spec['state'], spec['stage']].append(sale)
        # Into their state and stage without the workflow
        Sale.write(*[x for (state, stage), records in by_state.items()
                for x in (records, {'state': state, 'dms_stage': stage})])
        return sales

    # The independent computation

    def expected(self, dealer, period='month'):
        "The figures of the dealer's dashboard computed from the spec"
        starter, count = {
            'week': (week, 26), 'month': (month, 13),
            'quarter': (quarter, 8)}[period]
        delta = {
            'week': relativedelta(weeks=1),
            'month': relativedelta(months=1),
            'quarter': relativedelta(months=3)}[period]
        last = starter(self.today)
        starts = [last - delta * n for n in range(count - 1, -1, -1)]
        from_date = starts[0]
        series = {s: [Decimal(0), 0] for s in starts}
        products = defaultdict(lambda: [Decimal(0), 0, set()])
        list_prices = self.list_prices
        list_amount = Decimal(0)
        stages = defaultdict(int)
        for n, spec in enumerate(self.spec):
            if spec['dealer'] != dealer:
                continue
            if spec['state'] != 'draft' and (
                    spec['stage'] not in {'delivered', 'cancelled'}
                    or spec['date'] >= from_date):
                stages[spec['stage']] += 1
            if spec['state'] not in COUNTED:
                continue
            if not (from_date <= spec['date'] <= self.today):
                continue
            amount = sum(l['quantity'] * l['unit_price']
                for l in spec['lines'])
            series[starter(spec['date'])][0] += amount
            series[starter(spec['date'])][1] += 1
            for line in spec['lines']:
                values = products[line['product']]
                values[0] += line['quantity'] * line['unit_price']
                values[1] += line['quantity']
                values[2].add(n)
                list_amount += line['quantity'] * list_prices[line['product']]
        revenue = sum((v[0] for v in series.values()), Decimal(0))
        return {
            'from_date': from_date,
            'series': [(s, series[s][0].quantize(CENT), series[s][1])
                for s in starts],
            'products': sorted(
                ((c, v[0].quantize(CENT), v[1], len(v[2]))
                    for c, v in products.items()),
                key=lambda p: -p[1]),
            'revenue': revenue.quantize(CENT),
            'orders': sum(v[1] for v in series.values()),
            'saved': (list_amount - revenue).quantize(CENT),
            'list_amount': list_amount.quantize(CENT),
            'stages': dict(stages),
            }

    def money(self, amount, lang='en'):
        with Transaction().start(self.db_name, 0):
            pool = Pool()
            Lang = pool.get('ir.lang')
            Currency = pool.get('currency.currency')
            return Lang.get(lang).currency(
                amount, Currency(self.currency_id), grouping=True)

    # Reading the page

    @staticmethod
    def chart_data(html):
        match = re.search(
            r'<script type="application/json" id="dashboard-data">(.*?)'
            r'</script>', html, re.S)
        return json.loads(match.group(1))

    @staticmethod
    def text_of(html, id_):
        match = re.search(r'id="%s"[^>]*>(.*?)<' % id_, html, re.S)
        return match.group(1).strip() if match else None

    @staticmethod
    def table(html, id_):
        "[[cell texts]] of the rows of the table's body"
        body = re.search(
            r'<table class="[^"]*" id="%s">.*?<tbody>(.*?)</tbody>' % id_,
            html, re.S).group(1)
        rows = []
        for row in re.findall(r'<tr[^>]*>(.*?)</tr>', body, re.S):
            rows.append([re.sub(r'<[^>]+>', '', c).strip()
                    for c in re.findall(r'<td[^>]*>(.*?)</td>', row, re.S)])
        return rows

    def page(self, client, query=''):
        response = client.get(self.url('dashboard' + query))
        self.assertEqual(response.status_code, HTTPStatus.OK)
        return response.get_data(as_text=True)

    # The tests

    def test_login_required(self):
        "Test the dashboard and its export lead to the sign-in"
        client = self.client()
        for path in ['dashboard', 'dashboard/export.xlsx']:
            with self.subTest(path=path):
                response = client.get(self.url(path))
                self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
                self.assertIn('/login', response.location)

    def test_figures(self):
        "Test the page shows the dealer's own figures, each period"
        client = self.client_for('buyer@a.example.com')
        for period, count in [('month', 13), ('week', 26), ('quarter', 8)]:
            with self.subTest(period=period):
                expected = self.expected('A', period)
                html = self.page(client, '?period=%s' % period)
                data = self.chart_data(html)
                self.assertEqual(len(data['series']['revenue']), count)
                self.assertEqual(
                    [Decimal(str(v)).quantize(CENT)
                        for v in data['series']['revenue']],
                    [r for _, r, _ in expected['series']])
                self.assertEqual(data['series']['orders'],
                    [o for _, _, o in expected['series']])
                dates = re.findall(r'<tr data-date="([\d-]+)">', html)
                self.assertEqual(dates,
                    [d.isoformat() for d, _, _ in expected['series']])
                self.assertEqual(
                    [r[1:] for r in self.table(html, 'revenue-table')],
                    [[self.money(r), str(o)]
                        for _, r, o in expected['series']])
                self.assertEqual(self.text_of(html, 'total-revenue'),
                    self.money(expected['revenue']))
                self.assertEqual(self.text_of(html, 'total-orders'),
                    str(expected['orders']))
                self.assertEqual(self.text_of(html, 'total-saved'),
                    self.money(expected['saved']))
                self.assertGreater(expected['saved'], 0)

                # Top products: names, quantities, revenues
                names = self.names
                self.assertEqual(data['products']['names'],
                    [names[c] for c, _, _, _ in expected['products']])
                self.assertEqual(data['products']['quantity'],
                    [q for _, _, q, _ in expected['products']])
                self.assertEqual(
                    [Decimal(str(v)).quantize(CENT)
                        for v in data['products']['revenue']],
                    [r for _, r, _, _ in expected['products']])
                self.assertEqual(self.table(html, 'products-table'), [
                        ['%s %s' % (c, names[c]), '%g' % q, self.money(r)]
                        for c, r, q, _ in expected['products']])

                # Orders by stage
                stages = {r[0]: int(r[1])
                    for r in self.table(html, 'stages-table')}
                self.assertEqual(
                    {k: v for k, v in stages.items() if v},
                    {k: v for k, v in {
                            'Received': expected['stages'].get('received'),
                            'Confirmed': expected['stages'].get('confirmed'),
                            'In production': expected['stages'].get(
                                'in_production'),
                            'Shipped': expected['stages'].get('shipped'),
                            'Delivered': expected['stages'].get('delivered'),
                            'Cancelled': expected['stages'].get('cancelled'),
                            }.items() if v})
                self.assertEqual(data['stages']['counts'],
                    [stages[n] for n in data['stages']['names']])

    def test_other_dealer_never_shown(self):
        """Test nothing of another dealer is shown, whatever the
        parameters"""
        client_a = self.client_for('buyer@a.example.com')
        own = self.page(client_a)
        fridge_id, fridge_name = self.fridge
        self.assertNotIn(fridge_name, own)
        self.assertNotIn('data-product="%s"' % fridge_id, own)
        b = self.dealer_b.id
        for query in ['?dealer=%s' % b, '?dealer_id=%s' % b,
                '?dealer=%s&period=month' % b, '?company=0',
                '?tier=%s' % self.silver.id, '?period=year',
                '?period=%00', '?period=' + 'x' * 1000]:
            with self.subTest(query=query):
                response = client_a.get(self.url('dashboard' + query))
                if response.status_code == HTTPStatus.BAD_REQUEST:
                    continue
                self.assertEqual(response.status_code, HTTPStatus.OK)
                html = response.get_data(as_text=True)
                self.assertEqual(self.chart_data(html), self.chart_data(own))
        # B sees its own figures, with the fridge
        expected_b = self.expected('B')
        html_b = self.page(self.client_for('buyer@b.example.com'))
        self.assertIn(fridge_name, html_b)
        self.assertEqual(self.text_of(html_b, 'total-revenue'),
            self.money(expected_b['revenue']))
        self.assertNotEqual(expected_b['revenue'],
            self.expected('A')['revenue'])

    def test_no_orders(self):
        "Test the dashboard and its export of a dealer without orders"
        client = self.client_for('buyer@c.example.com')
        for period, count in [('month', 13), ('week', 26), ('quarter', 8)]:
            with self.subTest(period=period):
                html = self.page(client, '?period=%s' % period)
                data = self.chart_data(html)
                self.assertEqual(data['series']['revenue'], [0] * count)
                self.assertEqual(data['series']['orders'], [0] * count)
                self.assertEqual(data['products']['names'], [])
                self.assertEqual(set(data['stages']['counts']), {0})
                self.assertEqual(self.text_of(html, 'total-revenue'),
                    self.money(Decimal(0)))
                self.assertIn('id="no-products"', html)
                self.assertNotIn('id="chart-products"', html)
                self.assertNotIn(self.party_names['A'], html)
                response = client.get(self.url(
                        'dashboard/export.xlsx?period=%s' % period))
                self.assertEqual(response.status_code, HTTPStatus.OK)
                book = openpyxl.load_workbook(
                    io.BytesIO(response.get_data()))
                revenue, products, summary = book.worksheets
                self.assertEqual(
                    [r[2:] for r in revenue.iter_rows(
                            min_row=2, values_only=True)],
                    [(0, 0)] * count)
                self.assertEqual(products.max_row, 1)

    def test_viewer(self):
        "Test a viewer of the dealer sees the dashboard"
        html = self.page(self.client_for('viewer@a.example.com'))
        self.assertEqual(self.text_of(html, 'total-revenue'),
            self.money(self.expected('A')['revenue']))

    def test_chinese(self):
        "Test the page in Chinese: period names and amounts"
        client = self.client_for('chinese@a.example.com')
        self.post(client, 'language', lang='zh_CN',
            next=self.url('dashboard'))
        html = self.page(client)
        data = self.chart_data(html)
        self.assertEqual(data['lang'], 'zh-CN')
        self.assertIn('经营看板', html)
        last = self.today.replace(day=1)
        self.assertEqual(data['series']['periods'][-1],
            '%s年%s月' % (last.year, last.month))
        self.assertEqual(self.text_of(html, 'total-revenue'),
            self.money(self.expected('A')['revenue'], 'zh_CN'))
        html = self.page(client, '?period=quarter')
        q = (self.today.month - 1) // 3 + 1
        self.assertEqual(self.chart_data(html)['series']['periods'][-1],
            '%s年第%s季度' % (self.today.year, q))

    def test_export(self):
        "Test the XLSX export holds the dealer's own figures, typed"
        for email, dealer in [('buyer@a.example.com', 'A'),
                ('buyer@b.example.com', 'B')]:
            client = self.client_for(email)
            for period in ['month', 'week']:
                with self.subTest(dealer=dealer, period=period):
                    expected = self.expected(dealer, period)
                    response = client.get(self.url(
                            'dashboard/export.xlsx?period=%s&dealer=%s' % (
                                period, self.dealer_a.id
                                if dealer == 'B' else self.dealer_b.id)))
                    self.assertEqual(response.status_code, HTTPStatus.OK)
                    self.assertIn('attachment', response.headers[
                            'Content-Disposition'])
                    book = openpyxl.load_workbook(
                        io.BytesIO(response.get_data()))
                    revenue, products, summary = book.worksheets
                    rows = list(revenue.iter_rows(min_row=2, values_only=True))
                    self.assertEqual(
                        [(r[0].date(), Decimal(str(r[2])).quantize(CENT),
                                r[3]) for r in rows],
                        expected['series'])
                    self.assertEqual(revenue.freeze_panes, 'A2')
                    self.assertTrue(revenue.auto_filter.ref)
                    self.assertEqual(revenue.cell(2, 3).number_format,
                        '#,##0.00')
                    rows = list(products.iter_rows(
                            min_row=2, values_only=True))
                    self.assertEqual(
                        [(r[0], Decimal(str(r[3])).quantize(CENT), r[2],
                                r[4]) for r in rows],
                        [(c, r, q, o) for c, r, q, o in expected['products']])
                    values = {r[0]: r[1] for r in summary.iter_rows(
                            values_only=True)}
                    self.assertIn(self.party_names[dealer], values['Dealer'])
                    self.assertEqual(values['From'].date(),
                        expected['from_date'])
                    self.assertEqual(
                        Decimal(str(values['Revenue'])).quantize(CENT),
                        expected['revenue'])
                    self.assertEqual(values['Orders'], expected['orders'])
                    self.assertEqual(
                        Decimal(str(values['Saved through your tier']
                                )).quantize(CENT),
                        expected['saved'])

    def test_nav(self):
        "Test the portal's navigation leads to the dashboard"
        html = self.client_for('buyer@a.example.com').get(
            self.url()).get_data(as_text=True)
        self.assertIn('href="%s"' % self.url('dashboard'), html)

    def test_echarts_served(self):
        "Test the portal serves ECharts itself (no CDN)"
        client = self.client_for('buyer@a.example.com')
        html = self.page(client)
        self.assertIn('src="%s"' % self.url('static/echarts.min.js'), html)
        self.assertNotIn('https://', re.sub(r'<a [^>]*>', '', html))
        response = client.get(self.url('static/echarts.min.js'))
        self.assertEqual(response.status_code, HTTPStatus.OK)
        self.assertIn(b'echarts', response.get_data()[:5000])
        response = client.get(self.url('static/dashboard.js'))
        self.assertEqual(response.status_code, HTTPStatus.OK)

    def test_method_refuses_other_dealer(self):
        """Test the dashboard's figures are refused for another dealer than
        the one of the portal's session"""
        with Transaction().start(self.db_name, 0), \
                Transaction().set_context(company=self.company.id):
            pool = Pool()
            Dealer = pool.get('dms.dealer')
            WebUser = pool.get('web.user')
            web_user, = WebUser.search([('email', '=', 'buyer@a.example.com')])
            with as_portal(pool, web_user):
                figures = Dealer.dms_dashboard(Dealer(self.dealer_a.id))
                self.assertEqual(figures['revenue'],
                    self.expected('A')['revenue'])
                with self.assertRaises(AccessError):
                    Dealer.dms_dashboard(Dealer(self.dealer_b.id))
