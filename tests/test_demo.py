# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The demo database built by tools/demo.py: what `make run` promises (in
README.md) is there, and running the generator again changes nothing."""
import datetime as dt
import unittest
from collections import Counter

from tests.fixtures import DEMO_LOGINS, DemoServer

COUNTED = [
    'dms.territory', 'dms.dealer.tier', 'dms.dealer',
    'dms.dealer.tier.history', 'web.user', 'party.party', 'party.address',
    'product.template', 'product.product', 'product.category',
    'product.price_list', 'sale.sale', 'sale.line', 'stock.move',
    'stock.inventory', 'company.employee', 'res.user',
    'stock.shipment.out', 'carrier', 'dms.order.event', 'dms.order.alert',
    'dms.order.suggestion',
    ]
STAGES = {'received', 'confirmed', 'in_production', 'ready', 'shipped',
    'delivered', 'cancelled'}


def day(value):
    """The date Tryton sends over XML-RPC: a struct, or a date once
    trytond.protocols.xmlrpc (imported by other tests) has registered its
    unmarshaller in xmlrpc.client"""
    if isinstance(value, dt.date):
        return value
    return dt.date(value['year'], value['month'], value['day'])


class DemoDataTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = DemoServer().start()
        cls.addClassCleanup(cls.server.stop)
        cls.admin = cls.server.rpc(*DEMO_LOGINS['admin'])


    def count(self, model, domain=None):
        return getattr(self.admin.model, model).search_count(
            domain or [], {'active_test': False})

    def test_network(self):
        "The demo has the dealer network the README describes"
        rpc = self.admin.model
        tiers = rpc.dms.dealer.tier.search_read(
            [], 0, None, None, ['code', 'price_list'], {})
        self.assertEqual(len(tiers), 4)
        self.assertTrue(all(t['price_list'] for t in tiers))

        levels = Counter(t['level'] for t in rpc.dms.territory.search_read(
                [], 0, None, None, ['level'], {}))
        self.assertEqual(levels['country'], 1)
        self.assertGreaterEqual(levels['province'], 3)
        self.assertGreaterEqual(levels['city'], 6)

        dealers = rpc.dms.dealer.search_read(
            [], 0, None, None,
            ['code', 'state', 'tier', 'territory', 'parent', 'web_users'], {})
        self.assertGreaterEqual(len(dealers), 20)
        self.assertGreater(len({d['tier'] for d in dealers}), 3)
        self.assertGreater(len({d['territory'] for d in dealers}), 6)
        self.assertTrue(any(d['parent'] for d in dealers))
        self.assertTrue({'active', 'prospect', 'suspended', 'terminated'}
            <= {d['state'] for d in dealers})

        users = rpc.web.user.search_read(
            [('dealer', '!=', None)], 0, None, None,
            ['dealer', 'dealer_role'], {'active_test': False})
        roles = {(u['dealer'], u['dealer_role']) for u in users}
        for dealer in dealers:
            self.assertIn((dealer['id'], 'admin'), roles)
            self.assertIn((dealer['id'], 'buyer'), roles)

    def test_demo_logins(self):
        "The demo dealers of the README exist in different tiers"
        rpc = self.admin.model
        tiers = set()
        for key in ['d0001.admin', 'd0001.buyer', 'd0005.admin']:
            email, _ = DEMO_LOGINS[key]
            user, = rpc.web.user.search_read(
                [('email', '=', email)], 0, None, None,
                ['dealer.state', 'dealer.tier', 'dealer_role'], {})
            self.assertEqual(user['dealer.']['state'], 'active')
            self.assertEqual(user['dealer_role'], key.split('.')[1])
            tiers.add(user['dealer.']['tier'])
        self.assertEqual(len(tiers), 2)

    def test_products_and_sales(self):
        "Products in categories with stock and sales in several states"
        self.assertGreaterEqual(self.count('product.product'), 50)
        self.assertGreaterEqual(self.count('product.category'), 6)
        self.assertGreater(self.count(
                'stock.move', [('state', '=', 'done')]), 0)
        states = {s['state'] for s in self.admin.model.sale.sale.search_read(
                [('dealer', '!=', None)], 0, None, None, ['state'], {})}
        self.assertTrue({'draft', 'quotation', 'confirmed'} <= states)

    def test_tracking(self):
        "Orders in every stage; D0001 has a late order, a shipped one"
        rpc = self.admin.model
        stages = {s['dms_stage'] for s in rpc.sale.sale.search_read(
                [('dealer', '!=', None)], 0, None, None, ['dms_stage'], {})}
        self.assertLessEqual(STAGES, stages)

        alerts = rpc.dms.order.alert.search_read([
                ('dealer.code', '=', 'D0001'),
                ('state', '=', 'open'),
                ('kind', '=', 'late'),
                ], 0, None, None, ['sale'], {})
        self.assertTrue(alerts, "D0001 has no late order")
        late, = rpc.sale.sale.read([alerts[0]['sale']],
            ['dms_stage', 'promised_date', 'eta', 'dms_events'], {})
        self.assertIn(late['dms_stage'],
            {'confirmed', 'in_production', 'ready'})
        self.assertGreater(day(late['eta']), day(late['promised_date']))
        self.assertGreaterEqual(len(late['dms_events']), 4)

        shipped = rpc.sale.sale.search_read([
                ('dealer.code', '=', 'D0001'),
                ('dms_stage', '=', 'shipped'),
                ], 0, None, None, ['shipments'], {})
        self.assertTrue(shipped, "D0001 has no shipped order")
        shipments = rpc.stock.shipment.out.read(shipped[0]['shipments'],
            ['state', 'carrier', 'tracking_number'], {})
        self.assertTrue(shipments)
        for shipment in shipments:
            self.assertEqual(shipment['state'], 'done')
            self.assertTrue(shipment['carrier'])
            self.assertTrue(shipment['tracking_number'])

        # A delivery exception raises an alert too
        self.assertTrue(rpc.dms.order.alert.search_count([
                    ('state', '=', 'open'), ('kind', '=', 'exception'),
                    ], {}))

        # The scheduled actions know the factory's company: trytond-cron
        # runs the stock allocation (priority supply) for it
        company, = rpc.company.company.search([], 0, None, None, {})
        crons = rpc.ir.cron.search_read([
                ('method', 'in', [
                        'ir.cron|stock_shipment_assign_try',
                        'dms.order.alert|scan',
                        'dms.order.suggestion|compute_all',
                        ]),
                ], 0, None, None, ['method', 'companies', 'active'], {})
        self.assertEqual(len(crons), 3, crons)
        for cron in crons:
            self.assertEqual(
                (cron['active'], cron['companies']), (True, [company]),
                cron)

    def test_suggestions(self):
        "D0001 and D0005 order regularly: some products are due again"
        suggestions = self.admin.model.dms.order.suggestion.search_read(
            [], 0, None, None, ['dealer.code', 'quantity', 'orders'], {})
        dealers = {s['dealer.']['code'] for s in suggestions}
        self.assertLessEqual({'D0001', 'D0005'}, dealers)
        for suggestion in suggestions:
            self.assertGreater(suggestion['quantity'], 0)
            self.assertGreaterEqual(suggestion['orders'], 3)

    def test_tier_history(self):
        "Some tier changes carry a reason"
        history = self.admin.model.dms.dealer.tier.history.search_read(
            [('from_tier', '!=', None)], 0, None, None, ['reason'], {})
        self.assertTrue(history)
        self.assertTrue(all(h['reason'] for h in history))

    def test_generator_is_idempotent(self):
        "Running the generator again creates and changes nothing"
        def snapshot():
            return {
                model: (self.count(model), max(
                        (r['write_date'] or r['create_date'] for r in
                            getattr(self.admin.model, model).search_read(
                                [], 0, None, None,
                                ['write_date', 'create_date'],
                                {'active_test': False})),
                        default=None))
                for model in COUNTED}
        before = snapshot()
        self.server.run_demo()
        self.assertEqual(snapshot(), before)
