# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Searches through relations never tell a dealer anything about another
dealer (hypothesis over domain paths)

Users linked to dealer A (an integration account and a back-office user)
search any model they may read with a domain that goes through relations
(dotted names or ``where`` sub-domains, up to three steps) and ends on a
text field of a row of dealer B: B's dealer code, party name, addresses,
e-mails and reset tokens of its portal users, references and descriptions
of its sales and their lines.  The value searched is one of B's.  Then B's
texts are all changed (as the system) and the same search runs again: a
search whose answer changes has told the user something about rows its
record rules hide.  Searches refused with a clear error are answers too,
and must be refused both times."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trytond.exceptions import UserError
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, RouteTestCase
from trytond.transaction import Transaction

from dms_dealer.tests.tools import create_dealer, create_tier

# The texts of dealer B the searches look for, and how to change them
SECRET_FIELDS = {
    'dms.dealer': ['code'],
    'party.party': ['name', 'code'],
    'party.address': ['street', 'city', 'postal_code'],
    'party.identifier': ['code'],
    'web.user': ['email', 'reset_password_token'],
    'sale.sale': ['reference', 'description', 'comment'],
    'sale.line': ['description'],
    }
# Where the searches start: models an integrator or dealer staff reads
START_MODELS = [
    'dms.territory', 'dms.dealer.tier', 'dms.dealer', 'party.party',
    'party.address', 'sale.sale', 'sale.line', 'web.user',
    'product.price_list', 'company.company', 'dms.configuration',
    'dms.bulletin', 'dms.bulletin.receipt', 'dms.feedback',
    'dms.dealer.tier.history', 'res.user', 'company.employee',
    ]
OPERATORS = ['=', '!=', 'ilike', 'not ilike', 'in', 'not in', '>=', '<']
MAX_STEPS = 3


def _relations(Model):
    "The searchable relational fields of Model and their targets"
    for name, field in sorted(Model._fields.items()):
        if (field._type in {'many2one', 'one2many', 'many2many'}
                and name not in {'create_uid', 'write_uid'}
                and field.searchable(Model)):
            yield name, field.get_target()


def _paths():
    """Every path of relations (start model, steps, leaf field) from a
    start model to a text of dealer B"""
    pool = Pool()
    paths = set()

    def walk(start, Model, steps):
        if steps and Model.__name__ in SECRET_FIELDS:
            for leaf in SECRET_FIELDS[Model.__name__]:
                paths.add((start, tuple(steps), leaf))
        if len(steps) < MAX_STEPS:
            for name, Target in _relations(Model):
                walk(start, Target, steps + [name])
    for start in START_MODELS:
        walk(start, pool.get(start), [])
    return sorted(paths)


def _domain(steps, leaf, operator, value, form):
    "The domain of the path, dotted or as nested where sub-domains"
    if form == 'dotted':
        return [('.'.join(steps + (leaf,)), operator, value)]
    domain = [(leaf, operator, value)]
    for step in reversed(steps):
        domain = [(step, 'where', domain)]
    return domain


