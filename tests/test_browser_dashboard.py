# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The dealer's dashboard of the portal in a real browser (Playwright in
Debian's headless Chromium, a real trytond on the demo database).

A buyer of dealer D0001 opens the dashboard from the navigation: the three
charts are drawn by ECharts (a canvas in each, an ECharts instance holding
the series), the figures of the charts and of the page equal a computation
over XML-RPC from D0001's sale lines, nothing of D0005 is shown; on a laptop
(1366 px) and a phone (390 px, no horizontal scroll), in English and in
Chinese (the axis and the periods in Chinese, ECharts' Chinese locale), and
without any request outside the server (ECharts is served by the portal).

Screenshots: docs/screenshots/dashboard-en.png and dashboard-zh.png (laptop)
and dashboard-phone.png, when DMS_SCREENSHOTS=1 or when they are missing."""
import datetime as dt
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlsplit

from tests import browser
from tests.fixtures import DEMO_LOGINS

COUNTED = ['confirmed', 'processing', 'done']
LAPTOP = {'width': 1366, 'height': 900}
PHONE = {'width': 390, 'height': 844}
CENT = Decimal('0.01')
CHARTS = ['chart-revenue', 'chart-products', 'chart-stages']
# The series of each chart's ECharts instance and the size of its canvas
CHART_STATE = """(id) => {
    const element = document.getElementById(id);
    const chart = element && echarts.getInstanceByDom(element);
    if (!chart) return null;
    const option = chart.getOption();
    const canvas = element.querySelector('canvas');
    return {
        series: option.series.map(s => ({name: s.name, data: s.data})),
        xAxis: option.xAxis.map(a => a.data || null),
        yAxis: option.yAxis.map(a => a.data || null),
        canvas: canvas ? [canvas.clientWidth, canvas.clientHeight] : null,
        width: element.getBoundingClientRect().width,
        locale: chart.getModel().getLocaleModel().get('time').month[0],
    };
}"""


def amount(text):
    "The number of a formatted amount"
    return Decimal(re.sub(r'[^\d.-]', '', text))


@browser.requires_chromium
class DashboardBrowserTestCase(browser.BrowserTestCase):
    "The dealer's dashboard: charts rendered, numbers right, both languages"
    optional_urls = re.compile(r'/favicon\.ico$')
    viewport = LAPTOP

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.admin = cls.server.session_rpc(*DEMO_LOGINS['admin']).model
            cls.accounts = cls.admin.web.user.search([('email', 'in', [
                            e for e, _ in DEMO_LOGINS.values() if '@' in e])],
                0, None, None, {})
        except BaseException:
            cls.tearDownClass()
            raise

    def setUp(self):
        self.admin.web.user.write(self.accounts, {'dms_language': None}, {})
        self.errors_before = len(self.console_errors)
        self.requests = []

    def open(self, viewport=LAPTOP):
        page = self.new_page(viewport=viewport)
        page.on('request', lambda request: self.requests.append(request.url))
        self.sign_in(page=page)
        return page

    def expected(self, from_date, to_date):
        """D0001's figures between the dates from its sale lines over
        XML-RPC: revenue and orders per month, revenue and quantity per
        product"""
        admin = self.admin
        dealer, = admin.dms.dealer.search(
            [('code', '=', 'D0001')], 0, None, None, {})
        sales = []
        for sale in admin.sale.sale.search_read([
                    ('dealer', '=', dealer),
                    ('state', 'in', COUNTED),
                    ], 0, None, None, ['sale_date'], {}):
            # (dates are not marshalled in XML-RPC requests)
            date = sale['sale_date']
            if isinstance(date, dict):
                # Tryton's JSON-RPC
                date = dt.date(date['year'], date['month'], date['day'])
            elif isinstance(date, dt.datetime):
                date = date.date()
            elif not isinstance(date, dt.date):
                date = dt.date.fromisoformat(str(date)[:10])
            if from_date <= date <= to_date:
                sale['sale_date'] = date
                sales.append(sale)
        lines = admin.sale.line.search_read(
            [('sale', 'in', [s['id'] for s in sales]),
                ('type', '=', 'line')], 0, None, None,
            ['sale', 'product', 'quantity', 'actual_quantity',
                'unit_price'], {})
        dates = {s['id']: s['sale_date'] for s in sales}
        months = defaultdict(Decimal)
        orders = defaultdict(set)
        products = defaultdict(Decimal)
        for line in lines:
            quantity = line['actual_quantity']
            if quantity is None:
                quantity = line['quantity']
            value = Decimal(str(quantity)) * Decimal(str(line['unit_price']))
            date = dates[line['sale']]
            months[date.replace(day=1)] += value
            orders[date.replace(day=1)].add(line['sale'])
            if line['product']:
                products[line['product']] += value
        for sale in sales:
            orders[sale['sale_date'].replace(day=1)].add(sale['id'])
        codes = {p['id']: p['code'] for p in admin.product.product.read(
                list(products), ['code'], {})} if products else {}
        return {
            'months': {m: v.quantize(CENT, ROUND_HALF_UP)
                for m, v in months.items()},
            'orders': {m: len(v) for m, v in orders.items()},
            'products': {codes[p]: v.quantize(CENT, ROUND_HALF_UP)
                for p, v in products.items()},
            }

    def check_dashboard(self, page, chinese=False):
        "The charts are drawn and hold the figures of D0001"
        with self.step("wait for the charts", page):
            page.wait_for_function(
                "() => window.echarts && ['chart-revenue', 'chart-products',"
                " 'chart-stages'].every(id => echarts.getInstanceByDom("
                "document.getElementById(id)))")
        states = {c: page.evaluate(CHART_STATE, c) for c in CHARTS}
        with self.step("check the charts are rendered", page):
            for chart, state in states.items():
                self.assertIsNotNone(state, chart)
                self.assertIsNotNone(state['canvas'], chart)
                self.assertGreater(state['canvas'][0], 100, chart)
                self.assertGreater(state['canvas'][1], 100, chart)
                self.assertLessEqual(state['width'],
                    page.viewport_size['width'], chart)
        dates = [dt.date.fromisoformat(d) for d in page.locator(
                '#revenue-table tbody tr').evaluate_all(
                "rows => rows.map(r => r.dataset.date)")]
        self.assertEqual(len(dates), 13)
        to_date = dt.date.fromisoformat(page.evaluate(
                "() => document.getElementById('dashboard-range')"
                ".dataset.to"))
        expected = self.expected(dates[0], to_date)
        with self.step("check the revenue trend", page):
            revenue = states['chart-revenue']
            self.assertEqual(
                [Decimal(str(v)).quantize(CENT)
                    for v in revenue['series'][0]['data']],
                [expected['months'].get(d, Decimal('0.00')) for d in dates])
            self.assertEqual(revenue['series'][1]['data'],
                [expected['orders'].get(d, 0) for d in dates])
            self.assertTrue(any(revenue['series'][0]['data']),
                "D0001 has no revenue in the last 13 months")
            labels = revenue['xAxis'][0]
            if chinese:
                self.assertEqual(labels[-1], '%s年%s月' % (
                        dates[-1].year, dates[-1].month))
                self.assertEqual(revenue['locale'], '一月')
            else:
                self.assertEqual(labels[-1], '%s-%02d' % (
                        dates[-1].year, dates[-1].month))
                self.assertEqual(revenue['locale'], 'January')
            total = amount(page.locator('#total-revenue').inner_text())
            self.assertEqual(total, sum(expected['months'].values(),
                    Decimal(0)))
        with self.step("check the top products", page):
            products = states['chart-products']
            names = products['yAxis'][0]
            values = [Decimal(str(v)).quantize(CENT)
                for v in products['series'][0]['data']]
            ranking = sorted(expected['products'].values(), reverse=True)
            self.assertEqual(values, ranking[:len(values)])
            self.assertEqual(len(values), min(10, len(ranking)))
            data = page.evaluate("() => JSON.parse(document.getElementById("
                "'dashboard-data').textContent).products")
            self.assertEqual(names, data['names'])
            for code, value in zip(data['codes'], values):
                self.assertEqual(expected['products'][code], value, code)
        with self.step("check the orders by stage", page):
            stages = states['chart-stages']
            rows = page.locator('#stages-table tbody tr')
            counts = [int(t) for t in self.texts(
                    rows.locator('td:nth-child(2)'))]
            self.assertEqual(stages['series'][0]['data'], counts)
            self.assertEqual(stages['yAxis'][0], self.texts(
                    rows.locator('td:nth-child(1)')))
        with self.step("check nothing of D0005 is shown", page):
            self.assertNotIn('D0005', page.locator('body').inner_text())
        with self.step("check nothing came from outside the server", page):
            host = urlsplit(self.portal).netloc
            self.assertEqual([u for u in self.requests
                    if urlsplit(u).netloc not in {host, ''}
                    and not u.startswith('data:')], [])

    def test_dashboard(self):
        "The dashboard on a laptop, in English then in Chinese"
        page = self.open()
        with self.step("open the dashboard from the navigation", page):
            page.locator('#nav a', has_text="Dashboard").click()
            page.wait_for_url(self.url('dashboard'))
            self.assertEqual(page.locator('h1').inner_text().strip(),
                "Dashboard")
        self.check_dashboard(page)
        self.save_screenshot('dashboard-en.png', page, full_page=True)

        with self.step("switch to Chinese", page):
            page.locator('button[name=lang][value=zh_CN]').click()
            page.wait_for_url(self.url('dashboard'))
            self.assertEqual(page.locator('h1').inner_text().strip(),
                "经营看板")
        self.check_dashboard(page, chinese=True)
        with self.step("check the amounts in Chinese", page):
            self.assertIn('¥', page.locator('#total-revenue').inner_text())
        self.save_screenshot('dashboard-zh.png', page, full_page=True)

        with self.step("switch the period to quarters", page):
            page.locator('#period-switch a').nth(2).click()
            page.wait_for_url(self.url('dashboard?period=quarter'))
            page.wait_for_function(
                "() => window.echarts && echarts.getInstanceByDom("
                "document.getElementById('chart-revenue'))")
            state = page.evaluate(CHART_STATE, 'chart-revenue')
            self.assertEqual(len(state['series'][0]['data']), 8)
            self.assertRegex(state['xAxis'][0][-1], r'^\d{4}年第[1-4]季度$')
        self.assertEqual(self.console_errors[self.errors_before:], [],
            "errors in the browser")

    def test_phone(self):
        "The dashboard on a phone: one column, no horizontal scroll"
        page = self.open(PHONE)
        with self.step("open the dashboard from the menu", page):
            page.locator('.menu-toggle').click()
            page.locator('#nav a', has_text="Dashboard").click()
            page.wait_for_url(self.url('dashboard'))
        self.check_dashboard(page)
        with self.step("check the width", page):
            self.assertTrue(page.evaluate(
                    "() => document.scrollingElement.scrollWidth"
                    " <= window.innerWidth"), "horizontal scroll")
        self.save_screenshot('dashboard-phone.png', page, full_page=True)
        with self.step("switch to Chinese", page):
            page.locator('.menu-toggle').click()
            page.locator('button[name=lang][value=zh_CN]').click()
            page.wait_for_url(self.url('dashboard'))
        self.check_dashboard(page, chinese=True)
        with self.step("check the width in Chinese", page):
            self.assertTrue(page.evaluate(
                    "() => document.scrollingElement.scrollWidth"
                    " <= window.innerWidth"), "horizontal scroll")
        self.assertEqual(self.console_errors[self.errors_before:], [],
            "errors in the browser")
