# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The portal runs as its own user under the record rules of the session's
dealer: the tests of PortalUserTestMixin, run in the database of
dms_campaigns, which has every module's pages (by its
CampaignPortalUserTestCase, with rows of another dealer on the campaigns'
models too)

Every route of the portal's route table is requested and the transaction
user of its view is observed (with a profiler hook: nothing of the portal is
replaced); and inside a portal request of dealer A, a search without any
domain on every model that a record rule scopes by dealer finds none of
dealer B's rows."""
import datetime as dt
import re
import sys
from collections import defaultdict
from decimal import Decimal

from dms_orders.tests.test_intake import IntakeTestMixin
from dms_portal.portal import as_portal
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.transaction import Transaction
from trytond.wsgi import app

PASSWORD = 'portal-secret-1'
PREFIX = '/<database_name>/portal'


def portal_views(modules=None):
    """{code of the view: [rules]} of the portal's routes in Tryton's map
    (of the views of modules only when given)"""
    views = defaultdict(list)
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX):
            view = rule.endpoint.__wrapped__
            if (modules is not None
                    and view.__module__.split('.')[0] not in modules):
                continue
            views[view.__code__].append(rule)
    return views


class PortalUserTestMixin:
    """Test the portal's pages run as the portal's user under record rules

    Mixed into a RouteTestCase with PortalClientMixin and
    LockRetrySetUpMixin in the database of the module that sees every
    other one (dms_campaigns): a test case here would only run the same
    tests in a database with fewer pages.  A subclass that activates more
    models scoped by dealer extends setUpDatabase with rows of dealer B and
    cls.foreign (and cls.contexts) with them."""
    password = PASSWORD
    # The context of the searches on a model (a report's parameters)
    contexts = {}

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        WebUser = pool.get('web.user')
        Sale = pool.get('sale.sale')
        Event = pool.get('dms.order.event')
        Alert = pool.get('dms.order.alert')
        Suggestion = pool.get('dms.order.suggestion')
        Notification = pool.get('dms.dealer.notification')
        Feedback = pool.get('dms.feedback')
        Bulletin = pool.get('dms.bulletin')
        Territory = pool.get('dms.territory')
        ContactMechanism = pool.get('party.contact_mechanism')
        Identifier = pool.get('party.identifier')
        IntakeTestMixin.setup_network(cls)
        product = cls.products['AC-1']
        cls.users = {}
        for code, dealer in [('a', cls.dealer_a), ('b', cls.dealer_b)]:
            user, = WebUser.create([{
                        'email': 'admin@%s.example.com' % code,
                        'password': PASSWORD,
                        'dealer': dealer.id,
                        'dealer_role': 'admin',
                        }])
            cls.users[code] = user.id
            ContactMechanism.create([{
                        'party': dealer.party.id, 'type': 'email',
                        'value': 'office@%s.example.com' % code}])
            Identifier.create([{
                        'party': dealer.party.id, 'code': 'TAX-%s' % code}])
            sale, = Sale.create([{
                        'party': dealer.party.id,
                        'reference': 'REF-%s' % code,
                        'lines': [('create', [{
                                        'product': product.id,
                                        'quantity': 1,
                                        'unit': product.sale_uom.id,
                                        'unit_price': Decimal(10),
                                        }])],
                        }])
            Event.create([{
                        'sale': sale.id, 'date': dt.datetime.now(),
                        'kind': 'stage', 'stage': 'received',
                        'origin': 'system'}])
            Alert.create([{
                        'sale': sale.id, 'dealer': dealer.id,
                        'kind': 'late', 'raised_at': dt.datetime.now()}])
            Suggestion.create([{
                        'dealer': dealer.id, 'product': product.id,
                        'quantity': 2, 'orders': 3, 'average_quantity': 2,
                        'interval_days': 28,
                        'last_order_date': dt.date.today(),
                        'computed_at': dt.datetime.now()}])
            Notification.create([{
                        'user': user.id, 'dealer': dealer.id,
                        'kind': 'chat', 'subject': 'For %s' % code,
                        'resource': str(sale)}])
            Feedback.create([{
                        'dealer': dealer.id, 'author': user.id,
                        'kind': 'demand', 'subject': 'From %s' % code}])
        cls.territory, = Territory.create([{
                    'name': "South", 'code': 'S', 'level': 'region'}])
        # (the tiers, territories and products only give their relations
        # a row: the audience is the dealers)
        bulletins = Bulletin.create([{
                    'title': 'To B', 'body': 'Only B',
                    'audience': 'dealers',
                    'dealers': [('add', [cls.dealer_b.id])],
                    'tiers': [('add', [cls.dealer_b.tier.id])],
                    'territories': [('add', [cls.territory.id])],
                    'products': [('add', [product.id])],
                    'prices': [('create', [{
                                    'product': product.id,
                                    'unit_price': Decimal(5)}])],
                    }])
        Bulletin.publish(bulletins)
        cls.foreign = {
            'dms.dealer': [('id', '=', cls.dealer_b.id)],
            'dms.dealer.tier.history': [('dealer', '=', cls.dealer_b.id)],
            'dms.dealer.notification': [('dealer', '=', cls.dealer_b.id)],
            'dms.bulletin': [('title', '=', 'To B')],
            'dms.bulletin.price': [('bulletin.title', '=', 'To B')],
            'dms.bulletin.receipt': [('dealer', '=', cls.dealer_b.id)],
            'dms.bulletin-dms.dealer': [('bulletin.title', '=', 'To B')],
            'dms.bulletin-dms.dealer.tier': [
                ('bulletin.title', '=', 'To B')],
            'dms.bulletin-dms.territory': [('bulletin.title', '=', 'To B')],
            'dms.bulletin-product.product': [
                ('bulletin.title', '=', 'To B')],
            'dms.feedback': [('dealer', '=', cls.dealer_b.id)],
            # Dealers see no summary at all
            'dms.feedback.summary': [],
            'dms.order.alert': [('dealer', '=', cls.dealer_b.id)],
            'dms.order.event': [('sale.dealer', '=', cls.dealer_b.id)],
            'dms.order.suggestion': [('dealer', '=', cls.dealer_b.id)],
            'party.party': [('dms_dealers', '=', cls.dealer_b.id)],
            'party.address': [('party.dms_dealers', '=', cls.dealer_b.id)],
            'party.contact_mechanism': [
                ('party.dms_dealers', '=', cls.dealer_b.id)],
            'party.identifier': [
                ('party.dms_dealers', '=', cls.dealer_b.id)],
            'product.price_list': [
                ('id', '=', cls.dealer_b.tier.price_list.id)],
            'product.price_list.line': [
                ('price_list', '=', cls.dealer_b.tier.price_list.id)],
            'sale.sale': [('dealer', '=', cls.dealer_b.id)],
            'sale.line': [('sale.dealer', '=', cls.dealer_b.id)],
            'web.user': [('dealer', '=', cls.dealer_b.id)],
            }

    def test_routes_run_as_portal_user(self):
        """Every portal route's view runs as the portal's user, signed in or
        not, never as root"""
        with Transaction().start(self.db_name, 0):
            pool = Pool()
            User = pool.get('res.user')
            Module = pool.get('ir.module')
            portal_user = User.dms_portal_user()
            # The pages of the modules of the database (the routes of the
            # others are registered too)
            modules = {m.name for m in Module.search([
                        ('state', '=', 'activated')])}
        views = portal_views(modules)
        self.assertGreater(len(views), 40)
        # The users each rule's view ran as: several rules may share a view
        # (the conversation panels), each must be requested and run
        users = defaultdict(set)
        requested = [None]

        def profile(frame, event, arg):
            if event == 'call' and frame.f_code in views:
                users[requested[0]].add(Transaction().user)
        client = self.client_for('admin@a.example.com')
        anonymous = self.client()
        anonymous.get(self.url('login'))
        sys.setprofile(profile)
        try:
            for rules in views.values():
                for rule in rules:
                    requested[0] = rule.rule
                    path = rule.rule[len(PREFIX) + 1:]
                    path = re.sub(r'<int:\w+>', '1', path)
                    path = re.sub(r'<path:\w+>', 'portal.css', path)
                    if path == 'logout':
                        continue
                    for method in sorted(rule.methods - {'HEAD', 'OPTIONS'}):
                        for browser in [client, anonymous]:
                            if method == 'GET':
                                browser.get(self.url(path))
                            else:
                                self.post(browser, path)
            requested[0] = PREFIX + '/logout'
            self.post(client, 'logout')
        finally:
            sys.setprofile(None)
        not_called = [r.rule for rs in views.values() for r in rs
            if r.rule not in users]
        self.assertEqual(not_called, [])
        wrong = {r: u for r, u in users.items() if u != {portal_user}}
        self.assertEqual(wrong, {})

    def test_unscoped_search(self):
        """In a portal request, a search without domain on every model
        scoped by dealer (by its record rules or by those of the model of
        its __access__) finds none of another dealer's rows"""
        with Transaction().start(self.db_name, 0), \
                Transaction().set_context(company=self.company.id):
            pool = Pool()
            Rule = pool.get('ir.rule')
            WebUser = pool.get('web.user')
            scoped = sorted({r.rule_group.model for r in Rule.search([])
                    if "Eval('dealer'" in (r.domain or '')
                    or '"dealer"' in (r.domain or '')})
            # and the models under the rules of a scoped model (by their
            # __access__: an activity under its participation's)
            while True:
                under = {name for name, Model in pool.iterobject()
                    if name not in scoped and any(
                        getattr(Model._fields.get(f), 'model_name', None)
                        in scoped for f in Model.__access__)}
                if not under:
                    break
                scoped = sorted(set(scoped) | under)
            self.assertIn('sale.sale', scoped)
            self.assertEqual(
                sorted(set(scoped) - set(self.foreign)), [],
                "models scoped by dealer without rows of B in the test")
            web_user = WebUser(self.users['a'])
            for model in scoped:
                with self.subTest(model=model):
                    Model = pool.get(model)
                    with Transaction().set_context(
                            self.contexts.get(model, {})):
                        foreign = Model.search(self.foreign[model])
                        self.assertTrue(foreign, "no row of B to hide")
                        with as_portal(pool, web_user):
                            try:
                                found = Model.search([])
                            except AccessError:
                                # Not readable by the portal at all
                                found = []
                    self.assertFalse(set(found) & set(foreign))
            # The dealer's own rows are found
            with as_portal(pool, web_user):
                Sale = pool.get('sale.sale')
                self.assertEqual(
                    {s.dealer.id for s in Sale.search([])},
                    {self.dealer_a.id})
