# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The demo database built by tools/demo: what `make run` promises (in
README.md) is there, and running the generator again changes nothing."""
import datetime as dt
import os
import sqlite3
import unittest
import xmlrpc.client
from collections import Counter
from decimal import Decimal

from tests.fixtures import DEMO_LOGINS, DemoServer, _backend, _psql

COUNTED = [
    'dms.territory', 'dms.dealer.tier', 'dms.dealer',
    'dms.dealer.tier.history', 'web.user', 'party.party', 'party.address',
    'product.template', 'product.product', 'product.category',
    'product.price_list', 'sale.sale', 'sale.line', 'stock.move',
    'stock.inventory', 'company.employee', 'res.user',
    'stock.shipment.out', 'carrier', 'dms.order.event', 'dms.order.alert',
    'dms.order.suggestion', 'dms.bulletin', 'dms.bulletin.receipt',
    'dms.bulletin.price', 'dms.feedback', 'dms.dealer.notification',
    'ir.chat.message', 'ir.attachment', 'dms.campaign',
    'dms.campaign.claim', 'account.invoice', 'dms.channel',
    'dms.channel.delivery', 'dms.channel.sale',
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


def amount(value):
    """The Decimal of a number Tryton sends over XML-RPC: a struct, or a
    Decimal once trytond.protocols.xmlrpc has registered its unmarshaller"""
    if isinstance(value, dict):
        value = value['decimal']
    return Decimal(str(value))


def binary(value):
    "The bytes of a binary field read over XML-RPC"
    return value.data if isinstance(value, xmlrpc.client.Binary) else value


class DemoDataTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = DemoServer().start()
        cls.addClassCleanup(cls.server.stop)
        cls.admin = cls.server.session_rpc(*DEMO_LOGINS['admin'])


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

    def test_portal_passwords(self):
        """Each demo account has its own hash and salt (one cracked hash
        does not give away the others)"""
        hashes = [h for h, in self.sql(
                "SELECT password_hash FROM web_user WHERE email LIKE "
                "'%@dealers.example.com'")]
        self.assertGreaterEqual(len(hashes), 40)
        self.assertTrue(all(h.startswith('$argon2id$') for h in hashes))
        self.assertEqual(len(set(hashes)), len(hashes))
        salts = {h.split('$')[4] for h in hashes}
        self.assertEqual(len(salts), len(hashes))

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

    def test_order_history(self):
        """Fifteen months of orders for the reports (tools/demo/reports.py):
        every month until a week ago, the seasons, the tiers, dealers at
        risk, priced by the tiers' price lists"""
        rpc = self.admin.model
        today = dt.date.today()
        tiers = {d['code']: d['tier.']['code']
            for d in rpc.dms.dealer.search_read([('state', '=', 'active')],
                0, None, None, ['code', 'tier.code'], {})}
        sales = rpc.sale.sale.search_read([('reference', 'like', 'PO-D%')],
            0, None, None, ['sale_date', 'state', 'dealer.code', 'number',
                'untaxed_amount', 'dms_stage'], {})
        states = Counter(s['state'] for s in sales)
        self.assertGreater(len(sales), 400)
        self.assertGreater(states['done'], 0.8 * len(sales))
        self.assertTrue(all(states[s]
                for s in ['processing', 'confirmed', 'cancelled']), states)
        self.assertEqual({(s['state'], s['dms_stage']) for s in sales}, {
                ('done', 'delivered'), ('cancelled', 'cancelled'),
                ('processing', 'in_production'), ('confirmed', 'confirmed')})
        self.assertTrue(all(s['number'] for s in sales))
        self.assertEqual({s['dealer.']['code'] for s in sales}, set(tiers))

        counted = [s for s in sales if s['state'] != 'cancelled']
        dates = [day(s['sale_date']) for s in counted]
        self.assertLessEqual(min(dates), today - dt.timedelta(days=440))
        self.assertLessEqual(max(dates), today - dt.timedelta(days=7))
        # Every month between the first and the last, a year ago too
        months = Counter((d.year, d.month) for d in dates)

        def next_month(month):
            return (month[0] + month[1] // 12, month[1] % 12 + 1)
        month = next_month(min(months))
        while month < max(months):
            self.assertGreaterEqual(months[month], 20, month)
            month = next_month(month)
        for days in [0, 30, 60]:
            last_year = today - dt.timedelta(days=365 + days)
            self.assertIn((last_year.year, last_year.month), months)

        # Higher tiers order more
        revenue = Counter()
        for sale in counted:
            revenue[sale['dealer.']['code']] += float(
                amount(sale['untaxed_amount']))
        average = {tier: sum(revenue[c] for c, t in tiers.items()
                if t == tier) / list(tiers.values()).count(tier)
            for tier in set(tiers.values())}
        self.assertGreater(average['PLATINUM'], average['GOLD'])
        self.assertGreater(average['GOLD'], average['SILVER'])
        self.assertGreater(average['SILVER'], average['BRONZE'])

        # At risk: ordered all the year before, nothing the last 2 months
        for code in ['D0008', 'D0018']:
            with self.subTest(dealer=code):
                ordered = [d for s, d in zip(counted, dates)
                    if s['dealer.']['code'] == code]
                self.assertLess(max(ordered), today - dt.timedelta(days=60))
                year = {(d.year, (d.month - 1) // 3) for d in ordered
                    if d >= max(ordered) - dt.timedelta(days=365)}
                self.assertGreaterEqual(len(year), 4, ordered)

        # The lines: priced by the tier (as the orders of the web client)
        # and air conditioners sell in summer
        company, = rpc.company.company.search([], 0, None, None, {})
        lines = rpc.sale.line.search_read([
                ('sale.dealer', '!=', None),
                ('sale.state', 'in', ['confirmed', 'processing', 'done']),
                ('type', '=', 'line'),
                ], 0, None, None, ['sale.reference', 'sale.sale_date',
                'sale.dealer', 'product.code', 'product.list_price_used',
                'unit_price', 'quantity'], {'company': company})
        codes = {d['id']: d['code'] for d in rpc.dms.dealer.search_read(
                [], 0, None, None, ['code'], {})}
        ratios = {}
        seasons = Counter()
        for line in lines:
            sale = line['sale.']
            tier = tiers.get(codes[sale['dealer']])
            ratio = (amount(line['unit_price'])
                / amount(line['product.']['list_price_used'])).quantize(
                    amount('0.0001'))
            ratios.setdefault(tier, set()).add(ratio)
            if (line['product.']['code'].startswith('AC-')
                    and sale['reference'].startswith('PO-')):
                seasons[day(sale['sale_date']).month] += line['quantity']
        for tier, values in ratios.items():
            self.assertEqual(len(values), 1, (tier, values))
        self.assertGreater(seasons[6] + seasons[7],
            2 * (seasons[12] + seasons[1]))

    def sql(self, query):
        "The rows of query on the server's database"
        if _backend() == 'postgresql':
            return _psql(query, self.server.database)
        with sqlite3.connect(os.path.join(
                    self.server.folder, self.server.database + '.sqlite')
                ) as connection:
            return connection.execute(query).fetchall()

    def test_bulletins(self):
        """Bulletins of every audience published with their receipts, a
        draft; D0001 read the launch and acknowledged nothing; a price
        change pending for D0001's tier affects its open orders"""
        rpc = self.admin.model
        company, = rpc.company.company.search([], 0, None, None, {})
        ctx = {'company': company}
        dealers = {d['code']: d for d in rpc.dms.dealer.search_read(
                [], 0, None, None, ['code', 'tier', 'state'], ctx)}
        bulletins = {b['kind']: b for b in rpc.dms.bulletin.search_read(
                [], 0, None, [('id', 'ASC')],
                ['kind', 'state', 'audience', 'tiers', 'dealers', 'products',
                    'prices', 'acknowledgement_required', 'effective_date',
                    'prices_applied', 'dealer_count', 'read_count',
                    'acknowledged_count', 'affected_orders', 'published_at',
                    'title'], ctx)}
        self.assertLessEqual(
            {'launch', 'recall', 'price', 'policy'}, set(bulletins))
        drafts = [b for b in bulletins.values() if b['state'] == 'draft']
        self.assertEqual(len(drafts), 1)
        self.assertEqual(drafts[0]['dealer_count'], 0)
        receipts = rpc.dms.bulletin.receipt.search_read(
            [], 0, None, None, ['bulletin', 'dealer', 'read_at', 'read_by',
                'acknowledged_at'], ctx)
        dealers_of = {}
        for receipt in receipts:
            dealers_of.setdefault(receipt['bulletin'], set()).add(
                receipt['dealer'])
        addressed = {d['id'] for d in dealers.values()
            if d['state'] in {'active', 'suspended'}}
        for kind, audience, expected in [
                ('launch', 'all', addressed),
                ('recall', 'tiers', None),
                ('price', 'tiers', {d['id'] for d in dealers.values()
                        if d['tier'] == dealers['D0001']['tier']
                        and d['id'] in addressed}),
                ('policy', 'dealers', {dealers['D0005']['id']}),
                ]:
            bulletin = bulletins[kind]
            with self.subTest(kind=kind):
                self.assertEqual(bulletin['state'], 'published')
                self.assertTrue(bulletin['published_at'])
                self.assertEqual(bulletin['audience'], audience)
                self.assertTrue(dealers_of.get(bulletin['id']))
                self.assertEqual(len(dealers_of[bulletin['id']]),
                    bulletin['dealer_count'])
                if expected is not None:
                    self.assertEqual(dealers_of[bulletin['id']], expected)
        # The recall is for one tier other than D0001's, to acknowledge
        recall = bulletins['recall']
        self.assertTrue(recall['acknowledgement_required'])
        self.assertEqual(len(recall['tiers']), 1)
        self.assertEqual(dealers_of[recall['id']], {
                d['id'] for d in dealers.values()
                if d['tier'] == recall['tiers'][0] and d['id'] in addressed})
        self.assertNotIn(dealers['D0001']['id'], dealers_of[recall['id']])
        # Files: the launch's brochure, the policy's terms
        for kind in ['launch', 'policy']:
            with self.subTest(kind=kind):
                files = rpc.ir.attachment.search_read(
                    [('resource', '=', 'dms.bulletin,%s'
                            % bulletins[kind]['id'])],
                    0, None, None, ['name', 'type', 'data'], ctx)
                self.assertEqual(len(files), 1)
                self.assertEqual(files[0]['type'], 'data')
                self.assertTrue(files[0]['name'].endswith('.pdf'))
                self.assertTrue(
                    binary(files[0]['data']).startswith(b'%PDF-1.4'))
        self.assertTrue(bulletins['launch']['products'])
        # D0001's administrator read the launch, nobody acknowledged
        d0001_admin, = rpc.web.user.search(
            [('email', '=', DEMO_LOGINS['d0001.admin'][0])],
            0, None, None, ctx)
        read = [r for r in receipts if r['read_at']]
        self.assertEqual(
            [(r['bulletin'], r['dealer'], r['read_by']) for r in read],
            [(bulletins['launch']['id'], dealers['D0001']['id'],
                    d0001_admin)])
        self.assertFalse([r for r in receipts if r['acknowledged_at']])
        self.assertEqual(bulletins['launch']['read_count'], 1)
        # The price change: two new prices for D0001's tier, pending
        price = bulletins['price']
        self.assertEqual(price['tiers'], [dealers['D0001']['tier']])
        self.assertGreater(day(price['effective_date']), dt.date.today())
        self.assertFalse(price['prices_applied'])
        prices = rpc.dms.bulletin.price.read(price['prices'],
            ['product', 'tier', 'unit_price', 'current_price',
                'applied_at'], ctx)
        self.assertEqual(len(prices), 2)
        for line in prices:
            self.assertEqual(line['tier'], dealers['D0001']['tier'])
            self.assertGreater(line['unit_price'], line['current_price'])
            self.assertFalse(line['applied_at'])
        affected = rpc.sale.sale.read(price['affected_orders'],
            ['dealer', 'state', 'lines.product'], ctx)
        self.assertIn(dealers['D0001']['id'], {s['dealer'] for s in affected})
        products = {p['product'] for p in prices}
        for sale in affected:
            self.assertIn(sale['state'],
                {'quotation', 'confirmed', 'processing'})
            self.assertTrue(products
                & {l['product'] for l in sale['lines.']})

    def test_feedback(self):
        """Market feedback of several dealers, of each kind with its
        fields, triaged and answered; D0005's with a photo"""
        rpc = self.admin.model
        feedback = rpc.dms.feedback.search_read([], 0, None, None,
            ['dealer.code', 'author', 'kind', 'state', 'subject',
                'description', 'product', 'attribute', 'estimated_quantity',
                'competitor', 'competitor_price', 'answer', 'answered_at',
                'assignee'], {})
        self.assertGreaterEqual(
            len({f['dealer.']['code'] for f in feedback}), 3)
        self.assertTrue(all(f['author'] for f in feedback))
        kinds = {f['kind'] for f in feedback}
        self.assertLessEqual({'demand', 'competitor', 'quality'}, kinds)
        for record in feedback:
            with self.subTest(subject=record['subject']):
                if record['kind'] == 'demand':
                    self.assertTrue(record['product'])
                    self.assertTrue(record['attribute'])
                    self.assertGreater(record['estimated_quantity'], 0)
                elif record['kind'] == 'competitor':
                    self.assertTrue(record['competitor'])
                    self.assertGreater(record['competitor_price'], 0)
                elif record['kind'] == 'quality':
                    self.assertTrue(record['product'])
                    self.assertTrue(record['description'])
                if record['answer']:
                    self.assertTrue(record['answered_at'])
        states = {f['state'] for f in feedback}
        self.assertLessEqual({'new', 'acknowledged', 'closed'}, states)
        self.assertTrue(any(f['answer'] and f['state'] == 'closed'
                for f in feedback))
        self.assertTrue(any(f['answer'] and f['state'] == 'in_progress'
                for f in feedback))
        self.assertTrue(all(f['assignee'] for f in feedback
                if f['state'] in {'acknowledged', 'in_progress'}))
        d0005 = ['dms.feedback,%s' % f['id'] for f in feedback
            if f['dealer.']['code'] == 'D0005']
        self.assertTrue(d0005)
        photos = rpc.ir.attachment.search_read(
            [('resource', 'in', d0005)], 0, None, None,
            ['name', 'data', 'dms_shared'], {})
        self.assertTrue(photos, "D0005 sent a photo")
        for photo in photos:
            self.assertTrue(photo['dms_shared'])
            self.assertTrue(photo['name'].endswith('.png'))
            self.assertTrue(
                binary(photo['data']).startswith(b'\x89PNG\r\n\x1a\n'))

    def test_conversations(self):
        """D0001 wrote about an order from the portal and the factory
        answered it and noted something internal; D0005 sent a photo on
        an order, shared with its users"""
        rpc = self.admin.model
        sales = {s['id']: s['dealer.']['code'] for s in
            rpc.sale.sale.search_read(
                [('dealer.code', 'in', ['D0001', 'D0005'])], 0, None, None,
                ['dealer.code'], {})}
        messages = rpc.ir.chat.message.search_read(
            [('channel.resource', 'like', 'sale.sale,%')], 0, None,
            [('id', 'ASC')], ['channel.resource', 'audience', 'user',
                'email', 'content'], {})
        by_dealer = {}
        for message in messages:
            sale = int(message['channel.']['resource'].split(',')[1])
            if sale in sales:
                by_dealer.setdefault(sales[sale], []).append(message)
        for code, audiences in [
                ('D0001', ['public', 'public', 'internal']),
                ('D0005', ['public', 'public'])]:
            with self.subTest(dealer=code):
                thread = by_dealer.get(code, [])
                self.assertEqual([m['audience'] for m in thread], audiences)
                # The dealer's user first, then the factory
                self.assertTrue(thread[0]['email'].startswith(
                        code.lower() + '.'))
                self.assertFalse(thread[0]['user'])
                self.assertTrue(all(m['user'] for m in thread[1:]))
                self.assertEqual(
                    len({m['channel.']['resource'] for m in thread}), 1)
        resource = by_dealer['D0005'][0]['channel.']['resource']
        files = rpc.ir.attachment.search_read(
            [('resource', '=', resource)], 0, None, None,
            ['name', 'data', 'dms_shared'], {})
        self.assertEqual(len(files), 1)
        self.assertTrue(files[0]['dms_shared'])
        self.assertIn(files[0]['name'], by_dealer['D0005'][0]['content'])
        self.assertTrue(binary(files[0]['data']).startswith(b'\x89PNG'))

    def test_inbox(self):
        """D0001's portal users have notifications of bulletins, feedback
        and messages in their inbox, the launch read by its administrator;
        nothing was e-mailed, no e-mail waits in the queue"""
        rpc = self.admin.model
        launch, = rpc.dms.bulletin.search(
            [('kind', '=', 'launch')], 0, None, None, {})
        for key in ['d0001.admin', 'd0001.buyer']:
            with self.subTest(user=key):
                notifications = rpc.dms.dealer.notification.search_read(
                    [('user.email', '=', DEMO_LOGINS[key][0])], 0, None,
                    None, ['kind', 'resource', 'read_at', 'subject',
                        'dealer.code'], {})
                self.assertLessEqual({'bulletin', 'feedback', 'chat'},
                    {n['kind'] for n in notifications})
                self.assertEqual({n['dealer.']['code']
                        for n in notifications}, {'D0001'})
                self.assertTrue(all(n['subject'] for n in notifications))
                self.assertTrue(any(not n['read_at']
                        for n in notifications))
                read = {n['resource'] for n in notifications if n['read_at']}
                self.assertEqual(read, {'dms.bulletin,%s' % launch}
                    if key == 'd0001.admin' else set())
        self.assertEqual(rpc.dms.dealer.notification.search_count(
                [('emailed_at', '!=', None)], {}), 0)
        self.assertEqual(self.sql(
                "SELECT COUNT(*) FROM ir_queue WHERE CAST(data AS TEXT) LIKE "
                "'%dms.dealer.notification%'"), [(0,)])

    def test_claims_and_channel(self):
        """D0016's claim approved in part is settled by a draft credit note
        of the marketing product (the DMS configuration's); D0001's claim
        waits for the factory.  The running and the Guangdong campaigns are
        published to the Tmall store: their webhooks wait in its outbox for
        the scheduler of `make run` (sent to the mail catcher), and its
        sales reported back are the campaigns' channel revenue"""
        rpc = self.admin.model
        claims = {c['dealer.']['code']: c for c in
            rpc.dms.campaign.claim.search_read([], 0, None, None, [
                    'dealer.code', 'state', 'amount', 'approved_amount',
                    'settlement_method', 'credit_note', 'paid',
                    'campaign.name', 'comment'], {})}
        self.assertEqual(set(claims), {'D0001', 'D0016'})
        self.assertEqual(claims['D0001']['state'], 'submitted')
        claim = claims['D0016']
        self.assertEqual(
            (claim['state'], claim['settlement_method'],
                claim['campaign.']['name']),
            ('settled', 'credit_note', "Summer cooling days"))
        approved = amount(claim['approved_amount'])
        self.assertLess(approved, amount(claim['amount']))
        self.assertEqual(amount(claim['paid']), approved)
        self.assertTrue(claim['comment'])
        config, = rpc.dms.configuration.read(
            [1], ['claim_settlement', 'claim_product'], {})
        self.assertEqual(config['claim_settlement'], 'credit_note')
        invoice, = rpc.account.invoice.read([claim['credit_note']], [
                'type', 'state', 'party', 'total_amount', 'lines'], {})
        dealer, = rpc.dms.dealer.search_read(
            [('code', '=', 'D0016')], 0, None, None, ['party'], {})
        self.assertEqual(
            (invoice['type'], invoice['state'], invoice['party'],
                amount(invoice['total_amount'])),
            ('out', 'draft', dealer['party'], -approved))
        line, = rpc.account.invoice.line.read(invoice['lines'], [
                'product', 'quantity', 'account.code'], {})
        self.assertEqual(
            (line['product'], line['quantity'], line['account.']['code']),
            (config['claim_product'], -1, '4.3.2'))
        # Not in the dealers' catalogue
        product, = rpc.product.product.read(
            [config['claim_product']], ['dms_orderable', 'type'], {})
        self.assertEqual((product['dms_orderable'], product['type']),
            (False, 'service'))

        channel, = rpc.dms.channel.search_read([], 0, None, None, [
                'name', 'kind', 'url', 'state', 'secret_shown'], {})
        self.assertEqual(
            (channel['name'], channel['kind'], channel['state'],
                channel['url']),
            ("Tmall flagship store", 'ecommerce', 'enabled',
                'http://127.0.0.1:8025/webhooks/tmall'))
        deliveries = rpc.dms.channel.delivery.search_read([], 0, None, None,
            ['campaign.name', 'event', 'state', 'payload', 'channel'], {})
        self.assertEqual(sorted(
                (d['campaign.']['name'], d['event'], d['state'],
                    d['channel']) for d in deliveries), [
                ("Spring washer dryer week", 'campaign.ended', 'pending',
                    channel['id']),
                ("Spring washer dryer week", 'campaign.published', 'pending',
                    channel['id']),
                ("Summer cooling days", 'campaign.published', 'pending',
                    channel['id']),
                ])
        sales = rpc.dms.channel.sale.search_read([], 0, None, None,
            ['campaign', 'amount', 'channel'], {})
        self.assertGreaterEqual(len(sales), 5)
        campaigns = rpc.dms.campaign.search_read(
            [('channels', '=', channel['id'])], 0, None, None,
            ['name', 'channel_revenue'], {})
        self.assertEqual({c['name'] for c in campaigns},
            {"Summer cooling days", "Spring washer dryer week"})
        for campaign in campaigns:
            self.assertEqual(amount(campaign['channel_revenue']), sum(
                    amount(s['amount']) for s in sales
                    if s['campaign'] == campaign['id']))
            self.assertGreater(amount(campaign['channel_revenue']), 0)

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
