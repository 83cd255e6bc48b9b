# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The planning views in the back office, in a real browser: admin opens
Dealers > Planning > Demand Planning (the filter bar, the Shortfall tab
against the server's rows, the graph, the drill-down to the order lines)
and Shipments to Plan (its rows against the server's).

Screenshots: docs/screenshots/backoffice-planning-demand.png and
backoffice-planning-shipments.png (see tests/browser.py for when they are
written).
"""
import re

from tests import browser
from tests.fixtures import DEMO_LOGINS

LAPTOP = {'width': 1366, 'height': 768}


def number(text):
    "A shown number (its thousands separators out)"
    return float(re.sub(r'[^0-9.-]', '', text))


class PlanningBrowserTestCase(browser.SaoTestCase):
    "Planning views in the web client (sao)"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.server.session_rpc(*DEMO_LOGINS['admin']).model
        cls.context = cls.admin.res.user.get_preferences(True, {})

    def open_menu(self, name, selector):
        "Open the menu entry Dealers / Planning / name alone"
        self.wait_idle()
        self.page.evaluate("""async () => {
            for (const tab of [...Sao.Tab.tabs]) {
                await tab.close();
            }
        }""")
        self.wait_idle()
        (menu,) = self.admin.ir.ui.menu.search_read([
                ('name', '=', name),
                ('parent.name', '=', 'Planning'),
                ], 0, None, None, ['id'], {})
        self.page.evaluate(
            "id => Sao.Action.exec_keyword('tree_open', "
            "{model: 'ir.ui.menu', id: id}, null, false)", menu['id'])
        tab = self.current_tab()
        tab.locator(selector).first.wait_for(state='visible')
        self.wait_idle()
        return tab

    def signed_in(self):
        if not self.page.locator('#menu tbody > tr').first.is_visible():
            with self.step("log in as admin on a laptop"):
                self.page.set_viewport_size(LAPTOP)
                self.login(*DEMO_LOGINS['admin'])

    def shown_rows(self, tab, expected):
        """The cells of the rows sao draws (the first ones of the list, in
        their order) once it has read as many records as expected"""
        self.page.wait_for_function(
            "n => Sao.Tab.tabs.get_current().screen.group.length == n",
            arg=len(expected))
        rows = tab.locator('.treeview tbody > tr:visible')
        rows.first.wait_for(state='visible')
        self.wait_idle()
        width = tab.locator('.treeview thead th:visible').count()
        # (without the rows sao keeps for the records not drawn yet)
        shown = [cells for cells in (
                self.texts(r.locator('td:visible')) for r in rows.all())
            if len(cells) == width]
        self.assertTrue(0 < len(shown) <= len(expected))
        return shown

    def test_demand_planning(self):
        """The demand planning shows the server's shortfall rows for the
        filters of its bar, draws them and opens the lines behind a row"""
        self.signed_in()
        expected = self.admin.dms.planning.demand.search_read(
            [('shortfall', '>', 0)], 0, None, None,
            ['product.rec_name', 'week', 'shortfall'], self.context)
        self.assertTrue(expected, "the demo has a shortfall")

        with self.step("open Planning > Demand Planning"):
            tab = self.open_menu('Demand Planning', '.treeview tbody > tr')
            text = tab.inner_text()
            for label in ['Warehouse', 'From Week', 'To Week',
                    'Product Category', 'Territory', 'Tier', 'Dealer',
                    'Include Quotations']:
                self.assertIn(label + ':', text)

        with self.step("check the Shortfall tab against the server's rows"):
            shown = self.shown_rows(tab, expected)
            headers = self.texts(tab.locator('.treeview thead th:visible'))
            for header in ['Product', 'Week', 'Demand', 'Incoming',
                    'Projected', 'Shortfall']:
                self.assertIn(header, headers)
            col = {h: i for i, h in enumerate(headers)}
            self.assertEqual(
                [cells[col['Product']] for cells in shown],
                [row['product.']['rec_name']
                    for row in expected[:len(shown)]])
            self.assertEqual(
                [number(cells[col['Shortfall']]) for cells in shown],
                [row['shortfall'] for row in expected[:len(shown)]])
            # Every column on a laptop's screen
            self.assertFalse(tab.locator('.treeview').first.evaluate(
                    "el => el.scrollWidth > el.clientWidth"))
            self.save_screenshot('backoffice-planning-demand.png')

        with self.step("switch to the graph"):
            tab.locator('button#switch_:visible').first.click()
            tab.locator('.graph svg, .graph canvas').first.wait_for(
                state='visible')
            self.page.wait_for_function(
                "() => document.querySelectorAll("
                "'#tabs .tab-pane.active .graph svg path.bb-bar').length"
                " > 0")
            tab.locator('button#switch_:visible').first.click()
            tab.locator('.treeview tbody > tr:visible').first.wait_for(
                state='visible')
            self.wait_idle()

        with self.step("open the order lines behind the first row"):
            tab.locator('.treeview tbody > tr:visible').first.dblclick()
            self.page.wait_for_function(
                "() => Sao.Tab.tabs.length == 2")
            lines = self.current_tab()
            lines.locator('.treeview tbody > tr').first.wait_for(
                state='visible')
            self.wait_idle()
            self.assertIn(expected[0]['product.']['rec_name'],
                lines.inner_text())

    def test_shipments_to_plan(self):
        "The shipments to plan show the server's rows"
        self.signed_in()
        expected = self.admin.dms.planning.shipment.search_read(
            [], 0, None, None, ['date', 'shipments', 'quantity'],
            self.context)
        self.assertTrue(expected, "the demo has shipments to plan")

        with self.step("open Planning > Shipments to Plan"):
            tab = self.open_menu('Shipments to Plan', '.treeview tbody > tr')
            text = tab.inner_text()
            for label in ['Warehouse', 'From Date', 'To Date', 'Carrier']:
                self.assertIn(label + ':', text)
            shown = self.shown_rows(tab, expected)
            headers = self.texts(tab.locator('.treeview thead th:visible'))
            for header in ['Date', 'Territory', 'Subdivision', 'Carrier',
                    'Shipments', 'Orders', 'Quantity']:
                self.assertIn(header, headers)
            col = {h: i for i, h in enumerate(headers)}
            self.assertEqual(
                [cells[col['Shipments']] for cells in shown],
                [str(row['shipments']) for row in expected[:len(shown)]])
            self.assertFalse(tab.locator('.treeview').first.evaluate(
                    "el => el.scrollWidth > el.clientWidth"))
            self.save_screenshot('backoffice-planning-shipments.png')
