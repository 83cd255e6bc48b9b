# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The back office in a real browser: the sao web client served by a real
trytond on the demo database, driven by Playwright in Debian's headless
Chromium.  An administrator logs in, opens Dealers > Dealers, checks the
list and its state tabs, then opens dealer D0001 and checks its form.

Screenshots of the list and the form go to docs/screenshots/ when
DMS_SCREENSHOTS=1 or when they do not exist yet.  On failure, a screenshot
of the page is saved to test-results/ and the message carries the trytond
log tail and the browser's console errors.
"""
import contextlib
import re
import unittest

try:
    from playwright.sync_api import Error as PlaywrightError
except ImportError:  # the test is skipped or fails in setUpClass
    PlaywrightError = Exception

from tests import browser
from tests.fixtures import DEMO_LOGINS


@browser.requires_chromium
class BackOfficeBrowserTestCase(browser.SaoTestCase):
    "Back office web client (sao): login, dealer list and dealer form"

    # The test

    def test_dealer_list_and_form(self):
        "Log in, open Dealers > Dealers, check the list, open D0001's form"
        page = self.page

        with self.step("log in as admin"):
            self.login(*DEMO_LOGINS['admin'])

        with self.step("open the menu Dealers > Dealers"):
            self.menu_row('Dealers').click()
            # The action under the top menu of the same name
            action = self.menu_row('Dealers', 1)
            action.wait_for(state='visible')
            self.wait_idle()
            tab = self.current_tab()
            # A click while sao redraws the menu can be lost: retry once
            for attempt in range(2):
                action.click()
                with contextlib.suppress(PlaywrightError):
                    tab.locator('.treeview').wait_for(
                        state='visible', timeout=5000)
                    break
            rows = tab.locator('.treeview tbody > tr:visible')
            dealer = rows.filter(has=page.get_by_text('D0001', exact=True))
            dealer.wait_for(state='visible')
            self.wait_idle()

        with self.step("check the dealer list"):
            # The tab's name, without its counter badge
            label = "a => a.firstChild.textContent.trim()"
            tabs = tab.locator('.tab-domain .nav-tabs > li > a')
            self.assertEqual(
                tabs.evaluate_all("tabs => tabs.map(%s)" % label),
                ['Active', 'Prospects', 'Suspended', 'All'])
            self.assertEqual(tab.locator(
                    '.tab-domain .nav-tabs > li.active > a').evaluate(label),
                'Active')
            headers = tab.locator('.treeview thead th:visible')
            for header in ['Code', 'Party', 'Tier', 'Territory']:
                self.assertIn(header, self.texts(headers))
            # D0001 is a Platinum dealer in Hangzhou
            cells = self.texts(dealer.locator('td'))
            self.assertIn('Platinum', cells)
            self.assertIn('China / Zhejiang / Hangzhou', cells)
            self.assertGreater(rows.count(), 10)
            self.save_screenshot('backoffice-dealers.png')

        with self.step("switch to the tab All"):
            # sao hides the State column where the tab's domain fixes it
            tabs.filter(has_text='All').click()
            state = headers.filter(has_text=re.compile(r'^\s*State\s*$'))
            state.wait_for(state='visible')
            self.wait_idle()
            states = set(self.texts(rows.locator(
                        'td[headers="%s"]' % state.get_attribute('id'))))
            # sao draws the first rows only (D0001...), the others on scroll
            self.assertIn('Active', states)

        with self.step("open dealer D0001"):
            dealer.locator('td', has_text='D0001').dblclick()
            notebook = tab.locator('.form-notebook:visible').first
            notebook.wait_for(state='visible')
            code = tab.locator('.form input[name="code"]:visible, '
                '.form [name="code"]:visible input').first
            page.wait_for_function(
                "el => el.value === 'D0001'", arg=code.element_handle())
            self.wait_idle()

        with self.step("check the dealer form"):
            pages = [p.strip() for p in notebook.locator(
                    '> .nav-tabs > li:visible > a').all_inner_texts()]
            for name in ['Portal Users', 'Sub-dealers', 'Tier History',
                    'Sales']:
                self.assertIn(name, pages)
            for name in ['Change Tier', 'Suspend']:
                button = tab.locator('.form button:visible').filter(
                    has_text=re.compile(r'^\s*%s\s*$' % re.escape(name)))
                self.assertEqual(button.count(), 1, name)
            self.save_screenshot('backoffice-dealer-form.png')

    def test_dealer_orders_list_and_notification(self):
        """A dealer order sent by the intake is notified to the factory; the
        dealer orders list opens on the orders to handle with their
        reference, dates, stage and ETA; the notification opens the order,
        with the requested date and the dealer's note on its first page"""
        page = self.page
        admin = self.server.session_rpc(*DEMO_LOGINS['admin']).model
        if not page.locator('#menu tbody > tr').first.is_visible():
            # The page of the class may be signed in by a test before
            with self.step("log in as admin"):
                self.login(*DEMO_LOGINS['admin'])

        with self.step("send an order of D0001 through the intake"):
            line, = admin.sale.line.search_read([
                    ('sale.dealer.code', '=', 'D0001'),
                    ('type', '=', 'line'),
                    ], 0, 1, None, ['product.code'], {})
            result, = admin.dms.order.intake.submit([{
                        'dealer_code': 'D0001',
                        'external_reference': 'BROWSER-NEW-1',
                        'note': "Deliver to the back door",
                        'lines': [{
                                'product_code': line['product.']['code'],
                                'quantity': 1}],
                        }], {})
            self.assertEqual(result['status'], 'accepted', result)
            number = result['number']

        with self.step("open Dealers > Dealer Orders"):
            tab = self.current_tab()
            action = self.menu_row('Dealer Orders')
            if not action.is_visible():
                self.menu_row('Dealers').click()
            action.wait_for(state='visible')
            self.wait_idle()
            for attempt in range(2):
                action.click()
                with contextlib.suppress(PlaywrightError):
                    tab = self.current_tab()
                    tab.locator('.tab-domain').wait_for(
                        state='visible', timeout=5000)
                    break
            rows = tab.locator('.treeview tbody > tr:visible')
            new = rows.filter(has=page.get_by_text(
                    'BROWSER-NEW-1', exact=True))
            new.wait_for(state='visible')
            self.wait_idle()

        with self.step("check the list: the tab To Handle and its columns"):
            label = "a => a.firstChild.textContent.trim()"
            tabs = tab.locator('.tab-domain .nav-tabs > li > a')
            self.assertEqual(
                tabs.evaluate_all("tabs => tabs.map(%s)" % label),
                ['To Handle', 'Quotation', 'Confirmed', 'Processing',
                    'Draft', 'All'])
            self.assertEqual(tab.locator(
                    '.tab-domain .nav-tabs > li.active > a').evaluate(label),
                'To Handle')
            headers = self.texts(tab.locator('.treeview thead th:visible'))
            for header in ['Number', 'Reference', 'Order Date', 'Dealer',
                    'Requested Date', 'Stage', 'ETA']:
                self.assertIn(header, headers)
            # The newest order first, dated at its submission
            cells = self.texts(rows.first.locator('td'))
            self.assertIn(number, cells)
            self.assertIn('Received', cells)
            date = tab.locator('.treeview thead th:visible').filter(
                has_text=re.compile(r'^\s*Order Date\s*$'))
            self.assertRegex(rows.first.locator('td[headers="%s"]'
                    % date.get_attribute('id')).inner_text(),
                r'\d{2}/\d{2}/\d{4}')

        with self.step("open the order from its notification"):
            page.locator('#user-preferences > a.dropdown-toggle').click()
            item = page.locator('.notification-menu .notification-item'
                ).filter(has_text='[BROWSER-NEW-1]')
            item.wait_for(state='visible')
            self.assertRegex(
                item.locator('.notification-label').inner_text(),
                r'^New order %s \[BROWSER-NEW-1\] from .*D0001' % number)
            item.locator('a').click()
            form = self.current_tab().locator('.form:visible').first
            form.wait_for(state='visible')
            note = form.locator('[name="comment"] textarea, '
                'textarea[name="comment"]').first
            page.wait_for_function(
                "el => el.value === 'Deliver to the back door'",
                arg=note.element_handle())
            self.wait_idle()
            page.keyboard.press('Escape')

        with self.step("check the first page of the order"):
            first = form.locator('.form-notebook').first.locator(
                '> .tab-content > .tab-pane').first
            labels = self.texts(first.locator('label:visible'))
            self.assertIn('Requested Date:', labels)
            self.assertIn('Note:', labels)
            self.assertNotIn('Shipping Date:', labels)



if __name__ == '__main__':
    unittest.main()