class DomainIsolationTestCase(RouteTestCase):
    "Test searches through relations tell nothing of other dealers"
    # A database of its own, with committed data (dropped at the end)
    module = 'dms_communication'

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        WebUser = pool.get('web.user')
        Sale = pool.get('sale.sale')
        Feedback = pool.get('dms.feedback')
        Identifier = pool.get('party.identifier')
        Bulletin = pool.get('dms.bulletin')
        company = create_company()
        with set_company(company):
            gold = create_tier(company, 'GOLD')
            silver = create_tier(company, 'SILVER')
            dealer_a = create_dealer(company, 'DA', tier=gold)
            dealer_b = create_dealer(company, 'DB', tier=silver)
            Dealer.activate([dealer_a, dealer_b])
            Address = pool.get('party.address')
            for dealer in [dealer_a, dealer_b]:
                code = dealer.code.lower()
                Address.write(list(dealer.party.addresses), {
                        'street': '%s Road' % code,
                        'postal_code': '%s-100' % code})
                Identifier.create([{
                            'party': dealer.party.id,
                            'code': 'TAX-%s' % code}])
                users = WebUser.create([{
                            'email': 'buyer@%s.example.com' % code,
                            'password': 'secret-%s-1' % code,
                            'dealer': dealer.id,
                            }])
                for user in users:
                    user.set_reset_password_token()
                WebUser.save(users)
                Sale.create([{
                            'party': dealer.party.id,
                            'reference': 'REF-%s' % code,
                            'description': 'Order of %s' % code,
                            'comment': 'Comment of %s' % code,
                            'lines': [('create', [{
                                            'type': 'comment',
                                            'description': 'Line of %s'
                                            % code}])],
                            }])
                Feedback.create([{
                            'dealer': dealer.id,
                            'author': users[0].id,
                            'kind': 'competitor',
                            'subject': 'Feedback of %s' % code,
                            'competitor': 'Rival of %s' % code,
                            'competitor_price': 1,
                            }])
            bulletins = Bulletin.create([{
                        'title': 'To B', 'body': 'Only B',
                        'audience': 'dealers',
                        'dealers': [('add', [dealer_b.id])],
                        }])
            Bulletin.publish(bulletins)
            employee = create_employee(company)
            groups = {
                'integration': [
                    ModelData.get_id('dms_dealer', 'group_dms_integration')],
                'staff': [
                    ModelData.get_id('dms_dealer', 'group_dms_user'),
                    ModelData.get_id('sale', 'group_sale')],
                }
            users = User.create([{
                        'login': '%s_a' % name,
                        'dealer': dealer_a.id,
                        'groups': [('add', group_ids)],
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        'employees': [('add', [employee.id])],
                        'employee': employee.id,
                        } for name, group_ids in groups.items()])
        cls.company = company.id
        cls.dealer_b = dealer_b.id
        cls.users = [u.id for u in users]
        cls.paths = _paths()

    def hidden_rows(self):
        "The records of dealer B that hold the secrets, per model"
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        dealer = Dealer(self.dealer_b)
        party = dealer.party
        sales = pool.get('sale.sale').search([('party', '=', party.id)])
        return {
            'dms.dealer': [dealer],
            'party.party': [party],
            'party.address': list(party.addresses),
            'party.identifier': list(party.identifiers),
            'web.user': list(dealer.web_users),
            'sale.sale': sales,
            'sale.line': [l for s in sales for l in s.lines],
            }

    def change_secrets(self):
        "Change every secret text of B (as the system)"
        pool = Pool()
        for model, records in self.hidden_rows().items():
            Model = pool.get(model)
            for record in records:
                values = {}
                for name in SECRET_FIELDS[model]:
                    if name == 'email':
                        value = 'changed-%s@changed.example.com' % record.id
                    else:
                        value = 'changed %s %s' % (name, record.id)
                    values[name] = value
                Model.write([record], values)

    def values(self, model, field):
        "The values of B for the field"
        return sorted({
                getattr(r, field) for r in self.hidden_rows()[model]
                if getattr(r, field)})

    def answer(self, user, start, domain):
        "The number of rows found, or the error that refused the search"
        pool = Pool()
        Model = pool.get(start)
        with Transaction().set_user(user), Transaction().set_context(
                _check_access=True, company=self.company):
            try:
                return Model.search_count(domain)
            except UserError as exception:
                return type(exception).__name__

    @settings(max_examples=150, deadline=None, derandomize=True,
        database=None, suppress_health_check=[
            HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def test_relations_tell_nothing(self, data):
        "A search through relations answers the same whatever B holds"
        path = data.draw(st.sampled_from(self.paths), label='path')
        start, steps, leaf = path
        operator = data.draw(st.sampled_from(OPERATORS), label='operator')
        form = data.draw(st.sampled_from(['dotted', 'where']), label='form')
        user = data.draw(st.sampled_from(self.users), label='user')
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Target = pool.get(start)
            for step in steps:
                Target = Target._fields[step].get_target()
            values = self.values(Target.__name__, leaf)
            if not values:
                return
            value = data.draw(st.sampled_from(values), label='value')
            if operator in {'in', 'not in'}:
                value = [value]
            elif operator.endswith('ilike'):
                value = '%%%s%%' % value
            domain = _domain(steps, leaf, operator, value, form)
            before = self.answer(user, start, domain)
            self.change_secrets()
            after = self.answer(user, start, domain)
            transaction.rollback()
        self.assertEqual(before, after,
            "%s %s tells about the other dealer" % (start, domain))

    def test_records_in_domains(self):
        """Searches that name records (as Tryton's own code does) are valid,
        for the staff as for users linked to a dealer"""
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Dealer = pool.get('dms.dealer')
            Identifier = pool.get('party.identifier')
            User = pool.get('res.user')
            admin, = User.search([('login', '=', 'admin')])
            for user in [admin.id] + self.users:
                with self.subTest(user=user):
                    dealer = Dealer(self.dealer_b)
                    with Transaction().set_user(user), \
                            Transaction().set_context(_check_access=True,
                                company=self.company):
                        count = Identifier.search_count(
                            [('party', '!=', dealer.party)])
                    self.assertIsInstance(count, int)
            transaction.rollback()

    def test_bus_channels(self):
        """The bus gives a user its own notifications only, and the
        conversations of the records it may read; users linked to a dealer
        none"""
        from dms_portal.bus import Bus
        with Transaction().start(DB_NAME, 0):
            pool = Pool()
            Sale = pool.get('sale.sale')
            User = pool.get('res.user')
            admin, = User.search([('login', '=', 'admin')])
            sales = Sale.search([], order=[('id', 'ASC')])
        chats = {'chat:sale.sale,%s' % s.id for s in sales}
        self.assertEqual(len(chats), 2)
        for user, expected in [
                (admin.id, chats),
                (self.users[0], set()), (self.users[1], set())]:
            with self.subTest(user=user):
                other = self.users[0] if user == admin.id else admin.id
                channels = {'user:%s' % user, 'notification:%s' % user,
                    'notification:%s' % other} | chats
                self.assertEqual(Bus.dms_allowed(DB_NAME, channels), {
                        'user:%s' % user, 'notification:%s' % user}
                    | expected)

    def test_paths(self):
        "The searches reach the other dealer's rows through many paths"
        with Transaction().start(DB_NAME, 0):
            self.assertGreater(len(self.paths), 100)
            reached = {self.reach(start, steps) for start, steps, _
                in self.paths}
        self.assertEqual(reached, set(SECRET_FIELDS))

    @staticmethod
    def reach(start, steps):
        Model = Pool().get(start)
        for step in steps:
            Model = Model._fields[step].get_target()
        return Model.__name__

    def test_known_oracles_closed(self):
        """The reported oracles (a reset token through the territory's
        dealers, a dealer's code through its tier) find nothing of B"""
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            WebUser = pool.get('web.user')
            victim, = WebUser.search(
                [('email', '=', 'buyer@db.example.com')])
            token = victim.reset_password_token
            for user in self.users:
                for start, domain in [
                        ('dms.dealer.tier', [('dealers.code', '=', 'DB')]),
                        ('dms.dealer.tier', [('dealers', 'where', [
                                        ('code', '=', 'DB')])]),
                        ('dms.dealer.tier', [('dealers', 'ilike', '%DB%')]),
                        ('party.party', [('rec_name', 'ilike', '%DB%')]),
                        ('dms.dealer.tier', [('dealers', 'where', [
                                        ('web_users', 'where', [
                                                ('email', '=',
                                                    victim.email)])])]),
                        ]:
                    with self.subTest(user=user, start=start, domain=domain):
                        self.assertEqual(
                            self.answer(user, start, domain), 0)
                # Nor by the ids of its dealers through a one-to-many
                dealer_b = self.dealer_b
                for start, domain, expected in [
                        ('dms.dealer.tier', [('dealers', '=', dealer_b)], 0),
                        ('dms.dealer.tier', [('dealers', 'in', [dealer_b])],
                            0),
                        ('dms.dealer.tier', [('dealers', '!=', None)], 1),
                        ('dms.dealer.tier', [('dealers', '>', 0)], 1),
                        ('dms.dealer.tier', [('dealers', '=', None)], 1),
                        ('dms.dealer.tier', [
                                ('dealers', 'not in', [dealer_b])], 2),
                        ]:
                    with self.subTest(user=user, start=start, domain=domain):
                        self.assertEqual(
                            self.answer(user, start, domain), expected)
                # The secrets are not searchable at all
                for start, domain in [
                        ('dms.dealer.tier', [('dealers', 'where', [
                                        ('web_users', 'where', [
                                                ('reset_password_token',
                                                    '>=', token[:2])])])]),
                        ('web.user', [
                                ('reset_password_token', '=', token)]),
                        ('web.user', [('password_hash', 'like', '$%')]),
                        ]:
                    with self.subTest(user=user, start=start, domain=domain):
                        self.assertEqual(
                            self.answer(user, start, domain), 'AccessError')
            transaction.rollback()

