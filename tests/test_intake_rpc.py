# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The order intake API over XML-RPC on a real server: orders are created,
repeats (also concurrent ones) create nothing, integrators stay in their
dealer's scope."""
import threading
import unittest
import xmlrpc.client

from tests.fixtures import DEMO_LOGINS, DemoServer

PASSWORD = 'integration-secret'


class IntakeRPCTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = DemoServer().start()
        cls.addClassCleanup(cls.server.stop)
        admin = cls.server.session_rpc(*DEMO_LOGINS['admin'])
        cls.admin = admin
        for login, dealer, groups in [
                ('erp', None, ['DMS Integration']),
                ('erp_d0001', 'D0001', ['DMS Integration']),
                ('intruder', None, [])]:
            cls.server.create_user(login, PASSWORD, dealer, groups)
        # These tests are about idempotency and scope, not stock
        admin.model.dms.configuration.write(
            [1], {'backorder_policy': 'accept'}, {})
        products = admin.model.product.product.search_read(
            [('code', '!=', None), ('salable', '=', True)], 0, None,
            [('code', 'ASC')], ['code'], {})
        cls.codes = [p['code'] for p in products]

    def rpc(self, login='erp'):
        return self.server.session_rpc(login, PASSWORD)

    def order(self, reference, dealer='D0001', quantity=1):
        return {
            'dealer_code': dealer,
            'external_reference': reference,
            'lines': [{'product_code': self.codes[0], 'quantity': quantity}],
            }

    def sales(self, reference):
        return self.admin.model.sale.sale.search_read(
            [('external_reference', '=', reference)], 0, None, None,
            ['number', 'state', 'dealer.code', 'dms_source'], {})

    def test_submit_then_repeat(self):
        "An accepted order is answered as a duplicate when sent again"
        first, = self.rpc().model.dms.order.intake.submit(
            [self.order('RPC-1')], {})
        self.assertEqual(first['status'], 'accepted', first)
        sale, = self.sales('RPC-1')
        self.assertEqual(sale['number'], first['number'])
        self.assertEqual(sale['state'], 'quotation')
        self.assertEqual(sale['dms_source'], 'intake')
        for _ in range(10):
            again, = self.rpc().model.dms.order.intake.submit(
                [self.order('RPC-1')], {})
            self.assertEqual(again['status'], 'duplicate')
            self.assertEqual(again['sale'], first['sale'])
        self.assertEqual(len(self.sales('RPC-1')), 1)
        # The same reference with another payload is refused
        conflict, = self.rpc().model.dms.order.intake.submit(
            [self.order('RPC-1', quantity=5)], {})
        self.assertEqual(conflict['status'], 'rejected')
        self.assertIsNone(conflict['sale'])
        error, = conflict['errors']
        self.assertEqual(error['code'], 'reference_conflict')
        self.assertIn('"RPC-1" was already used', error['message'])
        self.assertEqual(len(self.sales('RPC-1')), 1)
        lines = self.admin.model.sale.line.search_read(
            [('sale', '=', first['sale'])], 0, None, None, ['quantity'], {})
        self.assertEqual([l['quantity'] for l in lines], [1])

    def test_concurrent_repeats(self):
        "The same order sent 8 times at once creates one order"
        results, errors = [], []
        barrier = threading.Barrier(8)

        def submit():
            try:
                proxy = self.rpc()
                barrier.wait()
                results.extend(proxy.model.dms.order.intake.submit(
                        [self.order('RPC-CONCURRENT')], {}))
            except Exception as exception:
                errors.append(exception)
        threads = [threading.Thread(target=submit) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual(errors, [])
        self.assertEqual(len(results), 8)
        statuses = sorted(r['status'] for r in results)
        self.assertEqual(statuses, ['accepted'] + ['duplicate'] * 7)
        self.assertEqual(len({r['sale'] for r in results}), 1)
        self.assertEqual(len(self.sales('RPC-CONCURRENT')), 1)

    def test_concurrent_last_units(self):
        "Concurrent orders for the last units never oversell (refuse)"
        admin = self.admin.model
        admin.dms.configuration.write(
            [1], {'backorder_policy': 'refuse'}, {})
        self.addCleanup(admin.dms.configuration.write,
            [1], {'backorder_policy': 'accept'}, {})
        company, = admin.company.company.search([], 0, None, None, {})
        template, = admin.product.template.search_read(
            [('code', '=', self.codes[0])], 0, None, None,
            ['account_category', 'default_uom'], {})
        new, = admin.product.template.create([{
                    'name': "Last units", 'code': 'LAST-3', 'type': 'goods',
                    'salable': True, 'list_price': 100,
                    'default_uom': template['default_uom'],
                    'sale_uom': template['default_uom'],
                    'account_category': template['account_category'],
                    'products': [('create', [{}])]}], {'company': company})
        product, = admin.product.product.search(
            [('template', '=', new)], 0, None, None, {})
        storage, = admin.stock.location.search(
            [('code', '=', 'STO')], 0, None, None, {})
        supplier, = admin.stock.location.search(
            [('code', '=', 'SUP')], 0, None, None, {})
        currency = admin.company.company.read(
            [company], ['currency'], {})[0]['currency']
        moves = admin.stock.move.create([{
                    'product': product, 'quantity': 3,
                    'unit': template['default_uom'],
                    'from_location': supplier, 'to_location': storage,
                    'company': company, 'unit_price': 1,
                    'currency': currency}], {})
        admin.stock.move.do(moves, {})

        results, errors = [], []
        barrier = threading.Barrier(6)

        def submit(index):
            try:
                proxy = self.rpc()
                barrier.wait()
                results.extend(proxy.model.dms.order.intake.submit([{
                                'dealer_code': 'D0001',
                                'external_reference': 'LAST-%s' % index,
                                'lines': [{'product_code': 'LAST-3',
                                        'quantity': 2}]}], {}))
            except Exception as exception:
                errors.append(exception)
        threads = [threading.Thread(target=submit, args=(i,))
            for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual(errors, [])
        self.assertEqual(sorted(r['status'] for r in results),
            ['accepted'] + ['rejected'] * 5)
        self.assertTrue(all(
                r['errors'][0]['code'] == 'stock_short'
                for r in results if r['status'] == 'rejected'))
        ordered = admin.sale.line.search_read(
            [('product', '=', product)], 0, None, None, ['quantity'], {})
        self.assertEqual(sum(l['quantity'] for l in ordered), 2)

    def test_dealer_scope(self):
        "An integrator linked to D0001 cannot order for D0005"
        rpc = self.rpc('erp_d0001')
        result, = rpc.model.dms.order.intake.submit(
            [self.order('RPC-SCOPE', dealer='D0005')], {})
        self.assertEqual(result['status'], 'rejected')
        self.assertEqual(result['errors'][0]['code'], 'dealer_unknown')
        self.assertEqual(self.sales('RPC-SCOPE'), [])
        result, = rpc.model.dms.order.intake.submit(
            [self.order('RPC-SCOPE', dealer='D0001')], {})
        self.assertEqual(result['status'], 'accepted')

    def test_without_rights(self):
        "A user without the integration group is refused"
        with self.assertRaises(xmlrpc.client.Fault):
            # With HTTP basic auth, as integrators may call
            intruder = self.server.rpc('intruder', PASSWORD)
            intruder.model.dms.order.intake.submit(
                [self.order('RPC-NO')], {})
        self.assertEqual(self.sales('RPC-NO'), [])

    def test_bad_batches(self):
        "Malformed batches get a clear fault, never a server error"
        rpc = self.rpc()
        for batch in [[], 'orders', [self.order('x')] * 501]:
            with self.subTest(batch=str(batch)[:30]):
                with self.assertRaises(xmlrpc.client.Fault) as cm:
                    rpc.model.dms.order.intake.submit(batch, {})
                self.assertNotIn('Traceback', cm.exception.faultString)
        results = rpc.model.dms.order.intake.submit(
            [{'dealer_code': 1, 'lines': [{'quantity': 'x'}]}, 'garbage'],
            {})
        self.assertEqual([r['status'] for r in results],
            ['rejected', 'rejected'])

    def test_fuzzed_batches(self):
        """Random orders (hypothesis): an answer per order or a clear fault,
        never a server error, and a sale only for each accepted order"""
        from hypothesis import HealthCheck, given, settings
        from hypothesis import strategies as st

        rpc = self.rpc('erp_d0001')
        admin = self.admin.model
        scalar = st.one_of(
            st.none(), st.booleans(), st.integers(-2 ** 31, 2 ** 31 - 1),
            st.floats(allow_nan=False, allow_infinity=False),
            # XML 1.0 has no control characters (the request would be a 400)
            st.text(st.characters(blacklist_categories=('Cc', 'Cs')),
                max_size=50),
            st.sampled_from(
                ['D0001', 'D0005', self.codes[0], '1', '-1', '1e9', '']))
        line = st.one_of(scalar, st.dictionaries(
                st.sampled_from(['product_code', 'quantity', 'unit_price',
                        'note', 'x']), scalar, max_size=4))
        order = st.one_of(scalar, st.dictionaries(
                st.sampled_from(['dealer_code', 'external_reference',
                        'lines', 'delivery_address', 'requested_date',
                        'note', 'x']),
                st.one_of(scalar, st.lists(line, max_size=3)), max_size=6))

        @settings(max_examples=60, deadline=None, derandomize=True,
            database=None, suppress_health_check=list(HealthCheck))
        @given(batch=st.lists(order, min_size=1, max_size=4))
        def submit(batch):
            before = admin.sale.sale.search_count(
                [('dms_source', '=', 'intake')], {})
            try:
                results = rpc.model.dms.order.intake.submit(batch, {})
            except xmlrpc.client.Fault as fault:
                self.assertNotIn('Traceback', fault.faultString)
                accepted = 0
            else:
                self.assertEqual(len(results), len(batch))
                self.assertLessEqual({r['status'] for r in results},
                    {'accepted', 'duplicate', 'rejected'})
                accepted = sum(r['status'] == 'accepted' for r in results)
            self.assertEqual(admin.sale.sale.search_count(
                    [('dms_source', '=', 'intake')], {}), before + accepted)
        submit()
        self.assertNotIn('Internal Server Error', self.server.read_log())
