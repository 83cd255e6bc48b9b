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
import os
import re
import time
import unittest

try:
    from playwright.sync_api import Error as PlaywrightError
except ImportError:  # the test is skipped or fails in setUpClass
    PlaywrightError = Exception

from tests.fixtures import DEMO_LOGINS, ROOT, DemoServer

CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update',
    '--disable-sync',
    ]
SCREENSHOTS = os.path.join(ROOT, 'docs', 'screenshots')
RESULTS = os.path.join(ROOT, 'test-results')
# Files sao asks for that the server does not have: not an error
OPTIONAL_FILES = re.compile(r'/(custom\.(css|js)|locale/[\w-]+\.json)$')
TIMEOUT = 15_000  # ms, for any single wait
LOG_TAIL = 40  # lines


@unittest.skipUnless(os.path.exists(CHROMIUM),
    "Debian's chromium is missing at %s (install it with `make browser`)"
    % CHROMIUM)
class BackOfficeBrowserTestCase(unittest.TestCase):
    "Back office web client (sao): login, dealer list and dealer form"

    @classmethod
    def setUpClass(cls):
        from playwright.sync_api import sync_playwright
        cls.console_errors = []
        cls.server = DemoServer()
        try:
            cls.server.start()
            cls.playwright = sync_playwright().start()
            cls.browser = cls.playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            cls.context = cls.browser.new_context(
                viewport={'width': 1400, 'height': 900}, locale='en-US')
            cls.context.set_default_timeout(TIMEOUT)
            cls.page = cls.context.new_page()
        except BaseException:
            cls.tearDownClass()
            raise
        # RPC calls in flight, for wait_idle()
        cls.rpc_in_flight = set()

        def is_rpc(request):
            return request.method == 'POST' and not request.url.endswith(
                '/bus')

        def started(request):
            if is_rpc(request):
                cls.rpc_in_flight.add(request.url + ' #%x' % id(request))

        def ended(request):
            cls.rpc_in_flight.discard(request.url + ' #%x' % id(request))
        cls.page.on('request', started)
        cls.page.on('requestfinished', ended)
        cls.page.on('requestfailed', ended)
        # Failed loads are told by their response (with the URL) below
        cls.page.on('console', lambda msg: msg.type == 'error'
            and not msg.text.startswith('Failed to load resource')
            and cls.console_errors.append('console: ' + msg.text))
        cls.page.on('response', lambda response: response.status >= 400
            and not OPTIONAL_FILES.search(response.url)
            and cls.console_errors.append('HTTP %s %s %s' % (
                    response.status, response.request.method, response.url)))
        cls.page.on('pageerror', lambda exc: cls.console_errors.append(
                'page error: %s' % exc))

    @classmethod
    def tearDownClass(cls):
        for name in ['context', 'browser']:
            obj = getattr(cls, name, None)
            if obj is not None:
                with contextlib.suppress(Exception):
                    obj.close()
        if getattr(cls, 'playwright', None) is not None:
            with contextlib.suppress(Exception):
                cls.playwright.stop()
        cls.server.stop()

    # Diagnostics

    def log_tail(self):
        try:
            lines = self.server.read_log().splitlines()
        except OSError as exc:
            return '(no trytond log: %s)' % exc
        return '\n'.join(lines[-LOG_TAIL:]) or '(empty trytond log)'

    @contextlib.contextmanager
    def step(self, name):
        "Run a step; on failure, say which one, with a screenshot and logs"
        try:
            yield
        except Exception as exc:
            os.makedirs(RESULTS, exist_ok=True)
            path = os.path.join(RESULTS, '%s-%s.png' % (
                    self.id().rsplit('.', 1)[-1],
                    re.sub(r'\W+', '-', name).strip('-').lower()))
            try:
                self.page.screenshot(path=path, full_page=True)
            except Exception as shot_exc:
                path = '(screenshot failed: %s)' % shot_exc
            raise AssertionError(
                "step %r failed: %s\nscreenshot: %s\n"
                "--- browser console errors ---\n%s\n"
                "--- trytond log (last %s lines) ---\n%s" % (
                    name, exc, path,
                    '\n'.join(self.console_errors[-20:]) or '(none)',
                    LOG_TAIL, self.log_tail())) from exc

    def save_screenshot(self, name):
        "Save docs/screenshots/<name> when asked to or when it is missing"
        path = os.path.join(SCREENSHOTS, name)
        if os.environ.get('DMS_SCREENSHOTS') == '1' \
                or not os.path.exists(path):
            os.makedirs(SCREENSHOTS, exist_ok=True)
            # No hover highlight: the mouse over the menu's empty end
            self.page.mouse.move(10, 890)
            # Let the last repaint settle
            self.page.wait_for_timeout(300)
            self.page.screenshot(path=path)

    # Helpers on sao's DOM

    def wait_idle(self, quiet=0.3):
        """Wait until sao has had no RPC in flight for `quiet` seconds (the
        bus long poll, always pending, does not count)"""
        deadline = time.monotonic() + TIMEOUT / 1000
        idle_since = None
        while True:
            now = time.monotonic()
            if self.rpc_in_flight:
                idle_since = None
            elif idle_since is None:
                idle_since = now
            elif now - idle_since >= quiet:
                return
            if now > deadline:
                raise AssertionError(
                    "RPC still in flight: %s" % sorted(self.rpc_in_flight))
            self.page.wait_for_timeout(50)

    def login(self, login, password):
        page = self.page
        page.goto(self.server.url + '/')
        dialog = page.locator('.login-dialog')
        dialog.wait_for(state='visible')
        # The database is a <select> when the server lists several, a
        # read-only <input> when it lists one, an empty <input> when it lists
        # none: wait until sao has shown one of them.
        database = dialog.locator('#database:visible')
        database.wait_for(state='visible')
        if database.evaluate('el => el.tagName') == 'SELECT':
            database.select_option(self.server.database)
        elif database.get_attribute('readonly') is None:
            database.fill(self.server.database)
        else:
            self.assertEqual(database.input_value(), self.server.database)
        dialog.locator('#login').fill(login)
        dialog.locator('button[type=submit]').click()
        ask = page.locator('.ask-dialog:visible')
        ask.locator('input[type=password]').fill(password)
        ask.locator('.btn-primary').click()
        dialog.wait_for(state='detached')
        # The demo is configured: admin lands on the menu, not on the
        # Module Configuration wizard
        page.locator('#menu tbody > tr').first.wait_for(state='visible')
        self.assertEqual(
            page.locator('#tabs .tab-wizard:visible').count(), 0,
            "a wizard opened at the login")

    def menu_row(self, name, nth=0):
        return self.page.locator('#menu tbody > tr').filter(
            has=self.page.get_by_text(name, exact=True)).nth(nth)

    @staticmethod
    def texts(locator):
        return [t.strip() for t in locator.all_inner_texts()]

    def current_tab(self):
        "The content of the selected tab of the main tab bar"
        return self.page.locator('#tabs > .tab-content > .tab-pane.active')

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


if __name__ == '__main__':
    unittest.main()
