# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Concurrent portal checkouts on a real server: the buyers of several
dealers each have all the units the factory can still promise of a product
in their cart and submit at the same moment.  With the back-order policy
"refuse", exactly one order gets the units, the others are refused with the
stock message, nothing is oversold and no request fails with a server
error.  The same checkout sent twice at once creates one order."""
import http.cookiejar
import re
import threading
import unittest
import urllib.error
import urllib.parse
import urllib.request

from tests.fixtures import DEMO_LOGINS, DemoServer

PRODUCT = 'AC-1001'
BUYERS = 4


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class PortalClient:
    "A browser-like HTTP client of the portal: cookies, CSRF token"

    def __init__(self, base):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect)

    def request(self, path, form=None):
        data = None
        if form is not None:
            data = urllib.parse.urlencode(
                {'csrf_token': self.csrf(), **form}).encode()
        try:
            with self.opener.open(self.base + path, data, timeout=120) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors='replace')

    def csrf(self):
        for cookie in self.cookies:
            if cookie.name == 'dms_portal_csrf':
                return cookie.value
        return ''

    def sign_in(self, email, password):
        self.request('/login')
        status, _ = self.request('/login', {
                'email': email, 'password': password})
        assert status == 303, status


class ConcurrentCheckoutTestCase(unittest.TestCase):
    "Concurrent checkouts for the last units never oversell"

    @classmethod
    def setUpClass(cls):
        cls.server = DemoServer()
        try:
            cls.server.start()
            cls.base = '%s/%s/portal' % (cls.server.url, cls.server.database)
            cls.admin = cls.server.session_rpc(*DEMO_LOGINS['admin']).model
        except BaseException:
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def buyers(self, count=BUYERS, offset=0):
        "Signed-in clients of the buyers of active dealers"
        dealers = self.admin.dms.dealer.search_read(
            [('state', '=', 'active')], offset, count, [('code', 'ASC')],
            ['code'], {})
        self.assertEqual(len(dealers), count)
        clients = []
        for dealer in dealers:
            client = PortalClient(self.base)
            client.sign_in('%s.buyer@dealers.example.com'
                % dealer['code'].lower(), DEMO_LOGINS['d0001.buyer'][1])
            clients.append(client)
        return clients

    def available(self, client):
        "The units of PRODUCT the catalogue says can be promised"
        status, html = client.request('/catalogue?q=' + PRODUCT)
        self.assertEqual(status, 200)
        match = re.search(r'class="ok">(\d+) available<', html)
        return int(match.group(1)) if match else 0

    def ordered(self, references):
        lines = self.admin.sale.line.search_read([
                ('sale.external_reference', 'in', references),
                ('product.code', '=', PRODUCT),
                ], 0, None, None, ['quantity'], {})
        return sum(l['quantity'] for l in lines)

    def checkout_all(self, clients, forms):
        results = [None] * len(clients)
        barrier = threading.Barrier(len(clients))

        def run(i):
            barrier.wait()
            results[i] = clients[i].request('/cart/checkout', forms[i])
        threads = [threading.Thread(target=run, args=(i,))
            for i in range(len(clients))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(180)
        return results

    def test_last_units(self):
        "One order gets the last units, the others are refused"
        # The credit limits would refuse some orders first
        self.admin.dms.configuration.write([1], {
                'backorder_policy': 'refuse',
                'check_credit_limit': False}, {})
        clients = self.buyers()
        available = self.available(clients[0])
        self.assertGreater(available, 0)
        for client in clients:
            status, _ = client.request('/cart/quick', {
                    'lines': '%s %s' % (PRODUCT, available)})
            self.assertEqual(status, 200)
        references = ['LAST-%s' % i for i in range(len(clients))]
        results = self.checkout_all(clients, [
                {'reference': r} for r in references])
        statuses = sorted(status for status, _ in results)
        self.assertEqual(statuses, [303] + [400] * (len(clients) - 1),
            [body[:300] for status, body in results if status >= 500])
        for status, body in results:
            if status == 400:
                self.assertIn('can be promised now', body)
        self.assertEqual(self.ordered(references), available)
        self.assertEqual(self.available(clients[0]), 0)

    def test_same_checkout_twice(self):
        "A checkout sent twice at once (double click) creates one order"
        # A dealer of its own: the others' carts keep their refused lines
        client, = self.buyers(count=1, offset=BUYERS)
        status, _ = client.request('/cart/quick', {'lines': 'SP-6009 1'})
        self.assertEqual(status, 200)
        # The same browser (its cookies) sends the form twice
        results = self.checkout_all([client, client],
            [{'reference': 'TWICE-1'}] * 2)
        # The second finds the reference used or the cart gone
        statuses = sorted(status for status, _ in results)
        self.assertEqual(statuses, [303, 400], results)
        sales = self.admin.sale.sale.search_read(
            [('external_reference', '=', 'TWICE-1')], 0, None, None,
            ['state'], {})
        self.assertEqual(len(sales), 1)

    def test_cart_checked_out_twice_with_two_references(self):
        """Two tabs check out the same cart at once with different
        references: one order, which keeps its own reference and lines"""
        client, = self.buyers(count=1, offset=BUYERS + 1)
        status, _ = client.request('/cart/quick', {'lines': 'SP-6009 2'})
        self.assertEqual(status, 200)
        results = self.checkout_all([client, client],
            [{'reference': 'TAB-1'}, {'reference': 'TAB-2'}])
        statuses = sorted(status for status, _ in results)
        self.assertEqual(statuses, [303, 400], results)
        sales = self.admin.sale.sale.search_read(
            [('external_reference', 'in', ['TAB-1', 'TAB-2'])], 0, None,
            None, ['state', 'number', 'external_reference', 'lines'], {})
        self.assertEqual(len(sales), 1, sales)
        sale, = sales
        self.assertEqual(sale['state'], 'quotation')
        # The refused tab was told there was nothing left to order
        refused, = [body for status, body in results if status == 400]
        self.assertIn('The order has no lines.', refused)
        # and not shown the other tab's order (its number alone may be in
        # the page's CSRF token, so as a word of the page's main part)
        main = refused[refused.index('<main>'):refused.index('</main>')]
        self.assertNotRegex(main, r'\b%s\b' % re.escape(sale['number']))
        self.assertNotIn('/orders/%d' % sale['id'], refused)
        lines = self.admin.sale.line.read(
            sale['lines'], ['quantity'], {})
        self.assertEqual([l['quantity'] for l in lines], [2])
