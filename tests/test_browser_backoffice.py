# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The back office in a real browser: the sao web client served by a real
trytond on the demo database, driven by Playwright in Debian's headless
Chromium.  An administrator logs in, opens Dealers > Dealers, checks the
list and its state tabs, then opens dealer D0001 and checks its form.

On a laptop's screen (1,366 x 768), every window of the DMS menus (and each
relate action of a DMS model, from a record) shows its list and a record's
form, each page of its notebooks, without horizontal scrolling: neither the
form nor a list (the window's or a field's) is wider than its pane.  The
windows are read from the database, so a new one is measured too.

Screenshots of the list and the form go to docs/screenshots/ when
DMS_SCREENSHOTS=1 or when they do not exist yet.  On failure, a screenshot
of the page is saved to test-results/ and the message carries the trytond
log tail and the browser's console errors.
"""
import re
import unittest

from tests import browser
from tests.fixtures import DEMO_LOGINS

# A laptop's screen: sao's menu takes 365 px, the window has the other 1,001
LAPTOP = {'width': 1366, 'height': 768}
# What is wider than its pane in the selected tab of sao: the scroller of a
# form (.content-box) or a list (.treeview: the window's or a field's), with
# the columns or the fields (their name, else their text) beyond its right
OVERFLOWS = """() => {
    const pane = document.querySelector(
        '#tabs > .tab-content > .tab-pane.active');
    const shown = e => e.getClientRects().length > 0;
    const problems = [];
    for (const box of pane.querySelectorAll('.content-box, .treeview')) {
        if (!shown(box)) continue;
        // A list is as wide as its table (sao gives it a minimum width)
        const table = box.querySelector(':scope > table');
        const width = Math.floor(table
            ? table.getBoundingClientRect().width : box.scrollWidth);
        if (width <= box.clientWidth) continue;
        const right = box.getBoundingClientRect().left + box.clientWidth + 1;
        const beyond = table
            ? [...table.querySelectorAll(':scope > thead > tr > th')]
                .filter(th => shown(th)
                    && th.getBoundingClientRect().right > right)
                .map(th => th.innerText.trim())
            : [...box.querySelectorAll('.form-item')]
                .filter(item => shown(item)
                    && !item.querySelector('.form-item')
                    && item.getBoundingClientRect().right > right)
                .map(item => {
                    const field = item.querySelector('[name]');
                    return field ? field.getAttribute('name')
                        : item.innerText.trim().slice(0, 40);
                });
        problems.push({
            what: !table ? 'form'
                : box.closest('.form') ? 'list of a field' : 'list',
            width: width, visible: box.clientWidth,
            beyond: beyond.filter(b => b)});
    }
    return problems;
}"""
# The notebook pages of the selected tab's form
NOTEBOOK_PAGES = ('#tabs > .tab-content > .tab-pane.active '
    '.form-notebook > .nav-tabs > li:not(.disabled) > a:visible')


class LaptopMixin:
    "Every DMS window measured on a laptop's screen (a SaoTestCase's)"

    @classmethod
    def dms_windows(cls):
        """The windows to measure, read as admin over XML-RPC: each menu
        opening a window (ir.action.act_window) under the top menus of the
        DMS models' windows, and each relate action of a DMS model with a
        record of its source: [(name, JavaScript opening it, its argument,
        whether it is a menu's)]"""
        admin = cls.server.session_rpc(*DEMO_LOGINS['admin']).model
        ctx = {}
        models = {m['name'] for m in admin.ir.model.search_read(
                [('module', 'like', 'dms_%')], 0, None, None, ['name'], ctx)}
        windows = {w['action']: w for w in
            admin.ir.action.act_window.search_read(
                [], 0, None, None, ['name', 'res_model', 'action'], ctx)}
        menus = {m['id']: m for m in admin.ir.ui.menu.search_read([], 0,
                None, None, ['parent', 'action', 'complete_name'], ctx)}

        def window(menu):
            action = menu['action'] or ''
            if action.startswith('ir.action.act_window,'):
                for value in windows.values():
                    if value['id'] == int(action.split(',')[1]):
                        return value

        def root(menu):
            while menu['parent']:
                menu = menus[menu['parent']]
            return menu['id']
        roots = {root(m) for m in menus.values()
            if window(m) and window(m)['res_model'] in models}
        found = [(m['complete_name'],
                "id => Sao.Action.exec_keyword("
                "'tree_open', {model: 'ir.ui.menu', id: id}, null, false)",
                m['id'], True)
            for m in menus.values() if window(m) and root(m) in roots]
        for keyword in admin.ir.action.keyword.search_read([
                    ('keyword', '=', 'form_relate'),
                    ('action', 'in', list(windows)),
                    ], 0, None, None, ['model', 'action'], ctx):
            value = windows[keyword['action']]
            source = (keyword['model'] or '').split(',')[0]
            if not source or value['res_model'] not in models:
                continue
            records = getattr(admin, source).search(
                [], 0, 1, [('id', 'ASC')], ctx)
            if records:
                found.append(('%s (from %s %s)' % (
                            value['name'], source, records[0]),
                        "([action, data]) => Sao.Action.execute("
                        "action, data, {}, true)",
                        [value['action'], {'model': source,
                                'id': records[0], 'ids': records}], False))
        return sorted(found, key=lambda f: f[0])

    def overflows(self, where):
        "What is wider than its pane in the selected tab, said for where"
        return ['%s, %s: %s px in %s px, beyond: %s' % (
                where, p['what'], p['width'], p['visible'],
                ', '.join(p['beyond']) or '-')
            for p in self.page.evaluate(OVERFLOWS)]

    def check_windows_fit(self, windows):
        "Open each window, a record and each notebook page: none overflows"
        page = self.page
        with self.step("log in as admin on a laptop"):
            page.set_viewport_size(LAPTOP)
            # Once for the class: the tests share the page
            if not page.locator('#menu tbody > tr').first.is_visible():
                self.login(*DEMO_LOGINS['admin'])
            # Without the tabs of the other tests (sao shows a window's
            # open tab again instead of a new one)
            page.evaluate("""async () => {
                for (const tab of [...Sao.Tab.tabs]) {
                    await tab.close();
                }
            }""")
            self.assertEqual(page.evaluate("() => Sao.Tab.tabs.length"), 0)
            pane = page.locator('#tabs > .tab-content').bounding_box()
            # sao's menu beside the windows, as a laptop shows it
            self.assertLess(pane['width'], 1100)

        problems = []
        tab = self.current_tab()
        tabs = "() => Sao.Tab.tabs.length"
        for name, script, argument, menu in windows:
            with self.step("open %s" % name):
                count = page.evaluate(tabs)
                page.evaluate(script, argument)
                page.wait_for_function("n => Sao.Tab.tabs.length > n",
                    arg=count)
                tab.locator('.form, .treeview, .graph').first.wait_for(
                    state='visible')
                self.wait_idle()
                # (a dashboard is a board of windows, without screen)
                view = page.evaluate("""() => {
                    const tab = Sao.Tab.tabs.get_current();
                    return tab.screen ? tab.screen.current_view.view_type
                        : 'board';
                }""")
                problems += self.overflows('%s, %s' % (name, view))

            with self.step("open a record of %s" % name):
                opened = view != 'board'
                if opened and view != 'form':
                    # The first record, as a double click opens it, or a
                    # new one (not from a relate action: its form is the
                    # one of its model's menu), if the window has a form
                    opened = page.evaluate("""async (menu) => {
                        const tab = Sao.Tab.tabs.get_current();
                        const screen = tab.screen;
                        // A report (a list and graphs): its rows open
                        // another report, it has no form
                        const types = screen.views.map(v => v.view_type)
                            .concat(screen.view_to_load);
                        if (types.includes('graph')
                                && !types.includes('form')) {
                            return false;
                        }
                        if (screen.group.length) {
                            screen.current_record = screen.group[0];
                            await screen.switch_view('form');
                        } else if (menu) {
                            await tab.new_();
                        } else {
                            return false;
                        }
                        // A window with a list only stays on its list
                        return screen.current_view.view_type == 'form';
                    }""", menu)
                if opened and view != 'form':
                    tab.locator('.form:visible').first.wait_for(state='visible')
                    self.wait_idle()
                    problems += self.overflows('%s, form' % name)
                pages = page.locator(NOTEBOOK_PAGES)
                i = 0
                while opened and i < pages.count():
                    link = pages.nth(i)
                    label = link.inner_text().strip()
                    link.click()
                    self.wait_idle()
                    problems += self.overflows(
                        '%s, form, page %s' % (name, label))
                    i += 1

            with self.step("close %s" % name):
                # (a graph still drawing would hold the tab)
                self.wait_idle()
                page.evaluate("""async () => {
                    const screen = Sao.Tab.tabs.get_current().screen;
                    if (screen && screen.current_record
                            && screen.current_record.id < 0) {
                        screen.cancel_current();
                    }
                    await Sao.Tab.tabs.get_current().close();
                }""")
                page.wait_for_function("n => Sao.Tab.tabs.length == n",
                    arg=count)
        self.assertEqual(problems, [],
            "wider than a laptop's screen (%s x %s):\n%s" % (
                LAPTOP['width'], LAPTOP['height'], '\n'.join(problems)))



@browser.requires_chromium
class BackOfficeBrowserTestCase(LaptopMixin, browser.SaoTestCase):
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
            tab = self.open_action(action)
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

    def test_windows_fit_a_laptop(self):
        "Every DMS list and form, each notebook page, fits a laptop's screen"
        windows = self.dms_windows()
        names = [w[0] for w in windows]
        # The top menu's windows and relate actions are found
        for name in ['Dealers / Dealers', 'Dealers / Communication / '
                'Market Feedback', 'Dealers / Communication / Bulletins']:
            self.assertIn(name, names)
        self.assertTrue([n for n in names if ' (from ' in n], names)

        self.check_windows_fit(windows)

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
        # Without the tabs of the other tests: the list opens anew
        page.evaluate("""async () => {
            for (const tab of [...Sao.Tab.tabs]) {
                await tab.close();
            }
        }""")

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
            tab = self.open_action(action, '.tab-domain')
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
