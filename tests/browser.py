# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""What the browser tests share: a real trytond on a copy of the demo
database (tests.fixtures.DemoServer) and Debian's headless Chromium driven by
Playwright, with diagnostics on failure and the screenshots policy.

Screenshots go to docs/screenshots/ when DMS_SCREENSHOTS=1 or when they do
not exist yet.  On failure of a step, a screenshot of the page is saved to
test-results/ and the message carries the trytond log tail and the browser's
console errors.
"""
import contextlib
import os
import re
import shutil
import tempfile
import time
import unittest

from tests.fixtures import DEMO_LOGINS, ROOT, DemoServer

CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update',
    '--disable-sync',
    ]
SCREENSHOTS = os.path.join(ROOT, 'docs', 'screenshots')
RESULTS = os.path.join(ROOT, 'test-results')
TIMEOUT = 15_000  # ms, for any single wait
LOG_TAIL = 40  # lines

requires_chromium = unittest.skipUnless(os.path.exists(CHROMIUM),
    "Debian's chromium is missing at %s (install it with `make browser`)"
    % CHROMIUM)


# The RPC address without database (the database list)
DB_LIST = re.compile(r'^https?://[^/]+/rpc/$')


class BrowserTestCase(unittest.TestCase):
    """A demo server and a headless Chromium for the whole class; pages are
    opened with new_page() and watched for errors"""
    viewport = {'width': 1400, 'height': 900}
    locale = 'en-US'
    # The language of the demo database (tools/demo --lang)
    demo_lang = 'en'
    # URLs whose failure (HTTP >= 400) is not an error
    optional_urls = None
    # The prefix of the class's temporary folder (cls.folder), when it
    # needs one (removed with the class)
    folder_prefix = None

    @classmethod
    def setUpClass(cls):
        from playwright.sync_api import sync_playwright
        cls.console_errors = []
        cls.contexts = []
        cls.server = DemoServer(lang=cls.demo_lang)
        try:
            cls.server.start()
            cls.playwright = sync_playwright().start()
            cls.browser = cls.playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        except BaseException:
            cls.tearDownClass()
            raise
        cls.portal = '%s/%s/portal/' % (cls.server.url, cls.server.database)
        try:
            if cls.folder_prefix:
                cls.folder = tempfile.mkdtemp(prefix=cls.folder_prefix)
            cls.set_up_data()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def set_up_data(cls):
        "Read or create the class's data once the server runs"

    @classmethod
    def admin_rpc(cls):
        "The demo's admin over XML-RPC (its models)"
        return cls.server.session_rpc(*DEMO_LOGINS['admin']).model

    @classmethod
    def tearDownClass(cls):
        for obj in getattr(cls, 'contexts', []) + [
                getattr(cls, 'browser', None)]:
            if obj is not None:
                with contextlib.suppress(Exception):
                    obj.close()
        if getattr(cls, 'playwright', None) is not None:
            with contextlib.suppress(Exception):
                cls.playwright.stop()
        cls.server.stop()
        if cls.folder_prefix and getattr(cls, 'folder', None):
            shutil.rmtree(cls.folder, ignore_errors=True)

    def url(self, path=''):
        "The address of a page of the portal"
        return self.portal + path

    def sign_in(self, login='d0001.buyer', page=None):
        "Sign in to the portal as the demo account login"
        page = page or self.page
        email, password = DEMO_LOGINS[login]
        page.goto(self.url('login'))
        page.fill('#email', email)
        page.fill('#password', password)
        page.locator('form button.primary').click()
        page.wait_for_url(self.url())

    @classmethod
    def new_page(cls, viewport=None, locale=None):
        "A page in a new browser context (no cookies), watched for errors"
        context = cls.browser.new_context(
            viewport=viewport or cls.viewport, locale=locale or cls.locale)
        cls.contexts.append(context)
        context.set_default_timeout(TIMEOUT)
        page = context.new_page()
        optional = cls.optional_urls
        # Failed loads are told by their response (with the URL) below
        page.on('console', lambda msg: msg.type == 'error'
            and not msg.text.startswith('Failed to load resource')
            and cls.console_errors.append('console: ' + msg.text))
        page.on('response', lambda response: response.status >= 400
            and not (optional and optional.search(response.url))
            # The web client asks for the list of databases, which the
            # server does not give (it answers 403): the name is typed
            and not (response.status == 403
                and DB_LIST.match(response.url))
            and cls.console_errors.append('HTTP %s %s %s' % (
                    response.status, response.request.method, response.url)))
        page.on('pageerror', lambda exc: cls.console_errors.append(
                'page error: %s' % exc))
        return page

    # Diagnostics

    def log_tail(self):
        try:
            lines = self.server.read_log().splitlines()
        except OSError as exc:
            return '(no trytond log: %s)' % exc
        return '\n'.join(lines[-LOG_TAIL:]) or '(empty trytond log)'

    @contextlib.contextmanager
    def step(self, name, page=None):
        "Run a step; on failure, say which one, with a screenshot and logs"
        page = page or self.page
        try:
            yield
        except Exception as exc:
            os.makedirs(RESULTS, exist_ok=True)
            path = os.path.join(RESULTS, '%s-%s.png' % (
                    self.id().rsplit('.', 1)[-1],
                    re.sub(r'\W+', '-', name).strip('-').lower()))
            try:
                page.screenshot(path=path, full_page=True)
            except Exception as shot_exc:
                path = '(screenshot failed: %s)' % shot_exc
            raise AssertionError(
                "step %r failed: %s\nurl: %s\nscreenshot: %s\n"
                "--- browser console errors ---\n%s\n"
                "--- trytond log (last %s lines) ---\n%s" % (
                    name, exc, page.url, path,
                    '\n'.join(self.console_errors[-20:]) or '(none)',
                    LOG_TAIL, self.log_tail())) from exc

    def save_screenshot(self, name, page=None, full_page=False):
        "Save docs/screenshots/<name> when asked to or when it is missing"
        page = page or self.page
        path = os.path.join(SCREENSHOTS, name)
        if os.environ.get('DMS_SCREENSHOTS') == '1' \
                or not os.path.exists(path):
            os.makedirs(SCREENSHOTS, exist_ok=True)
            # No hover highlight: the mouse near the bottom left corner
            page.mouse.move(10, page.viewport_size['height'] - 10)
            # Let the last repaint settle
            page.wait_for_timeout(300)
            page.screenshot(path=path, full_page=full_page)

    @staticmethod
    def texts(locator):
        return [t.strip() for t in locator.all_inner_texts()]


class SaoTestCase(BrowserTestCase):
    """The back office web client (sao) of the demo server: one page for the
    class, with the RPC calls in flight followed, and helpers on sao's DOM"""
    # Files sao asks for that the server does not have: not an error
    optional_urls = re.compile(r'/(custom\.(css|js)|locale/[\w-]+\.json)$')

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.page = cls.new_page()
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

    def open_action(self, action, selector='.treeview'):
        """Click the menu row action and wait for selector in the selected
        tab, which is returned: a click while sao redraws the menu can be
        lost, so it is clicked again once"""
        from playwright.sync_api import Error as PlaywrightError
        for attempt in range(2):
            action.click()
            with contextlib.suppress(PlaywrightError):
                self.current_tab().locator(selector).wait_for(
                    state='visible', timeout=5000)
                break
        return self.current_tab()

    def current_tab(self):
        "The content of the selected tab of the main tab bar"
        return self.page.locator('#tabs > .tab-content > .tab-pane.active')
