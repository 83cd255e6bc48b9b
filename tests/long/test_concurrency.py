# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""16 concurrent orders for the last units, 100 rounds, on a real server:
8 portal checkouts and 8 intake calls (two of them the same order sent
twice at once) race for the k units the factory can still promise of a
product.  No round sells more than k units, no reference gets two orders
and no request fails with a server error."""
import os
import threading
import time
import unittest
import xmlrpc.client

from tests.fixtures import DEMO_LOGINS, DemoServer
from tests.test_portal_concurrency import PortalClient

ROUNDS = int(os.environ.get('DMS_CONCURRENCY_ROUNDS', 100))
CHECKOUTS = 8
INTAKES = 8
PASSWORD = 'integration-secret'
PRODUCT = 'RACE-1'


class LastUnitsTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = DemoServer().start()
        cls.addClassCleanup(cls.server.stop)
        cls.server.create_user('erp', PASSWORD)
        admin = cls.server.rpc(*DEMO_LOGINS['admin']).model
        cls.admin = admin
        admin.dms.configuration.write([1], {
                'backorder_policy': 'refuse',
                'check_credit_limit': False}, {})
        company, = admin.company.company.search([], 0, None, None, {})
        cls.company = company
        template, = admin.product.template.search_read(
            [('code', '!=', None), ('salable', '=', True)], 0, 1, None,
            ['account_category', 'default_uom'], {})
        new, = admin.product.template.create([{
                    'name': "Race", 'code': PRODUCT, 'type': 'goods',
                    'salable': True, 'list_price': 100,
                    'default_uom': template['default_uom'],
                    'sale_uom': template['default_uom'],
                    'account_category': template['account_category'],
                    'products': [('create', [{}])]}], {'company': company})
        cls.product, = admin.product.product.search(
            [('template', '=', new)], 0, None, None, {})
        cls.unit = template['default_uom']
        cls.storage, = admin.stock.location.search(
            [('code', '=', 'STO')], 0, None, None, {})
        cls.supplier, = admin.stock.location.search(
            [('code', '=', 'SUP')], 0, None, None, {})
        cls.currency = admin.company.company.read(
            [company], ['currency'], {})[0]['currency']
        dealers = [d['code'] for d in admin.dms.dealer.search_read(
                [('state', '=', 'active')], 0, CHECKOUTS + INTAKES,
                [('code', 'ASC')], ['code'], {})]
        assert len(dealers) == CHECKOUTS + INTAKES, dealers
        cls.portal_dealers = dealers[:CHECKOUTS]
        cls.intake_dealers = dealers[CHECKOUTS:]
        base = '%s/%s/portal' % (cls.server.url, cls.server.database)
        cls.buyers = []
        for code in cls.portal_dealers:
            client = PortalClient(base)
            client.sign_in('%s.buyer@dealers.example.com' % code.lower(),
                DEMO_LOGINS['d0001.buyer'][1])
            cls.buyers.append(client)

    def receive(self, quantity):
        "Receive quantity units of the product in the warehouse"
        moves = self.admin.stock.move.create([{
                    'product': self.product, 'quantity': quantity,
                    'unit': self.unit, 'from_location': self.supplier,
                    'to_location': self.storage, 'company': self.company,
                    'unit_price': 1, 'currency': self.currency}], {})
        self.admin.stock.move.do(moves, {})

    def test_last_units(self):
        "No oversell, no duplicate order, no server error in 100 rounds"
        proxies = [self.server.rpc('erp', PASSWORD) for _ in range(INTAKES)]
        sold = 0
        started = time.monotonic()
        # A refused checkout keeps its cart for the next round
        empty = [True] * CHECKOUTS
        for round_ in range(ROUNDS):
            k = 1 + round_ % 4
            self.receive(k)
            for buyer, to_fill in zip(self.buyers, empty):
                if to_fill:
                    status, _ = buyer.request('/cart/quick',
                        {'lines': '%s 1' % PRODUCT})
                    self.assertEqual(status, 200)
            results = [None] * (CHECKOUTS + INTAKES)
            barrier = threading.Barrier(CHECKOUTS + INTAKES)
            references = {}

            def checkout(i):
                reference = 'R%s-P%s' % (round_, i)
                references[i] = reference
                barrier.wait()
                results[i] = self.buyers[i].request(
                    '/cart/checkout', {'reference': reference})[0]

            def intake(i):
                # The first two send the same order at once
                j = max(i, 1)
                reference = 'R%s-I%s' % (round_, j)
                references[CHECKOUTS + i] = reference
                order = {
                    'dealer_code': self.intake_dealers[j],
                    'external_reference': reference,
                    'lines': [{'product_code': PRODUCT, 'quantity': 1}],
                    }
                barrier.wait()
                try:
                    result, = proxies[i].model.dms.order.intake.submit(
                        [order], {})
                    results[CHECKOUTS + i] = result['status']
                except (xmlrpc.client.Error, OSError) as error:
                    results[CHECKOUTS + i] = error
            threads = [
                threading.Thread(target=checkout, args=(i,))
                for i in range(CHECKOUTS)] + [
                threading.Thread(target=intake, args=(i,))
                for i in range(INTAKES)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(300)

            with self.subTest(round=round_):
                # No server error: orders are placed or refused
                self.assertTrue(all(r in {303, 400} for r in
                        results[:CHECKOUTS]), results)
                self.assertTrue(all(
                        r in {'accepted', 'duplicate', 'rejected'}
                        for r in results[CHECKOUTS:]), results)
                # The repeated intake order: at most one accepted
                self.assertNotEqual(results[CHECKOUTS:CHECKOUTS + 2],
                    ['accepted', 'accepted'])
                sales = self.admin.sale.sale.search_read([
                        ('external_reference', 'in',
                            sorted(set(references.values()))),
                        ('state', '!=', 'draft'),
                        ], 0, None, None, ['external_reference'], {})
                names = [s['external_reference'] for s in sales]
                self.assertEqual(len(names), len(set(names)))
                accepted = (results[:CHECKOUTS].count(303)
                    + results[CHECKOUTS:].count('accepted'))
                self.assertEqual(len(sales), accepted)
                # Exactly the k units are sold: none twice, none left
                self.assertEqual(accepted, k, results)
            sold += k
            empty = [r == 303 for r in results[:CHECKOUTS]]
        lines = self.admin.sale.line.search_read([
                ('product', '=', self.product),
                ('sale.state', '!=', 'draft'),
                ], 0, None, None, ['quantity'], {})
        self.assertEqual(sum(l['quantity'] for l in lines), sold)
        log = self.server.read_log()
        self.assertNotRegex(log, r'" 5\d\d -')
        print("\n%s rounds of %s concurrent orders in %.0f s" % (
                ROUNDS, CHECKOUTS + INTAKES, time.monotonic() - started))
