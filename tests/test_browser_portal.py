# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The dealer portal in a real browser: the portal routes of dms_dealer
served by a real trytond on the demo database, driven by Playwright in
Debian's headless Chromium.  A buyer of dealer D0001 signs in (after a wrong
password), checks the home page against the database read over XML-RPC,
switches the language to Chinese and back, signs out; then the same on a
phone-sized screen.

Screenshots of the login page and the home page (desktop in English and
Chinese, phone) go to docs/screenshots/ when DMS_SCREENSHOTS=1 or when they
do not exist yet.  On failure, a screenshot of the page is saved to
test-results/ and the message carries the trytond log tail and the browser's
console errors.
"""
import re
import unittest

from tests import browser
from tests.fixtures import DEMO_LOGINS

SESSION_COOKIE = 'dms_portal_session'
OPEN_STATES = ['quotation', 'confirmed', 'processing']
PHONE = {'width': 390, 'height': 844}
# What the home page says in English and must not say in Chinese
ENGLISH = ["Dealer portal", "Home", "Menu", "Sign out", "Welcome",
    "Dealer code", "Tier", "Open orders", "Recent orders", "Number", "Date",
    "Reference", "State", "Total", "No orders yet"]
NO_HORIZONTAL_SCROLL = (
    "() => document.scrollingElement.scrollWidth <= window.innerWidth")


@browser.requires_chromium
class PortalBrowserTestCase(browser.BrowserTestCase):
    "Dealer portal: sign in, home page, language, sign out, phone layout"
    # The browser asks for the icon of the site, which the portal has not
    optional_urls = re.compile(r'/favicon\.ico$')

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.expected = cls.read_expected()
        except BaseException:
            cls.tearDownClass()
            raise
        cls.portal = '%s/%s/portal/' % (cls.server.url, cls.server.database)

    @classmethod
    def read_expected(cls):
        "What the home page of D0001 must show, read over XML-RPC"
        admin = cls.server.rpc(*DEMO_LOGINS['admin'])
        ctx = {}
        dealers = {d['code']: d for d in admin.model.dms.dealer.search_read(
                [('code', 'in', ['D0001', 'D0005'])], 0, None, None,
                ['code', 'party', 'tier'], ctx)}
        dealer = dealers['D0001']
        party, = admin.model.party.party.read(
            [dealer['party']], ['rec_name'], ctx)
        tier, = admin.model.dms.dealer.tier.read(
            [dealer['tier']], ['rec_name'], ctx)

        def numbers(dealer, domain):
            sales = admin.model.sale.sale.search_read(
                [('dealer', '=', dealer['id'])] + domain, 0, None,
                [('sale_date', 'DESC NULLS FIRST'), ('id', 'DESC')],
                ['number'], ctx)
            return [s['number'] for s in sales]
        return {
            'name': party['rec_name'],
            'tier': tier['rec_name'],
            'open': len(numbers(dealer, [('state', 'in', OPEN_STATES)])),
            'orders': numbers(dealer, [('state', '!=', 'draft')]),
            'others': [n for n in numbers(
                    dealers['D0005'], [('state', '!=', 'draft')]) if n],
            }

    def setUp(self):
        # A new browser context for each test: no cookies
        self.page = self.new_page()
        self.errors_before = len(self.console_errors)

    def tearDown(self):
        self.page.context.close()

    # Helpers

    def url(self, path=''):
        return self.portal + path

    def session(self, page=None):
        page = page or self.page
        return [c for c in page.context.cookies()
            if c['name'] == SESSION_COOKIE and c['value']]

    def assertLoginPage(self, page=None):
        page = page or self.page
        page.wait_for_url(re.compile(
                re.escape(self.url('login')) + r'(\?.*)?$'))
        page.locator('#email').wait_for(state='visible')
        self.assertEqual(self.session(page), [], "a session cookie is set")

    def sign_in(self, page=None, login='d0001.buyer'):
        page = page or self.page
        email, password = DEMO_LOGINS[login]
        page.goto(self.url('login'))
        page.fill('#email', email)
        page.fill('#password', password)
        page.locator('form button.primary').click()
        page.wait_for_url(self.url())

    def assertNoNewErrors(self):
        self.assertEqual(self.console_errors[self.errors_before:], [],
            "errors in the browser")

    def assertNoHorizontalScroll(self, page):
        widths = page.evaluate(
            "() => [document.scrollingElement.scrollWidth, innerWidth]")
        self.assertTrue(page.evaluate(NO_HORIZONTAL_SCROLL),
            "horizontal scroll: scrollWidth %s > innerWidth %s" % tuple(
                widths))

    # The tests

    def test_sign_in_and_home(self):
        "Redirect to the login, wrong then right password, the home page"
        page = self.page
        expected = self.expected

        with self.step("open the portal without a session"):
            page.goto(self.url())
            self.assertLoginPage()
            self.assertEqual(
                page.locator('h1').inner_text().strip(), "Sign in")
            forgot = page.get_by_role('link', name="Forgot your password?")
            self.assertTrue(forgot.is_visible())
            self.assertEqual(page.locator('.error').count(), 0)
            self.save_screenshot('portal-login.png')

        with self.step("sign in with a wrong password"):
            email, password = DEMO_LOGINS['d0001.buyer']
            page.fill('#email', email)
            page.fill('#password', password + '-wrong')
            page.locator('form button.primary').click()
            error = page.locator('.error')
            error.wait_for(state='visible')
            self.assertEqual(
                error.inner_text().strip(), "Wrong e-mail or password.")
            self.assertLoginPage()
            # Still no way in
            page.goto(self.url())
            self.assertLoginPage()

        with self.step("sign in with the right password"):
            page.fill('#email', email)
            page.fill('#password', password)
            page.locator('form button.primary').click()
            page.wait_for_url(self.url())
            self.assertTrue(self.session(), "no session cookie")

        with self.step("check the home page"):
            self.assertEqual(page.locator('h1').inner_text().strip(),
                "Welcome, %s" % expected['name'])
            stats = {}
            for card in page.locator('.cards .stat').all():
                stats[card.locator('.label').inner_text().strip()] = (
                    card.locator('.value').inner_text().strip())
            self.assertEqual(stats.get("Dealer code"), 'D0001')
            self.assertEqual(stats.get("Tier"), "Platinum")
            self.assertEqual(expected['tier'], "Platinum")
            self.assertEqual(
                stats.get("Open orders"), str(expected['open']))
            self.assertEqual(page.locator('.topbar .who').inner_text(
                    ).strip(), expected['name'])

        with self.step("check the recent orders"):
            section = page.locator('section.card').filter(
                has=page.get_by_role('heading', name="Recent orders"))
            self.assertTrue(expected['orders'], "D0001 has no orders")
            rows = section.locator('table.list tbody > tr')
            numbers = self.texts(rows.locator('td:first-child'))
            self.assertTrue(numbers, "no recent orders shown")
            self.assertEqual(len(numbers), len(set(numbers)), numbers)
            self.assertLessEqual(set(numbers), set(expected['orders']))
            # The most recent ones
            self.assertEqual(numbers, expected['orders'][:len(numbers)])
            self.assertEqual(len(numbers), min(5, len(expected['orders'])))
            self.assertTrue(expected['others'], "D0005 has no orders")
            self.assertFalse(set(numbers) & set(expected['others']),
                "orders of D0005 are shown")
            # Nor D0005's references (DEMO-D0005-n) nor anything of D0005
            self.assertNotIn('D0005', page.locator('body').inner_text())
            self.save_screenshot('portal-home.png')
        self.assertNoNewErrors()

    def test_language(self):
        "Switch to Chinese, reload, switch back to English"
        page = self.page
        with self.step("sign in"):
            self.sign_in()
            self.assertEqual(page.locator('html').get_attribute('lang'), 'en')

        def check_chinese():
            page.locator('html[lang="zh-CN"]').wait_for(state='attached')
            self.assertEqual(page.url, self.url())
            nav = page.locator('#nav')
            self.assertEqual(self.texts(nav.locator('a')),
                ["首页", "产品目录", "购物车"])
            self.assertEqual(
                page.locator('h1').inner_text().strip(),
                "欢迎，%s" % self.expected['name'])
            self.assertTrue(page.get_by_role(
                    'heading', name="最近订单").is_visible())
            self.assertTrue(page.get_by_role(
                    'button', name="退出登录").is_visible())
            self.assertTrue(page.get_by_role(
                    'button', name="简体中文").get_attribute('aria-current'))
            body = page.locator('body').inner_text()
            untranslated = [t for t in ENGLISH
                if re.search(r'\b%s\b' % re.escape(t), body)]
            self.assertEqual(untranslated, [], "untranslated texts")

        with self.step("switch to Chinese"):
            page.get_by_role('button', name="简体中文").click()
            check_chinese()
            self.save_screenshot('portal-home-zh.png')

        with self.step("reload in Chinese"):
            page.reload()
            check_chinese()

        with self.step("switch back to English"):
            page.get_by_role('button', name="English").click()
            page.locator('html[lang="en"]').wait_for(state='attached')
            self.assertEqual(page.url, self.url())
            self.assertTrue(page.get_by_role(
                    'heading', name="Recent orders").is_visible())
            self.assertTrue(page.get_by_role(
                    'button', name="Sign out").is_visible())
            page.reload()
            self.assertEqual(page.locator('html').get_attribute('lang'), 'en')
        self.assertNoNewErrors()

    def test_sign_out(self):
        "Sign out: back to the login page, the home page needs a login"
        page = self.page
        with self.step("sign in"):
            self.sign_in()

        with self.step("sign out"):
            page.get_by_role('button', name="Sign out").click()
            self.assertLoginPage()
            flash = page.locator('.flash')
            flash.wait_for(state='visible')
            self.assertEqual(flash.inner_text().strip(), "You are signed out.")
            # Shown once
            page.reload()
            self.assertLoginPage()
            self.assertEqual(page.locator('.flash').count(), 0)

        with self.step("open the home page again"):
            page.goto(self.url())
            self.assertLoginPage()

        with self.step("follow the link to reset the password"):
            page.get_by_role('link', name="Forgot your password?").click()
            page.wait_for_url(self.url('reset-password'))
            page.locator('#email').wait_for(state='visible')
        self.assertNoNewErrors()

    def test_phone(self):
        "On a phone: no horizontal scroll, a Menu button that opens the menu"
        # The phone instead of the desktop of setUp()
        self.page.context.close()
        page = self.page = self.new_page(viewport=PHONE)
        with self.step("open the login page on a phone"):
            page.goto(self.url())
            self.assertLoginPage()
            self.assertNoHorizontalScroll(page)
            self.assertTrue(page.get_by_role(
                    'link', name="Forgot your password?").is_visible())

        with self.step("sign in on a phone"):
            self.sign_in(page)
            self.assertNoHorizontalScroll(page)
            menu = page.get_by_role('button', name="Menu")
            self.assertTrue(menu.is_visible(), "no Menu button")
            self.assertEqual(menu.get_attribute('aria-expanded'), 'false')
            home = page.locator('#nav').get_by_role('link', name="Home")
            self.assertFalse(home.is_visible())
            self.assertTrue(page.locator(
                    'table.list tbody > tr').first.is_visible())
            self.save_screenshot('portal-home-phone.png', full_page=True)

        with self.step("open the menu on a phone"):
            menu.click()
            home.wait_for(state='visible')
            self.assertEqual(menu.get_attribute('aria-expanded'), 'true')
            self.assertNoHorizontalScroll(page)
        self.assertNoNewErrors()


if __name__ == '__main__':
    unittest.main()
