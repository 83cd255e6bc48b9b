# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Ordering in the dealer portal, in a real browser: a buyer of D0001 fills
its cart by quick order and by uploading CSV and XLSX files (with the report
of each line), checks out with a line the factory cannot promise (refused
on its line, nothing saved), fixes it and submits; then opens the order,
finds it in the list with the filters, downloads it as PDF and XLSX and
orders it again.  Lines over what the factory can promise are added with a
warning (in English and Chinese) and a refused checkout lists its problems
at the top; the ordering pages fit a phone.  Every result is checked
against the database over XML-RPC.

Screenshots of the cart with the upload report, the refused checkout (and
its problems), the order and the orders list (and on a phone) go to
docs/screenshots/ (see tests/browser.py).
"""
import datetime as dt
import io
import os
import re
import shutil
import subprocess
import tempfile

import openpyxl

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


@browser.requires_chromium
class OrderingBrowserTestCase(browser.BrowserTestCase):
    "Dealer portal: quick order, upload, checkout, order, list, downloads"
    # The browser asks for the icon of the site, which the portal has not;
    # a refused checkout answers 400 (its page is checked)
    optional_urls = re.compile(r'/favicon\.ico$|/cart/checkout$')

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.admin = cls.server.session_rpc(*DEMO_LOGINS['admin'])
            dealer, = cls.admin.model.dms.dealer.search_read(
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

    def sales(self, domain):
        return self.admin.model.sale.sale.search_read(
            [('dealer', '=', self.dealer)] + domain, 0, None,
            [('id', 'ASC')], ['number', 'state', 'external_reference',
                'reference', 'lines', 'comment'], {})

    def cart_lines(self):
        "The lines of the buyer's cart in the database: {code: quantity}"
        carts = self.sales([('state', '=', 'draft'),
                ('web_user.email', '=', DEMO_LOGINS['d0001.buyer'][0])])
        if not carts:
            return {}
        lines = self.admin.model.sale.line.read(
            carts[-1]['lines'], ['product', 'quantity', 'type'], {})
        products = {p['id']: p['code'] for p in
            self.admin.model.product.product.read(
                [l['product'] for l in lines if l['product']], ['code'], {})}
        return {products[l['product']]: l['quantity'] for l in lines
            if l['type'] == 'line'}

    def empty_cart(self):
        page = self.page
        page.goto(self.url('cart'))
        while page.locator('#cart-lines button[value=remove]').count():
            with page.expect_navigation():
                page.locator('#cart-lines button[value=remove]').first.click()

    def catalogue_row(self, code):
        page = self.page
        page.goto(self.url('catalogue?q=' + code))
        row, = [r for r in self.rows('table#catalogue') if r['Code'] == code]
        return row

    def assertNoNewErrors(self):
        self.assertEqual(self.console_errors[self.errors_before:], [],
            "errors in the browser")

    def availability(self):
        """{code: available quantity} of the catalogue's products (0 when
        out of stock), read from its pages"""
        page = self.page
        available, number = {}, 1
        while True:
            page.goto(self.url('catalogue?page=%s' % number))
            for row in self.rows('table#catalogue'):
                match = re.search(r'(\d+) available', row['Availability'])
                available[row['Code']] = int(match.group(1)) if match else 0
            if not page.locator('nav.pager a[rel=next]').count():
                return available
            number += 1

    def test_cart_warnings(self):
        """Lines over what can be promised: added with a warning (quick
        order, catalogue), availability on each line, a refused checkout's
        summary at the top; in English and Chinese"""
        page = self.page
        with self.step("sign in, empty the cart, read the availability"):
            self.sign_in()
            self.empty_cart()
            available = self.availability()
            # Not the products the other tests order
            others = ['AC-1001', 'SP-6009', 'WM-3002']
            short = next(c for c, q in sorted(available.items())
                if q > 0 and c not in others)
            empty = next(c for c, q in sorted(available.items())
                if q == 0 and c not in others)

        with self.step("quick order in lowercase, over the availability"):
            page.goto(self.url('cart'))
            page.fill('#lines', "%s %s\n%s 1" % (
                    short.lower(), available[short] + 5, empty.lower()))
            page.get_by_role('button', name="Add to cart").click()
            page.locator('#quick-report').wait_for(state='visible')
            rows = self.rows('#quick-report table')
            self.assertEqual([r['Code'] for r in rows], [short, empty])
            self.assertEqual(rows[0]['Result'], "Added "
                "Only %s can be promised now: lower the quantity to submit "
                "the order." % available[short])
            self.assertEqual(rows[1]['Result'], "Added "
                "Out of stock: the order cannot be submitted with this "
                "line now.")
            self.assertEqual(self.cart_lines(),
                {short: available[short] + 5, empty: 1})

        with self.step("the availability and warnings on the cart's lines"):
            lines = {r['Code']: r for r in self.rows('#cart-lines')}
            self.assertEqual(lines[short]['Availability'],
                "%s available" % available[short])
            self.assertEqual(lines[empty]['Availability'], "Out of stock")
            self.assertEqual(page.locator(
                    '#cart-lines .line-warning').count(), 2)

        with self.step("add from the catalogue: a warning"):
            page.goto(self.url('catalogue?q=' + empty))
            page.locator('table#catalogue tbody tr').first.get_by_role(
                'button', name="Add").click()
            page.wait_for_url(re.compile(r'.*/catalogue\?q='))
            self.assertIn("the factory cannot promise that quantity now",
                page.locator('.flash').inner_text())
            self.assertEqual(self.cart_lines()[empty], 2)

        with self.step("check out: refused, the problems at the top"):
            page.goto(self.url('cart'))
            page.fill('#reference', 'WARN-%s' % dt.datetime.now().strftime(
                    '%H%M%S%f'))
            page.locator('#checkout button.primary').click()
            summary = page.locator('#checkout-problems')
            summary.wait_for(state='visible')
            # Above the lines, a link to each line with its problem
            self.assertLess(summary.bounding_box()['y'],
                page.locator('#cart-lines').bounding_box()['y'])
            self.assertIn("The order is not submitted",
                summary.inner_text())
            links = summary.locator('a')
            self.assertEqual(self.texts(links), [short, empty])
            items = self.texts(summary.locator('li'))
            self.assertRegex(items[0], r'^%s: Only %s of "\[%s\] ' % (
                    short, available[short], short))
            self.assertRegex(items[1], r'^%s: "\[%s\] .*" is out of '
                'stock: none can be promised now\.$' % (empty, empty))
            links.first.click()
            page.wait_for_url(re.compile(r'#line-\d+$'))
            anchor = page.url.rsplit('#', 1)[1]
            self.assertIn(short,
                page.locator('#%s' % anchor).inner_text())
            self.save_screenshot('portal-checkout-problems.png',
                full_page=True)
            self.assertEqual(len(self.sales([('state', '!=', 'draft'),
                            ('external_reference', 'like', 'WARN-%')])), 0)

        with self.step("the warnings in Chinese"):
            page.goto(self.url('cart'))
            page.get_by_role('button', name="简体中文").click()
            try:
                page.locator('html[lang="zh-CN"]').wait_for(
                    state='attached')
                warnings = self.texts(
                    page.locator('#cart-lines .line-warning'))
                self.assertEqual(warnings, [
                        "目前仅可承诺 %s：请减少数量后再提交订单。"
                        % available[short],
                        "缺货：含有此行的订单目前无法提交。"])
                lines = {r['编码']: r for r in self.rows('#cart-lines')}
                self.assertEqual(lines[empty]['供货情况'], "缺货")
            finally:
                # The language is the web user's: the other tests read
                # English
                page.get_by_role('button', name="English").click()
                page.locator('html[lang="en"]').wait_for(state='attached')
            self.empty_cart()
        self.assertNoNewErrors()

    def test_ordering_phone(self):
        "The orders, catalogue, product, cart and suggestions on a phone"
        self.page.context.close()
        page = self.page = self.new_page(viewport={
                'width': 390, 'height': 844})
        with self.step("sign in on a phone, a line in the cart"):
            self.sign_in(page=page)
            self.empty_cart()
            page.fill('#lines', "AC-1001 1")
            page.get_by_role('button', name="Add to cart").click()
            page.locator('#quick-report').wait_for(state='visible')
        for path in ['orders', 'catalogue', 'catalogue?q=AC-1001', 'cart',
                'suggestions']:
            with self.step("open %s on a phone" % path):
                page.goto(self.url(path))
                widths = page.evaluate("() => [document.scrollingElement"
                    ".scrollWidth, innerWidth]")
                self.assertLessEqual(widths[0], widths[1], path)
                if path == 'catalogue?q=AC-1001':
                    page.locator('table#catalogue tbody a').last.click()
                    page.wait_for_url(re.compile(r'/catalogue/\d+$'))
                    self.assertTrue(
                        page.locator('#product-picture').is_visible())
                    widths = page.evaluate("() => [document.scrollingElement"
                        ".scrollWidth, innerWidth]")
                    self.assertLessEqual(widths[0], widths[1], page.url)
        with self.step("the orders' filters stacked on a phone"):
            page.goto(self.url('orders'))
            boxes = [page.locator(s).bounding_box() for s in [
                    '#q', '#state', '#from', '#to']]
            for box in boxes:
                self.assertLessEqual(box['x'] + box['width'], 390)
            # The dates side by side under the text and the state
            self.assertLess(boxes[0]['y'], boxes[1]['y'])
            self.assertLess(boxes[1]['y'], boxes[2]['y'])
            self.assertEqual(boxes[2]['y'], boxes[3]['y'])
            self.save_screenshot('portal-orders-phone.png')
            self.empty_cart()
        self.assertNoNewErrors()

    def test_quick_order_upload_and_checkout(self):
        "Quick order, CSV and XLSX uploads, refused then accepted checkout"
        page = self.page
        with self.step("sign in and empty the cart"):
            self.sign_in()
            self.empty_cart()
            self.assertEqual(self.cart_lines(), {})

        with self.step("find what the factory can promise"):
            row = self.catalogue_row('AC-1001')
            available = int(re.search(
                    r'(\d+) available', row['Availability']).group(1))
            self.assertGreater(available, 0)

        with self.step("quick order: one good line, one unknown code"):
            page.goto(self.url('cart'))
            page.fill('#lines', "AC-1001 %s\nNOPE-1 3" % (available + 1))
            page.get_by_role('button', name="Add to cart").click()
            report = page.locator('#quick-report')
            report.wait_for(state='visible')
            rows = self.rows('#quick-report table')
            # Added, with a warning: more than can be promised
            self.assertEqual([(r['Code'], r['Result']) for r in rows], [
                    ('AC-1001', "Added Only %s can be promised now: lower "
                        "the quantity to submit the order." % available),
                    ('NOPE-1', 'Unknown product code "NOPE-1".')])
            self.assertIn("Lines added: 1. Lines refused: 1.", report.inner_text())
            self.assertEqual(self.cart_lines(), {'AC-1001': available + 1})

        with self.step("upload a CSV file"):
            with tempfile.TemporaryDirectory() as directory:
                path = os.path.join(directory, 'order.csv')
                with open(path, 'w', encoding='utf-8') as fp:
                    fp.write('code,quantity\nWM-3002,2\n'
                        'WM-3002,0\n=cmd|calc,1\n')
                page.set_input_files('#file', path)
                page.get_by_role('button', name="Upload").click()
                page.locator('#quick-report').wait_for(state='visible')
            rows = self.rows('#quick-report table')
            self.assertEqual([(r['Row'], r['Code']) for r in rows],
                [('2', 'WM-3002'), ('3', 'WM-3002'), ('4', '=cmd|calc')])
            self.assertEqual(rows[0]['Result'], "Added")
            self.assertIn("greater than zero", rows[1]['Result'])
            self.assertIn("Formulas are not accepted", rows[2]['Result'])
            self.save_screenshot('portal-upload.png', full_page=True)

        with self.step("upload an XLSX file"):
            workbook = openpyxl.Workbook()
            workbook.active.append(['SKU', 'Qty'])
            workbook.active.append(['SP-6009', 3])
            with tempfile.TemporaryDirectory() as directory:
                path = os.path.join(directory, 'order.xlsx')
                workbook.save(path)
                page.set_input_files('#file', path)
                page.get_by_role('button', name="Upload").click()
                page.locator('#quick-report').wait_for(state='visible')
            rows = self.rows('#quick-report table')
            self.assertEqual([(r['Code'], r['Result']) for r in rows],
                [('SP-6009', "Added")])
            self.assertEqual(self.cart_lines(), {
                    'AC-1001': available + 1, 'WM-3002': 2, 'SP-6009': 3})

        reference = 'BROWSER-%s' % dt.datetime.now().strftime('%H%M%S%f')
        with self.step("check out: refused on the line that is short"):
            page.fill('#reference', reference)
            page.fill('#note', "Deliver to the <back> gate")
            page.locator('#checkout button.primary').click()
            page.wait_for_load_state()
            errors = page.locator('#cart-lines .line-error')
            errors.first.wait_for(state='visible')
            self.assertEqual(errors.count(), 1)
            line = page.locator('#cart-lines tbody tr').filter(
                has=page.locator('.line-error'))
            self.assertIn('AC-1001', line.inner_text())
            self.assertIn("Only %s of" % available, errors.first.inner_text())
            # Nothing saved, the form is kept
            self.assertEqual(self.sales(
                    [('external_reference', '=', reference)]), [])
            self.assertEqual(page.input_value('#reference'), reference)
            self.save_screenshot('portal-checkout-refused.png',
                full_page=True)

        with self.step("fix the quantity and submit"):
            line.locator('input[name=quantity]').fill(str(available))
            line.get_by_role('button', name="Update").click()
            page.wait_for_load_state()
            self.assertEqual(self.cart_lines()['AC-1001'], available)
            page.fill('#reference', reference)
            page.fill('#note', "Deliver to the <back> gate")
            page.locator('#checkout button.primary').click()
            page.wait_for_url(re.compile(r'.*/orders/\d+$'))
            flash = page.locator('.flash')
            self.assertIn("Your order is submitted", flash.inner_text())

        with self.step("check the order page against the database"):
            sale, = self.sales([('external_reference', '=', reference)])
            self.assertEqual(sale['state'], 'quotation')
            self.assertEqual(sale['comment'], "Deliver to the <back> gate")
            self.assertEqual(page.locator('h1').inner_text().strip(),
                "Order %s" % sale['number'])
            self.assertEqual(
                page.locator('#order-state').inner_text().strip(), "Received")
            lines = {r['Code']: r['Quantity']
                for r in self.rows('#order-lines')}
            self.assertEqual(lines, {
                    'AC-1001': str(available), 'WM-3002': '2',
                    'SP-6009': '3'})
            self.assertIn("Deliver to the <back> gate",
                page.locator('main').inner_text())
            self.assertEqual(self.cart_lines(), {})
            self.save_screenshot('portal-order.png', full_page=True)
        self.assertNoNewErrors()

    def test_orders_downloads_and_reorder(self):
        "Find an order with the filters, download it, order it again"
        page = self.page
        with self.step("sign in and list the orders"):
            self.sign_in()
            self.empty_cart()
            page.goto(self.url('orders'))
            shown = [r['Number'] for r in self.rows('table#orders')]
            expected = [s['number'] for s in self.sales(
                    [('state', '!=', 'draft')])]
            self.assertTrue(shown)
            self.assertLessEqual(set(shown), set(expected))
            self.save_screenshot('portal-orders.png')

        sale = [s for s in self.sales([('state', '!=', 'draft')])
            if s['reference']][-1]
        reference = sale['external_reference'] or sale['reference']
        with self.step("filter by reference"):
            page.fill('#q', reference)
            page.get_by_role('button', name="Filter").click()
            page.wait_for_url(re.compile(r'.*/orders\?.*q='))
            rows = self.rows('table#orders')
            self.assertEqual([r['Number'] for r in rows], [sale['number']])
            page.select_option('#state', 'cancelled')
            page.get_by_role('button', name="Filter").click()
            page.wait_for_url(re.compile(r'.*state=cancelled.*'))
            self.assertNotIn(sale['number'], [
                    r['Number'] for r in self.rows('table#orders')])

        with self.step("download the order as PDF and XLSX"):
            page.goto(self.url('orders/%s' % sale['id']))
            with page.expect_download() as info:
                page.locator('#download-pdf').click()
            with tempfile.TemporaryDirectory() as directory:
                path = os.path.join(directory, 'order.pdf')
                info.value.save_as(path)
                self.assertEqual(info.value.suggested_filename,
                    '%s.pdf' % sale['number'])
                text = subprocess.run(
                    [shutil.which('pdftotext'), path, '-'],
                    capture_output=True, text=True, check=True).stdout
            self.assertIn("Dealer Order %s" % sale['number'], text)
            self.assertIn(reference, text)
            with page.expect_download() as info:
                page.locator('#download-xlsx').click()
            with open(info.value.path(), 'rb') as fp:
                sheet = openpyxl.load_workbook(io.BytesIO(fp.read())).active
            cells = {r[0].value: r[1].value for r in sheet.iter_rows()
                if r[0].value}
            self.assertEqual(cells['Order number'], sale['number'])
            self.assertEqual(cells['Your reference'], reference)

        with self.step("order it again"):
            page.locator('#reorder').click()
            page.locator('#quick-report').wait_for(state='visible')
            self.assertIn("Order again: %s" % sale['number'],
                page.locator('#quick-report h2').inner_text())
            lines = self.admin.model.sale.line.read(
                sale['lines'], ['product', 'quantity', 'type'], {})
            products = {p['id']: p['code'] for p in
                self.admin.model.product.product.read(
                    [l['product'] for l in lines if l['product']],
                    ['code'], {})}
            ordered = {}
            for l in lines:
                if l['type'] == 'line' and l['product']:
                    code = products[l['product']]
                    ordered[code] = ordered.get(code, 0) + l['quantity']
            # (added with a warning when more than can be promised)
            refused = {r['Code'] for r in self.rows('#quick-report table')
                if not r['Result'].startswith("Added")}
            self.assertEqual(self.cart_lines(),
                {c: q for c, q in ordered.items() if c not in refused})
            self.empty_cart()
        self.assertNoNewErrors()
