# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The dealer portal in a real browser: the portal routes of dms_portal
served by a real trytond on the demo database, driven by Playwright in
Debian's headless Chromium.  A buyer of dealer D0001 signs in (after a wrong
password), checks the home page against the database read over XML-RPC,
switches the language to Chinese and back, signs out.  On a phone-sized
screen (390 px), the header is one line whose Menu button opens the
navigation, the languages and the sign-out, and every page of the portal's
routes (read from Tryton's route table; the ids of a route from the links of
the pages before it) is no wider than the screen, in English and Chinese.
In the catalogue, the buyer checks the products against XML-RPC: their
number, a product code with the price of the dealer's tier, a category, the
pages, Chinese and a phone-sized screen.

Screenshots of the login page, the home page (desktop in English and
Chinese, phone) and the catalogue (desktop, phone) go to docs/screenshots/
when DMS_SCREENSHOTS=1 or when they do not exist yet.  On failure, a
screenshot of the page is saved to test-results/ and the message carries the
trytond log tail and the browser's console errors.
"""
import re
import unittest
from decimal import Decimal

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
# The width of the page and its widest elements beyond the screen (those
# whose parent is not beyond it)
PAGE_WIDTH = """() => {
    const screen = document.documentElement.clientWidth;
    const beyond = e => e.getBoundingClientRect().right > screen + 0.5;
    const wider = [...document.querySelectorAll('body *')].filter(
        e => e.getClientRects().length && beyond(e)
        && !beyond(e.parentElement)).map(e => e.tagName.toLowerCase()
        + (e.id ? '#' + e.id : '') + (e.classList.length
            ? '.' + [...e.classList].join('.') : '')
        + ' ' + Math.round(e.getBoundingClientRect().right) + ' px');
    return {width: document.documentElement.scrollWidth, wider: wider};
}"""
# The links of a page, without query nor fragment
LINKS = """() => [...document.querySelectorAll('a[href]')].map(
    a => a.href.split(/[?#]/)[0])"""
# The routes that answer a file, not a page: static files, files of a
# record, documents (PDF, XLSX), pictures
DOWNLOAD = re.compile(
    r'^/static/|/files/<int:\w+>$|\.[a-z]+$')
# The products a dealer may order (the demo has no tier restrictions)
CATALOGUE_DOMAIN = [
    ('salable', '=', True),
    ('template.dms_orderable', '=', True),
    ('template.account_category', '!=', None),
    ]
CATALOGUE_PAGE_SIZE = 24
CATALOGUE_COLUMNS = ["Code", "Product", "Your price", "Availability"]
# A price list line of a tier: a discount on the list price
TIER_FORMULA = re.compile(
    r"""^\s*unit_price\s*\*\s*Decimal\(['"]([0-9.]+)['"]\)\s*$""")
# The rows of table#catalogue as {header: text}
CATALOGUE_ROWS = """() => {
    const table = document.querySelector('table#catalogue');
    if (!table) return [];
    const heads = [...table.tHead.rows[0].cells].map(c => c.innerText.trim());
    return [...table.tBodies[0].rows].map(row => Object.fromEntries(
        [...row.cells].map((c, i) => [heads[i], c.innerText.trim()])));
}"""


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
            cls.admin = cls.server.session_rpc(*DEMO_LOGINS['admin']).model
            cls.accounts = cls.admin.web.user.search([('email', 'in', [
                            e for e, _ in DEMO_LOGINS.values() if '@' in e])],
                0, None, None, {})
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def read_expected(cls):
        "What the home page of D0001 must show, read over XML-RPC"
        admin = cls.server.session_rpc(*DEMO_LOGINS['admin'])
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
        # The demo accounts in the demo's language: the language chosen in
        # the portal is kept as the web user's, and a test may end in another
        self.admin.web.user.write(self.accounts, {'dms_language': None}, {})
        # A new browser context for each test: no cookies
        self.page = self.new_page()
        self.errors_before = len(self.console_errors)

    def tearDown(self):
        self.page.context.close()

    # Helpers

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
                ["首页", "产品目录", "购物车", "补货建议", "订单", "经营看板",
                    "公告", "营销活动", "市场基金", "市场反馈", "消息中心"])
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
        """On a phone: a one-line header whose Menu button opens the
        navigation, the languages and the sign-out; every page of the
        portal's routes as wide as the screen, in English and Chinese"""
        # The phone instead of the desktop of setUp()
        self.page.context.close()
        page = self.page = self.new_page(viewport=PHONE)
        rules = self.page_rules()
        with self.step("open the login page on a phone"):
            page.goto(self.url())
            self.assertLoginPage()
            self.assertNoHorizontalScroll(page)
            self.assertTrue(page.get_by_role(
                    'link', name="Forgot your password?").is_visible())
            # The languages beside the portal's name
            self.assertTrue(page.get_by_role(
                    'button', name="简体中文").is_visible())
            self.assertLessEqual(self.header_height(page), 60)

        with self.step("the pages without a session on a phone"):
            widths = self.page_widths(
                page, [r for r in rules if rules[r]], {})

        with self.step("sign in on a phone"):
            self.sign_in('d0001.admin', page=page)
            self.assertNoHorizontalScroll(page)
            menu = page.get_by_role('button', name="Menu")
            self.assertTrue(menu.is_visible(), "no Menu button")
            self.assertEqual(menu.get_attribute('aria-expanded'), 'false')
            home = page.locator('#nav').get_by_role('link', name="Home")
            self.assertFalse(home.is_visible())
            sign_out = page.get_by_role('button', name="Sign out")
            self.assertFalse(sign_out.is_visible())
            # One line: the portal's name and the Menu button
            self.assertLessEqual(self.header_height(page), 60)
            self.assertTrue(page.locator(
                    'table.list tbody > tr').first.is_visible())
            self.save_screenshot('portal-home-phone.png', full_page=True)

        with self.step("open the menu on a phone"):
            menu.click()
            home.wait_for(state='visible')
            self.assertEqual(menu.get_attribute('aria-expanded'), 'true')
            self.assertTrue(sign_out.is_visible())
            self.assertTrue(page.get_by_role(
                    'button', name="简体中文").is_visible())
            self.assertNoHorizontalScroll(page)

        with self.step("every page on a phone"):
            links = {}
            widths += self.page_widths(
                page, [r for r in rules if not rules[r]], links)

        with self.step("every page on a phone in Chinese"):
            page.goto(self.url())
            page.get_by_role('button', name="Menu").click()
            page.get_by_role('button', name="简体中文").click()
            page.locator('html[lang="zh-CN"]').wait_for(state='attached')
            self.assertLessEqual(self.header_height(page), 60)
            widths += self.page_widths(
                page, [r for r in rules if not rules[r]], links)
            page.goto(self.url())
            page.get_by_role('button', name="菜单").click()
            page.get_by_role('button', name="English").click()
            page.locator('html[lang="en"]').wait_for(state='attached')
        self.assertEqual(widths, [],
            "pages wider than a phone (%s px)" % PHONE['width'])
        self.assertNoNewErrors()

    @staticmethod
    def page_rules():
        """The portal's routes that answer a page to GET: {rule: public}
        (not the files: static files, files of records, PDF and XLSX)"""
        from tests.test_portal_isolation import ROUTES, portal_rules
        rules = {}
        for rule, methods in portal_rules().items():
            if 'GET' in methods and not DOWNLOAD.search(rule):
                # A new route without an entry in ROUTES fails there
                rules[rule] = ROUTES.get(rule, (None, None, False))[2]
        return rules

    @staticmethod
    def header_height(page):
        return page.locator('header.topbar').bounding_box()['height']

    def page_widths(self, page, rules, links):
        """Open the page of each rule (its ids from the links of the pages
        opened before) and return what is wider than the screen; links are
        the portal's paths seen so far"""
        wide = []
        lang = page.locator('html').get_attribute('lang')
        # The path opened for each rule
        opened = {}
        # The parents (their links) before the records
        for rule in sorted(rules, key=lambda r: (r.count('<'), r)):
            if rule == '/<path:path>':
                # Any other path: the page of a 404
                path = 'no-such-page'
            elif '<' in rule:
                pattern = re.compile('^%s$' % re.sub(
                        r'<int:\w+>', '[0-9]+', re.escape(rule)))
                # The newest record first: the one with the most under it
                # (D0001's claims are on its newest campaign)
                paths = sorted((p for p in links if pattern.match(p)),
                    key=lambda p: [int(n) for n in re.findall(r'\d+', p)],
                    reverse=True)
                # Or the path of a record's page under the record's
                # (not linked: its data read by the page's script)
                paths += [opened[p] + rule[len(p):] for p in opened
                    if '<' in p and rule.startswith(p + '/')
                    and '<' not in rule[len(p):]]
                self.assertTrue(paths, "no link to %s on the pages %s" % (
                        rule, sorted(links)))
                path = paths[0].lstrip('/')
            else:
                path = rule.lstrip('/')
            opened[rule] = '/' + path
            response = page.goto(self.url(path))
            if rule == '/<path:path>':
                # The 404 asked for is not an error of the page
                self.assertEqual(response.status, 404)
                self.console_errors[:] = [e for e in self.console_errors
                    if not e.endswith(response.url)]
            if 'text/html' not in response.headers.get('content-type', ''):
                continue
            for href in page.evaluate(LINKS):
                if href.startswith(self.portal):
                    links['/' + href[len(self.portal):]] = True
            width = page.evaluate(PAGE_WIDTH)
            if width['width'] > PHONE['width']:
                wide.append('%s (%s, %s): %s px, wider: %s' % (
                        rule, path, lang, width['width'],
                        ', '.join(width['wider'])))
        return wide

    # The catalogue

    def read_catalogue(self):
        "What the catalogue of D0001 must show, read over XML-RPC as admin"
        admin = self.server.session_rpc(*DEMO_LOGINS['admin']).model
        company, = admin.company.company.search([], 0, None, None, {})
        # The list prices and price lists depend on the company
        ctx = {'company': company}
        products = admin.product.product.search_read(CATALOGUE_DOMAIN,
            0, None, [('code', 'ASC'), ('id', 'ASC')],
            ['code', 'template', 'categories_all'], ctx)
        count = admin.product.product.search_count(CATALOGUE_DOMAIN, ctx)
        self.assertEqual(count, len(products))
        templates = admin.product.template.read(
            sorted({p['template'] for p in products}), ['list_price'], ctx)
        list_prices = {t['id']: t['list_price'] for t in templates}

        # The price list of D0001: the one of its tier, Platinum
        dealer, = admin.dms.dealer.search_read([('code', '=', 'D0001')],
            0, None, None, ['party', 'tier'], ctx)
        tier, = admin.dms.dealer.tier.search_read([('name', '=', 'Platinum')],
            0, None, None, ['price_list'], ctx)
        self.assertEqual(dealer['tier'], tier['id'])
        party, = admin.party.party.read(
            [dealer['party']], ['sale_price_list'], ctx)
        self.assertEqual(party['sale_price_list'], tier['price_list'])
        price_list, = admin.product.price_list.read(
            [tier['price_list']], ['lines'], ctx)
        line, = admin.product.price_list.line.read(price_list['lines'],
            ['formula', 'product', 'category', 'quantity'], ctx)
        self.assertEqual(
            (line['product'], line['category'], line['quantity'] or 0),
            (None, None, 0), "the Platinum price list is not a flat discount")
        match = TIER_FORMULA.match(line['formula'])
        self.assertTrue(match, "unexpected formula %r" % line['formula'])
        factor = Decimal(match.group(1))
        self.assertTrue(0 < factor < 1, factor)
        return {
            'count': count,
            'codes': [p['code'] for p in products],
            'list_prices': {p['code']: Decimal(str(
                        list_prices[p['template']])) for p in products},
            'categories': {p['code']: set(p['categories_all'])
                for p in products},
            'factor': factor,
            }

    def catalogue_rows(self, page=None):
        "The rows of the catalogue as {column: text}"
        page = page or self.page
        return page.evaluate(CATALOGUE_ROWS)

    def result_count(self, page=None):
        "The number of products the catalogue says"
        page = page or self.page
        text = page.locator('p#result-count').inner_text().strip()
        match = re.fullmatch(r'(\d+) products?', text)
        self.assertTrue(match, "unexpected result count %r" % text)
        return int(match.group(1))

    def search_catalogue(self, text='', category=''):
        "Submit the search form of the catalogue and wait for the result"
        page = self.page
        page.fill('#q', text)
        page.select_option('#category', str(category))
        with page.expect_navigation():
            page.get_by_role('button', name="Search", exact=True).click()
        page.locator('p#result-count').wait_for(state='visible')

    def open_catalogue(self, page=None):
        "Follow the Catalogue link of the navigation"
        page = page or self.page
        page.locator('#nav').get_by_role('link', name="Catalogue").click()
        page.wait_for_url(self.url('catalogue'))
        page.locator('p#result-count').wait_for(state='visible')

    def test_catalogue(self):
        "Catalogue: count, a code with the tier's price, category, pages, zh"
        page = self.page
        expected = self.read_catalogue()
        codes = expected['codes']
        self.assertTrue(codes, "the demo has no products for the catalogue")

        with self.step("open the catalogue from the navigation"):
            self.sign_in()
            self.open_catalogue()
            self.assertEqual(page.locator('h1').inner_text().strip(),
                "Catalogue")
            headers = self.texts(page.locator('table#catalogue thead th'))
            self.assertEqual(headers[:len(CATALOGUE_COLUMNS)],
                CATALOGUE_COLUMNS)
            self.assertEqual(self.result_count(), expected['count'])
            rows = self.catalogue_rows()
            # Sorted by code
            self.assertEqual([r["Code"] for r in rows],
                codes[:CATALOGUE_PAGE_SIZE])
            for row in rows:
                self.assertTrue(row["Product"], row)
                self.assertTrue(row["Your price"], row)
                self.assertTrue(row["Availability"], row)
            self.save_screenshot('portal-catalogue.png')

        with self.step("pictures, or the placeholder without"):
            admin = self.server.session_rpc(*DEMO_LOGINS['admin']).model
            images = admin.product.image.search_read(
                [], 0, None, None, ['template'], {})
            pictured = {p['code'] for p in admin.product.product.search_read(
                    [('template', 'in', [i['template'] for i in images])],
                    0, None, None, ['code'], {})}
            shown = page.evaluate("""() => [...document.querySelectorAll(
                'table#catalogue tbody tr')].map(row => [
                    row.cells[0].innerText.trim(),
                    row.querySelector('img.picture').getAttribute('src')])""")
            self.assertEqual(
                {c for c, src in shown if 'picture.jpg' in src},
                pictured & {c for c, _ in shown})
            self.assertTrue(pictured & {c for c, _ in shown},
                "no picture on the first page of the demo's catalogue")
            self.assertTrue(
                [c for c, src in shown if 'product-placeholder.svg' in src],
                "no placeholder on the first page of the demo's catalogue")
            # Loaded, from the portal (the first row, then all of them)
            page.wait_for_function("""() => {
                const img = document.querySelector(
                    'table#catalogue tbody img.picture');
                return img.complete && img.naturalWidth > 0; }""")
            for code, src in shown:
                response = page.request.get(src if src.startswith('http')
                    else self.server.url + src)
                self.assertEqual(response.status, 200, code)

        with self.step("a product's picture and specifications"):
            code = sorted(pictured & {c for c, _ in shown})[0]
            page.locator('table#catalogue tbody tr').filter(
                has_text=code).get_by_role('link').last.click()
            page.wait_for_url(re.compile(r'/catalogue/\d+$'))
            page.wait_for_function("""() => {
                const img = document.querySelector('#product-picture');
                return img.complete && img.naturalWidth >= 200; }""")
            self.assertIn('picture.jpg',
                page.locator('#product-picture').get_attribute('src'))
            self.assertTrue(page.get_by_role(
                    'heading', name="Specifications").is_visible())
            self.assertTrue(
                page.locator('#product-description').inner_text().strip())
            self.save_screenshot('portal-product.png')
            self.open_catalogue()

        with self.step("search a product code"):
            code = codes[0]
            self.search_catalogue(code)
            self.assertEqual(page.locator('#q').input_value(), code)
            self.assertEqual(self.result_count(), 1)
            row, = self.catalogue_rows()
            self.assertEqual(row["Code"], code)
            self.assertEqual(page.locator('nav.pager').count(), 0)

        with self.step("check the price of the dealer's tier"):
            list_price = expected['list_prices'][code]
            self.assertGreater(list_price, 0)
            price = (list_price * expected['factor']).quantize(
                Decimal('0.01'))
            shown = row["Your price"]
            self.assertTrue(shown.endswith('{:,.2f}'.format(price)),
                "price %r instead of %s (list price %s x %s)" % (
                    shown, price, list_price, expected['factor']))
            amount = Decimal(re.sub(r'[^0-9.]', '', shown.split()[-1]))
            self.assertEqual(amount, price)
            self.assertTrue(0 < amount < list_price, amount)

        with self.step("filter by a category"):
            options = [(o.get_attribute('value'), o.inner_text().strip())
                for o in page.locator('#category option').all()]
            self.assertEqual(options[0][0], '', "no 'All categories' option")
            categories = [(int(v), t) for v, t in options if v]
            self.assertTrue(categories, "no category to choose from")
            # The first category that has products, but not all of them
            for category, name in categories:
                in_category = [c for c in codes
                    if category in expected['categories'][c]]
                if 0 < len(in_category) < len(codes):
                    break
            else:
                self.fail("no category with some of the products: %s"
                    % categories)
            self.search_catalogue('', category)
            self.assertIn('category=%s' % category, page.url)
            self.assertEqual(
                page.locator('#category').input_value(), str(category))
            self.assertEqual(self.result_count(), len(in_category))
            shown = [r["Code"] for r in self.catalogue_rows()]
            self.assertTrue(shown)
            self.assertEqual(shown, in_category[:CATALOGUE_PAGE_SIZE],
                "products of category %r" % name)

        with self.step("page forward and back"):
            self.open_catalogue()
            pages = -(-len(codes) // CATALOGUE_PAGE_SIZE)
            pager = page.locator('nav.pager')
            if pages == 1:
                self.assertEqual(pager.count(), 0)
            else:
                self.assertEqual(pager.locator('span').inner_text().strip(),
                    "Page 1 of %s" % pages)
                self.assertEqual(pager.get_by_role(
                        'link', name="Previous").count(), 0)
                pager.get_by_role('link', name="Next").click()
                page.wait_for_url(re.compile(r'[?&]page=2(&|$)'))
                self.assertEqual(pager.locator('span').inner_text().strip(),
                    "Page 2 of %s" % pages)
                self.assertEqual(self.result_count(), expected['count'])
                self.assertEqual([r["Code"] for r in self.catalogue_rows()],
                    codes[CATALOGUE_PAGE_SIZE:2 * CATALOGUE_PAGE_SIZE])
                pager.get_by_role('link', name="Previous").click()
                page.wait_for_url(re.compile(r'[?&]page=1(&|$)'))
                self.assertEqual(pager.locator('span').inner_text().strip(),
                    "Page 1 of %s" % pages)
                self.assertEqual([r["Code"] for r in self.catalogue_rows()],
                    codes[:CATALOGUE_PAGE_SIZE])

        with self.step("switch the catalogue to Chinese"):
            page.get_by_role('button', name="简体中文").click()
            page.locator('html[lang="zh-CN"]').wait_for(state='attached')
            # The same page
            self.assertRegex(page.url, r'[?&]page=1(&|$)')
            self.assertEqual(page.locator('h1').inner_text().strip(),
                "产品目录")
            self.assertTrue(page.locator('#nav').get_by_role(
                    'link', name="产品目录").is_visible())
            headers = self.texts(page.locator('table#catalogue thead th'))
            self.assertIn("您的价格", headers)
            self.assertFalse(set(CATALOGUE_COLUMNS) & set(headers),
                "untranslated headers: %s" % headers)
            self.assertEqual(
                page.locator('p#result-count').inner_text().strip(),
                "共 %s 个产品" % expected['count'])
        self.assertNoNewErrors()

    def test_catalogue_phone(self):
        "Catalogue on a phone: through the menu, no horizontal scroll"
        # The phone instead of the desktop of setUp()
        self.page.context.close()
        page = self.page = self.new_page(viewport=PHONE)
        with self.step("open the catalogue on a phone"):
            self.sign_in(page=page)
            page.get_by_role('button', name="Menu").click()
            self.open_catalogue(page)
            self.assertTrue(page.locator(
                    'table#catalogue tbody > tr').first.is_visible())
            # The pictures (or the placeholder) beside the names
            self.assertTrue(page.locator(
                    'table#catalogue tbody img.picture').first.is_visible())
            self.assertNoHorizontalScroll(page)
            self.save_screenshot('portal-catalogue-phone.png')

        with self.step("page forward on a phone"):
            next_page = page.locator('nav.pager').get_by_role(
                'link', name="Next")
            if next_page.count():
                next_page.click()
                page.wait_for_url(re.compile(r'[?&]page=2(&|$)'))
                self.assertNoHorizontalScroll(page)
        self.assertNoNewErrors()


if __name__ == '__main__':
    unittest.main()
