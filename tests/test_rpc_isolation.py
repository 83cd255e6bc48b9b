# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Dealer scoping over XML-RPC and JSON-RPC, against a real trytond server on
the demo database: an integration user linked to a dealer reads only that
dealer's records; a factory integration user reads them all.  Bulletins,
their receipts, market feedback and the dealers' inboxes are not for
integrators; a back-office user linked to a dealer reads only that dealer's
feedback."""
import base64
import json
import unittest
import urllib.request
import xmlrpc.client

from tests.fixtures import DemoServer

PASSWORD = 'integration-secret'
# The communication models: no access for the DMS Integration group
COMMUNICATION = [
    'dms.bulletin', 'dms.bulletin.receipt', 'dms.bulletin.price',
    'dms.feedback', 'dms.dealer.notification']


def foreign_price_lists(own, admin):
    "The price lists of neither the dealer's tier nor its orders"
    dealer, = admin.dms.dealer.read([own], ['tier.price_list'], {})
    used = {s['price_list'] for s in admin.sale.sale.search_read(
            [('dealer', '=', own)], 0, None, None, ['price_list'], {})}
    used.add(dealer['tier.']['price_list'])
    return [p for p in admin.product.price_list.search([], 0, None, None, {})
        if p not in used]


# Every model an integration user linked to a dealer may read is either
# scoped to its dealer or reference data of the factory, the same for every
# dealer; a model readable by it without an entry fails test_model_matrix.
# SCOPED: model -> the domain of the rows the user may not read (of other
# dealers, or without dealer where only the dealer's are shown), from the id
# of the user's dealer and the ids of the others (and the admin's proxy)
SCOPED = {
    'dms.dealer': lambda own, others, admin: [('id', '!=', own)],
    'dms.dealer.tier.history': lambda own, others, admin: [
        ('dealer', 'in', others)],
    'dms.order.alert': lambda own, others, admin: [('dealer', 'in', others)],
    'dms.order.event': lambda own, others, admin: [
        ('sale.dealer', 'in', others)],
    'dms.order.suggestion': lambda own, others, admin: [
        ('dealer', 'in', others)],
    'sale.sale': lambda own, others, admin: ['OR',
        ('dealer', '!=', own), ('dealer', '=', None)],
    'sale.line': lambda own, others, admin: ['OR',
        ('sale.dealer', '!=', own), ('sale.dealer', '=', None)],
    'web.user': lambda own, others, admin: ['OR',
        ('dealer', '!=', own), ('dealer', '=', None)],
    'party.party': lambda own, others, admin: [('dms_dealers', 'in', others)],
    'party.address': lambda own, others, admin: [
        ('party.dms_dealers', 'in', others)],
    'party.contact_mechanism': lambda own, others, admin: [
        ('party.dms_dealers', 'in', others)],
    'party.identifier': lambda own, others, admin: [
        ('party.dms_dealers', 'in', others)],
    # The price lists that are neither of the dealer's tier nor of its
    # orders
    'product.price_list': lambda own, others, admin: [
        ('id', 'in', foreign_price_lists(own, admin))],
    'product.price_list.line': lambda own, others, admin: [
        ('price_list', 'in', foreign_price_lists(own, admin))],
    }
# Reference data: configuration, products and stock, the organisation, and
# Tryton's own ir/res records (menus, views, translations...)
SHARED_PREFIXES = (
    'account.', 'carrier', 'company.', 'country.', 'currency.', 'ir.',
    'party.address.format', 'party.address.subdivision_type',
    'party.category', 'party.configuration', 'product.', 'res.',
    'stock.', 'dms.configuration', 'dms.territory', 'dms.dealer.tier',
    'sale.configuration', 'sale.reporting.',
    )


class RPCIsolationTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = DemoServer().start()
        cls.addClassCleanup(cls.server.stop)
        admin = cls.server.session_rpc('admin', 'admin')
        cls.admin = admin
        ctx = {}
        dealers = admin.model.dms.dealer.search_read(
            [('code', 'in', ['D0001', 'D0002', 'D0005'])], 0, None,
            [('code', 'ASC')], ['code'], ctx)
        cls.dealer_ids = {d['code']: d['id'] for d in dealers}
        cls.users = {
            login: cls.server.create_user(login, PASSWORD, dealer)
            for login, dealer in [
                ('erp_d0001', 'D0001'), ('erp_factory', None)]}
        # A back-office user of the dealer (documented: DMS User is for the
        # factory's staff, its feedback is scoped all the same)
        cls.users['staff_d0001'] = cls.server.create_user(
            'staff_d0001', PASSWORD, 'D0001', groups=('DMS User',))
        company, = admin.model.company.company.search([], 0, None, None, ctx)
        cls.context = {'company': company}

    def as_dealer(self):
        return self.server.session_rpc('erp_d0001', PASSWORD)

    def test_dealer_user_reads_only_its_dealer(self):
        "A dealer-linked integration user sees only its dealer"
        rpc = self.as_dealer()
        dealers = rpc.model.dms.dealer.search_read(
            [], 0, None, None, ['code'], {})
        self.assertEqual([d['code'] for d in dealers], ['D0001'])
        self.assertEqual(
            rpc.model.dms.dealer.search([('code', '=', 'D0002')],
                0, None, None, {}), [])
        self.assertEqual(
            rpc.model.dms.dealer.search_count([], {}), 1)

    def test_dealer_user_cannot_read_other_dealer_by_id(self):
        "Reading another dealer's records by id is refused"
        rpc = self.as_dealer()
        with self.assertRaises(xmlrpc.client.Fault):
            rpc.model.dms.dealer.read(
                [self.dealer_ids['D0002']], ['code'], {})
        other_sales = self.admin.model.sale.sale.search(
            [('dealer', '=', self.dealer_ids['D0002'])], 0, None, None, {})
        self.assertTrue(other_sales, "the demo has sales for D0002")
        with self.assertRaises(xmlrpc.client.Fault):
            rpc.model.sale.sale.read(other_sales[:1], ['number'], {})

    def test_dealer_user_sales_and_accounts(self):
        "Sales, sale lines and portal accounts are scoped to the dealer"
        rpc = self.as_dealer()
        own = self.dealer_ids['D0001']
        sales = rpc.model.sale.sale.search_read(
            [], 0, None, None, ['dealer'], {})
        self.assertTrue(sales, "the demo has sales for D0001")
        self.assertEqual({s['dealer'] for s in sales}, {own})
        lines = rpc.model.sale.line.search_read(
            [], 0, None, None, ['sale.dealer'], {})
        self.assertEqual({l['sale.']['dealer'] for l in lines}, {own})
        history = rpc.model.dms.dealer.tier.history.search_read(
            [], 0, None, None, ['dealer'], {})
        self.assertEqual({h['dealer'] for h in history}, {own})

    def test_tracking_scoped(self):
        """Integrators read the stage, promised date, ETA and timeline of
        their dealer's orders, and the alerts and suggestions of their
        dealer only"""
        rpc = self.as_dealer()
        own = self.dealer_ids['D0001']
        sales = rpc.model.sale.sale.search_read(
            [], 0, None, [('id', 'ASC')],
            ['state', 'dms_source', 'dms_stage', 'promised_date', 'eta',
                'dms_events'], {})
        self.assertTrue(sales)
        # Every order but the portal carts has a stage
        self.assertTrue(all(s['dms_stage'] for s in sales
                if (s['state'], s['dms_source']) != ('draft', 'portal')))
        events = rpc.model.dms.order.event.search_read(
            [], 0, None, None,
            ['sale.dealer', 'kind', 'date', 'description', 'origin'], {})
        self.assertTrue(events)
        self.assertEqual({e['sale.']['dealer'] for e in events}, {own})
        self.assertEqual(
            sorted(e['id'] for e in events),
            sorted(i for s in sales for i in s['dms_events']))
        self.assertTrue(all(e['description'] for e in events))
        for model in ['dms.order.alert', 'dms.order.suggestion']:
            with self.subTest(model=model):
                records = getattr(rpc.model, model).search_read(
                    [], 0, None, None, ['dealer'], {})
                self.assertTrue(records, "the demo has some for D0001")
                self.assertEqual({r['dealer'] for r in records}, {own})
                others = getattr(self.admin.model, model).search(
                    [('dealer', '!=', own)], 0, 1, None, {})
                self.assertTrue(others, "the demo has others")
                with self.assertRaises(xmlrpc.client.Fault):
                    getattr(rpc.model, model).read(others, ['dealer'], {})
        # Another dealer's records, by id: refused
        other_events = self.admin.model.dms.order.event.search(
            [('sale.dealer', '=', self.dealer_ids['D0002'])],
            0, 1, None, {})
        self.assertTrue(other_events, "the demo has events for D0002")
        with self.assertRaises(xmlrpc.client.Fault):
            rpc.model.dms.order.event.read(other_events, ['kind'], {})
        # Reading is all: the timeline cannot be written
        with self.assertRaises(xmlrpc.client.Fault):
            rpc.model.dms.order.event.write(
                [events[0]['id']], {'note': 'forged'}, {})

    def test_supply_note_hides_other_orders(self):
        """Staff read why an order waits for stock (the demand of the
        orders served first); the dealer's integration reads only that it
        waits"""
        rpc = self.as_dealer()
        waiting = self.admin.model.sale.sale.search_read(
            [('dealer', '=', self.dealer_ids['D0001']),
                ('dms_unallocated', '=', True)],
            0, None, None, ['dms_supply_note'], {})
        self.assertTrue(waiting, "the demo has D0001 orders waiting")
        ids = [s['id'] for s in waiting]
        self.assertTrue(all('waiting for orders served first'
                in s['dms_supply_note'] for s in waiting), waiting)
        plain = 'The order waits for stock.'
        for record in rpc.model.sale.sale.read(
                ids, ['dms_supply_note'], {}):
            self.assertEqual(record['dms_supply_note'], plain)
        alerts = rpc.model.dms.order.alert.search_read(
            [('sale', 'in', ids), ('kind', '=', 'unallocated')],
            0, None, None, ['description'], {})
        self.assertTrue(alerts)
        for alert in alerts:
            self.assertEqual(alert['description'], plain)

    def test_communication_refused_to_integration(self):
        """Integrators, linked to a dealer or not, neither read nor write
        bulletins, receipts, feedback and the dealers' inboxes"""
        admin = self.admin.model
        for login in ['erp_d0001', 'erp_factory']:
            rpc = self.server.session_rpc(login, PASSWORD).model
            for model in COMMUNICATION:
                with self.subTest(login=login, model=model):
                    ids = getattr(admin, model).search(
                        [], 0, 3, [('id', 'ASC')], self.context)
                    self.assertTrue(ids, "the demo has some %s" % model)
                    proxy = getattr(rpc, model)
                    for call in [
                            lambda: proxy.search([], 0, None, None,
                                self.context),
                            lambda: proxy.search_count([], self.context),
                            lambda: proxy.read(ids, ['id'], self.context),
                            lambda: proxy.write(ids, {}, self.context)]:
                        with self.assertRaises(xmlrpc.client.Fault) as cm:
                            call()
                        self.assertIn('not allowed', cm.exception.faultString)
        # Nor send feedback in the name of a dealer
        rpc = self.as_dealer()
        with self.assertRaises(xmlrpc.client.Fault):
            rpc.model.dms.feedback.create([{
                        'dealer': self.dealer_ids['D0005'],
                        'kind': 'trend', 'subject': "Forged",
                        }], self.context)
        self.assertFalse(admin.dms.feedback.search(
                [('subject', '=', "Forged")], 0, None, None, {}))

    def test_dealer_staff_feedback_scoped(self):
        """A back-office user linked to a dealer reads only the feedback of
        its dealer, cannot change another dealer's and cannot read the
        dealers' inboxes"""
        admin = self.admin.model
        rpc = self.server.rpc('staff_d0001', PASSWORD).model
        ctx = self.context
        own = self.dealer_ids['D0001']
        records = rpc.dms.feedback.search_read(
            [], 0, None, None, ['dealer'], ctx)
        self.assertTrue(records, "the demo has feedback of D0001")
        self.assertEqual({r['dealer'] for r in records}, {own})
        self.assertEqual(
            sorted(r['id'] for r in records),
            sorted(admin.dms.feedback.search(
                    [('dealer', '=', own)], 0, None, None, ctx)))
        others = admin.dms.feedback.search(
            [('dealer', '=', self.dealer_ids['D0005'])], 0, None, None, ctx)
        self.assertTrue(others, "the demo has feedback of D0005")
        before = admin.dms.feedback.read(
            others, ['state', 'answer', 'write_date'], ctx)
        self.assertEqual(rpc.dms.feedback.search(
                [('id', 'in', others)], 0, None, None, ctx), [])
        self.assertEqual(rpc.dms.feedback.search_count(
                [('dealer', '=', self.dealer_ids['D0005'])], ctx), 0)
        for call in [
                lambda: rpc.dms.feedback.read(others, ['subject'], ctx),
                lambda: rpc.dms.feedback.write(
                    others, {'answer': "Forged"}, ctx),
                lambda: rpc.dms.feedback.close(others, ctx),
                lambda: rpc.dms.dealer.notification.search(
                    [], 0, None, None, ctx)]:
            with self.assertRaises(xmlrpc.client.Fault) as cm:
                call()
            self.assertIn('not allowed', cm.exception.faultString)
        self.assertEqual(admin.dms.feedback.read(
                others, ['state', 'answer', 'write_date'], ctx), before)

    def test_model_matrix(self):
        """Every model the dealer's integration user reads has an entry;
        the scoped ones show it all its dealer's rows and none of the
        others', which it cannot read by id either"""
        admin = self.admin.model
        rpc = self.as_dealer().model
        ctx = self.context
        own = self.dealer_ids['D0001']
        others = [d for d in admin.dms.dealer.search(
                [], 0, None, None, ctx) if d != own]
        # More contact details of another dealer (the demo gives each its
        # phone and unified social credit code)
        party, = admin.dms.dealer.read(
            [self.dealer_ids['D0005']], ['party'], ctx)
        admin.party.contact_mechanism.create([{
                    'party': party['party'], 'type': 'phone',
                    'value': '+86 571 8888 0005'}], ctx)
        admin.party.identifier.create([{
                    'party': party['party'], 'code': 'D0005-TAX'}], ctx)

        def proxy(model, name):
            for part in name.split('.'):
                model = getattr(model, part)
            return model
        readable = []
        for model in admin.ir.model.search_read(
                [], 0, None, [('name', 'ASC')], ['name'], ctx):
            name = model['name']
            try:
                proxy(rpc, name).search_count([], ctx)
            except xmlrpc.client.Fault:
                continue
            except xmlrpc.client.ProtocolError as error:
                # Models without search_count over RPC (wizards...)
                self.assertEqual(error.errcode, 403)
                continue
            readable.append(name)
        self.assertIn('sale.sale', readable)
        unlisted = [n for n in readable
            if n not in SCOPED and not n.startswith(SHARED_PREFIXES)]
        self.assertEqual(unlisted, [],
            "models readable by a dealer's integration user without an "
            "entry in SCOPED or SHARED_PREFIXES")
        for name, foreign in sorted(SCOPED.items()):
            if name not in readable:
                continue
            with self.subTest(model=name):
                domain = foreign(own, others, admin)
                foreign_ids = proxy(admin, name).search(
                    domain, 0, None, None, ctx)
                self.assertTrue(foreign_ids,
                    "%s: the demo has rows not of the dealer" % name)
                self.assertEqual(proxy(rpc, name).search_count(
                        domain, ctx), 0)
                self.assertEqual(proxy(rpc, name).search(
                        [('id', 'in', foreign_ids)], 0, None, None, ctx), [])
                with self.assertRaises(xmlrpc.client.Fault) as cm:
                    proxy(rpc, name).read(foreign_ids[:5], ['id'], ctx)
                self.assertIn('not allowed', cm.exception.faultString)
                # All the other rows stay readable
                visible = proxy(rpc, name).search_count([], ctx)
                self.assertEqual(visible,
                    proxy(admin, name).search_count([], ctx)
                    - len(foreign_ids))

    def test_factory_user_reads_all_dealers(self):
        "An integration user without dealer reads the whole network"
        rpc = self.server.rpc('erp_factory', PASSWORD)
        total = self.admin.model.dms.dealer.search_count([], {})
        self.assertGreaterEqual(total, 20)
        self.assertEqual(rpc.model.dms.dealer.search_count([], {}), total)

    def test_integration_user_cannot_write(self):
        "The integration group reads dealers but cannot change them"
        rpc = self.as_dealer()
        with self.assertRaises(xmlrpc.client.Fault):
            rpc.model.dms.dealer.write(
                [self.dealer_ids['D0001']], {'latitude': 1}, {})

    def test_wrong_password_refused(self):
        "A wrong password gets 401, not data"
        rpc = self.server.rpc('erp_d0001', 'wrong-password')
        with self.assertRaises(xmlrpc.client.ProtocolError) as cm:
            rpc.model.dms.dealer.search([], 0, None, None, {})
        self.assertEqual(cm.exception.errcode, 401)

    def test_json_rpc_session_scoped(self):
        "JSON-RPC with a session is scoped the same way"
        url = '%s/%s/rpc/' % (self.server.url, self.server.database)

        def call(method, params, auth=None):
            request = urllib.request.Request(url, data=json.dumps({
                        'id': 1, 'method': method, 'params': params,
                        }).encode(),
                headers={'Content-Type': 'application/json'})
            if auth:
                request.add_header('Authorization', auth)
            with urllib.request.urlopen(request) as response:
                return json.load(response)

        login = call('common.db.login',
            ['erp_d0001', {'password': PASSWORD}, 'en'])['result']
        user_id, session = login[0], login[1]
        auth = 'Session ' + base64.b64encode(
            ('erp_d0001:%s:%s' % (user_id, session)).encode()).decode()
        result = call('model.dms.dealer.search_read',
            [[], 0, None, None, ['code'], {}], auth)['result']
        self.assertEqual([d['code'] for d in result], ['D0001'])
