# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Order tracking in the dealer portal, in a real browser, on the demo
database: a buyer of D0001 sees the alert of its late order on the home
page, opens the order (stage steps, expected delivery, timeline, alert),
opens a shipped order (carrier and tracking number) and puts the
replenishment suggestions in its cart.  Every page is checked against the
database over XML-RPC.

The screenshot of the late order goes to docs/screenshots/ (see
tests/browser.py).
"""
import datetime as dt
import re

from tests import browser
from tests.fixtures import DEMO_LOGINS

# Rows of a table as {header: text}
TABLE_ROWS = """(selector) => {
    const table = document.querySelector(selector);
    if (!table) return [];
    const heads = [...table.tHead.rows[0].cells].map(c => c.innerText.trim());
    return [...table.tBodies[0].rows].map(row => Object.fromEntries(
        [...row.cells].map((c, i) => [heads[i] || i, c.innerText.trim()])));
}"""
STEPS = ["Received", "Confirmed", "In production", "Ready to ship",
    "Shipped", "Delivered"]


def day(value):
    "The date Tryton sends over XML-RPC as a struct, as the portal shows it"
    if not value:
        return '—'
    if not isinstance(value, dt.date):
        # a struct, unless trytond.protocols.xmlrpc (imported by other tests)
        # has registered its unmarshaller in xmlrpc.client
        value = dt.date(value['year'], value['month'], value['day'])
    return value.isoformat()


@browser.requires_chromium
class TrackingBrowserTestCase(browser.BrowserTestCase):
    "Dealer portal: alerts, tracking of an order, suggestions to the cart"
    optional_urls = re.compile(r'/favicon\.ico$')

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.admin = cls.server.session_rpc(*DEMO_LOGINS['admin']).model
            dealer, = cls.admin.dms.dealer.search_read(
                [('code', '=', 'D0001')], 0, 1, None, ['id'], {})
            cls.dealer = dealer['id']
        except BaseException:
            cls.tearDownClass()
            raise

    def setUp(self):
        self.page = self.new_page()
        self.errors_before = len(self.console_errors)

    def tearDown(self):
        self.page.context.close()

    def rows(self, selector):
        return self.page.evaluate(TABLE_ROWS, selector)

    def sale(self, domain):
        "The first order of D0001 matching the domain, with its tracking"
        sales = self.admin.sale.sale.search_read(
            [('dealer', '=', self.dealer)] + domain, 0, 1, [('id', 'ASC')],
            ['number', 'dms_stage', 'promised_date', 'eta', 'dms_events',
                'shipments'], {})
        self.assertTrue(sales, "D0001 has no order %s" % domain)
        return sales[0]

    def cart_lines(self):
        "The lines of the buyer's cart in the database: {code: quantity}"
        carts = self.admin.sale.sale.search_read([
                ('dealer', '=', self.dealer), ('state', '=', 'draft'),
                ('web_user.email', '=', DEMO_LOGINS['d0001.buyer'][0]),
                ], 0, None, [('id', 'ASC')], ['lines'], {})
        if not carts:
            return {}
        lines = self.admin.sale.line.search_read(
            [('sale', '=', carts[-1]['id']), ('type', '=', 'line')],
            0, None, None, ['product.code', 'quantity'], {})
        return {l['product.']['code']: l['quantity'] for l in lines}

    def empty_cart(self):
        page = self.page
        page.goto(self.url('cart'))
        while page.locator('#cart-lines button[value=remove]').count():
            with page.expect_navigation():
                page.locator('#cart-lines button[value=remove]').first.click()

    def assertNoNewErrors(self):
        self.assertEqual(self.console_errors[self.errors_before:], [],
            "errors in the browser")

    def assertStage(self, sale):
        "The stage steps show the stage of the sale as the current one"
        page = self.page
        stage = page.locator('#order-stage')
        self.assertEqual(stage.get_attribute('data-stage'), sale['dms_stage'])
        self.assertEqual(self.texts(stage.locator('li')), STEPS)
        reached = ['received', 'confirmed', 'in_production', 'ready',
            'shipped', 'delivered'].index(sale['dms_stage'])
        self.assertEqual(self.texts(stage.locator('li.done')),
            STEPS[:reached])
        self.assertEqual(self.texts(stage.locator('li[aria-current=step]')),
            [STEPS[reached]])

    def test_late_order_shipped_order_and_suggestions(self):
        "Alert on the home page, late order, shipped order, suggestions"
        page = self.page
        alerts = self.admin.dms.order.alert.search_read([
                ('dealer', '=', self.dealer), ('state', '=', 'open'),
                ], 0, None, None, ['sale', 'kind', 'description'], {})
        late = [a for a in alerts if a['kind'] == 'late']
        self.assertTrue(late, "D0001 has no late order")
        sale = self.sale([('id', '=', late[0]['sale'])])

        with self.step("sign in: the alert is on the home page"):
            self.sign_in()
            section = page.locator('#home-alerts')
            section.wait_for(state='visible')
            items = self.texts(section.locator('li'))
            self.assertEqual(len(items), min(len(alerts), 10))
            self.assertIn("%s · Late: " % sale['number'], '\n'.join(items))

        with self.step("open the late order from its alert"):
            section.locator('li', has_text="Late").get_by_role(
                'link', name=sale['number']).click()
            page.wait_for_url(self.url('orders/%s' % sale['id']))
            self.assertEqual(page.locator('h1').inner_text().strip(),
                "Order %s" % sale['number'])

        with self.step("the stage steps, the dates and the timeline"):
            self.assertStage(sale)
            self.assertEqual(page.locator('#order-promised').inner_text(),
                day(sale['promised_date']))
            self.assertEqual(page.locator('#order-eta').inner_text(),
                day(sale['eta']))
            self.assertGreater(day(sale['eta']), day(sale['promised_date']))
            # The latest first
            events = sorted(self.admin.dms.order.event.read(
                    sale['dms_events'], ['date', 'description'], {}),
                key=lambda e: (e['date'], e['id']), reverse=True)
            timeline = self.texts(page.locator('#order-timeline li'))
            self.assertGreaterEqual(len(timeline), 4)
            self.assertEqual(len(timeline), len(events))
            for text, event in zip(timeline, events):
                self.assertIn(event['description'], text)
            self.assertTrue(any(t.startswith(
                        "ETA changed to") for t in (
                        e['description'] for e in events)))

        with self.step("the alert of the order"):
            box = page.locator('#order-alerts')
            self.assertTrue(box.is_visible())
            kinds = {a['kind'] for a in alerts if a['sale'] == sale['id']}
            self.assertEqual(len(self.texts(box.locator('li'))), len(kinds))
            late_item = box.locator('li', has_text="Late")
            self.assertIn(late[0]['description'], late_item.inner_text())
            self.save_screenshot('portal-order-tracking.png')

        shipped = self.sale([('dms_stage', '=', 'shipped')])
        with self.step("open a shipped order: carrier and tracking number"):
            page.goto(self.url('orders/%s' % shipped['id']))
            self.assertStage(shipped)
            shipments = self.admin.stock.shipment.out.read(
                shipped['shipments'],
                ['number', 'carrier.rec_name', 'tracking_number'], {})
            rows = {r['Shipment']: r for r in self.rows('#order-shipments')}
            self.assertEqual(set(rows), {s['number'] for s in shipments})
            for shipment in shipments:
                row = rows[shipment['number']]
                self.assertTrue(shipment['tracking_number'])
                self.assertEqual(row['Tracking number'],
                    shipment['tracking_number'])
                self.assertEqual(row['Carrier'],
                    shipment['carrier.']['rec_name'])
                self.assertIn("SF Express", row['Carrier'])
                self.assertEqual(row['State'], "Shipped")
                self.assertIn(shipment['tracking_number'],
                    page.locator('#order-timeline').inner_text())
            self.assertTrue(page.locator('#confirm-receipt').is_visible())

        suggestions = self.admin.dms.order.suggestion.search_read(
            [('dealer', '=', self.dealer)], 0, None, None,
            ['product.code', 'quantity', 'reason'], {})
        self.assertTrue(suggestions, "D0001 has no suggestions")
        with self.step("open the suggestions from the home page"):
            self.empty_cart()
            self.assertEqual(self.cart_lines(), {})
            page.goto(self.url())
            page.locator('#home-suggestions').get_by_role(
                'link', name="See the suggestions").click()
            page.wait_for_url(self.url('suggestions'))
            rows = self.rows('table#suggestions')
            self.assertEqual(
                sorted((r['Code'], r['Suggested quantity'], r['Why'])
                    for r in rows),
                # The factory's reason, told to the dealer
                sorted((s['product.']['code'], '{:g}'.format(s['quantity']),
                        re.sub(r'^Orders about ', "You order about ",
                            s['reason'])) for s in suggestions))

        with self.step("put the suggestions in the cart"):
            page.locator('#use-suggestions').click()
            page.locator('#quick-report').wait_for(state='visible')
            # (with a warning when more than can be promised)
            self.assertEqual(
                {r['Code']: r['Result'].split(' ', 1)[0]
                    for r in self.rows('#quick-report table')},
                {s['product.']['code']: "Added" for s in suggestions})
            self.assertEqual(self.cart_lines(), {
                    s['product.']['code']: s['quantity']
                    for s in suggestions})
            self.empty_cart()
        self.assertNoNewErrors()
