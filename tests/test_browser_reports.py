# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The sales analysis in the back office, in a real browser: admin opens
Dealers > Sales Analysis > Sales per Dealer (the filter bar, the list, the
graph) and the Sales Dashboard (the board and its panes); the figures shown
are those the server gives over XML-RPC for the same filters.

Screenshots: docs/screenshots/backoffice-sales-dealers.png and
backoffice-dashboard.png (see tests/browser.py for when they are written).
"""
import datetime as dt
import re
from decimal import Decimal

from tests import browser
from tests.fixtures import DEMO_LOGINS

LAPTOP = {'width': 1366, 'height': 768}


def digits(text):
    "The digits of a shown amount (its currency sign and separators out)"
    return re.sub(r'[^0-9]', '', text or '')


def amount_digits(value):
    return digits('%.2f' % Decimal(str(value)))


def rpc_date(date):
    "A date as Tryton's XML-RPC reads it"
    return {'__class__': 'date', 'year': date.year, 'month': date.month,
        'day': date.day}


class ReportsBrowserTestCase(browser.SaoTestCase):
    "Sales analysis and dashboard in the web client (sao)"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.server.session_rpc(*DEMO_LOGINS['admin']).model
        cls.context = cls.admin.res.user.get_preferences(True, {})

    def open_menu(self, name, selector):
        "Open the menu entry Dealers / Sales Analysis / name"
        # Without the tabs of the other tests
        self.wait_idle()
        self.page.evaluate("""async () => {
            for (const tab of [...Sao.Tab.tabs]) {
                await tab.close();
            }
        }""")
        self.wait_idle()
        (menu,) = self.admin.ir.ui.menu.search_read([
                ('name', '=', name),
                ('parent.name', '=', 'Sales Analysis'),
                ], 0, None, None, ['id'], {})
        self.page.evaluate(
            "id => Sao.Action.exec_keyword('tree_open', "
            "{model: 'ir.ui.menu', id: id}, null, false)", menu['id'])
        tab = self.current_tab()
        tab.locator(selector).first.wait_for(state='visible')
        self.wait_idle()
        self.assertEqual(self.page.evaluate("Sao.Tab.tabs.length"), 1)
        return tab

    def signed_in(self):
        if not self.page.locator('#menu tbody > tr').first.is_visible():
            with self.step("log in as admin on a laptop"):
                self.page.set_viewport_size(LAPTOP)
                self.login(*DEMO_LOGINS['admin'])

    def test_sales_per_dealer(self):
        """The dealers' report shows, for the filters of its bar, the
        revenue and orders the server computes; its graph draws them"""
        page = self.page
        self.signed_in()
        # The context bar's defaults: a year to today, by month
        today = dt.date.today()
        context = dict(self.context,
            from_date=rpc_date(today.replace(year=today.year - 1)),
            to_date=rpc_date(today), period='month', compare=True)
        expected = self.admin.sale.reporting.dealer.search_read(
            [], 0, None, [('revenue', 'DESC')],
            ['dealer.rec_name', 'revenue', 'number', 'revenue_growth'],
            context)
        self.assertTrue(expected, "the demo has dealer sales")

        with self.step("open Sales Analysis > Sales per Dealer"):
            tab = self.open_menu(
                'Sales per Dealer', '.treeview tbody > tr')
            # The filter bar of the context model, with the DMS filters
            text = tab.inner_text()
            for label in ['From Date', 'Period', 'Dealer', 'Tier',
                    'Territory', 'Compare with Previous Period']:
                self.assertIn(label + ':', text)

        with self.step("check the rows against the server's"):
            rows = tab.locator('.treeview tbody > tr:visible')
            # The rows of the context bar's filters, in the action's order
            self.page.wait_for_function(
                "name => { const cell = document.querySelector("
                "'#tabs .tab-pane.active .treeview tbody > tr td a');"
                " return cell && cell.innerText.trim() === name; }",
                arg=expected[0]['dealer.']['rec_name'])
            headers = self.texts(tab.locator('.treeview thead th:visible'))
            for header in ['Dealer', 'Revenue', 'Revenue Growth (%)']:
                self.assertIn(header, headers)
            col = {h: i for i, h in enumerate(headers)}
            shown = [self.texts(r.locator('td:visible'))
                for r in rows.all()[:5]]
            for cells, row in zip(shown, expected):
                self.assertEqual(
                    cells[col['Dealer']], row['dealer.']['rec_name'])
                self.assertEqual(
                    digits(cells[col['Revenue']]),
                    amount_digits(row['revenue']))
                self.assertEqual(cells[col['#']], str(row['number']))
            self.save_screenshot('backoffice-sales-dealers.png')

        with self.step("switch to the graph"):
            tab.locator('button#switch_:visible').first.click()
            chart = tab.locator('.graph svg, .graph canvas').first
            chart.wait_for(state='visible')
            self.wait_idle()
            # One bar per dealer (sao draws with billboard.js)
            bars = tab.locator('.graph svg path.bb-bar')
            page.wait_for_function(
                "n => document.querySelectorAll("
                "'#tabs .tab-pane.active .graph svg path.bb-bar').length"
                " >= n", arg=len(expected))
            self.assertEqual(bars.count(), len(expected))
            self.save_screenshot('backoffice-sales-dealers-graph.png')

    def test_dashboard(self):
        "The dashboard shows the key figures and its panes"
        self.signed_in()
        figures = self.admin.dms.reporting.figure.search_read(
            [], 0, None, None, ['name', 'revenue', 'number'], self.context)
        self.assertEqual(len(figures), 3)

        with self.step("open Sales Analysis > Sales Dashboard"):
            tab = self.open_menu('Sales Dashboard', '.board')
            board = tab.locator('.board')
            # Every pane's list is drawn
            self.page.wait_for_function(
                "() => document.querySelectorAll("
                "'#tabs .tab-pane.active .board .treeview').length >= 7")
            self.wait_idle()

        with self.step("check the key figures"):
            pane = board.locator('.treeview').first
            rows = pane.locator('tbody > tr:visible')
            rows.first.wait_for(state='visible')
            self.assertEqual(rows.count(), 3)
            headers = self.texts(pane.locator('thead th:visible'))
            col = {h: i for i, h in enumerate(headers)}
            for row, figure in zip(rows.all(), figures):
                cells = self.texts(row.locator('td:visible'))
                self.assertEqual(cells[col['Figure']], figure['name'])
                self.assertEqual(digits(cells[col['Revenue']]),
                    amount_digits(figure['revenue']))
            text = board.inner_text()
            for title in ['Key Figures', 'Top Products (30 days)',
                    'Slow Products (30 days)', 'Territory Ranking (30 days)',
                    'Dealers at Risk', 'Late Orders', 'Open Alerts']:
                self.assertIn(title, text)
            self.save_screenshot('backoffice-dashboard.png', full_page=True)
