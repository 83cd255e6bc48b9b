# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Dealer scoping on random data sets (hypothesis): whatever the network of
dealers, tiers, orders, portal users, feedback and bulletins, a user linked
to a dealer finds only its dealer's rows, and the portal's queries of a
dealer return only what is addressed to it."""
import unittest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from dms_dealer.tests.tools import create_dealer, create_tier

TIERS = ['GOLD', 'SILVER', 'BRONZE']
KINDS = ['demand', 'competitor', 'trend', 'quality']

dealers = st.lists(
    st.fixed_dictionaries({
            'tier': st.sampled_from(range(len(TIERS))),
            'state': st.sampled_from(['active', 'active', 'suspended']),
            'sales': st.integers(0, 3),
            'users': st.integers(0, 2),
            'feedback': st.lists(st.sampled_from(KINDS), max_size=2),
            }),
    min_size=2, max_size=5)
audiences = st.lists(
    st.one_of(
        st.just(('all', None)),
        st.tuples(st.just('tiers'), st.sets(
                st.sampled_from(range(len(TIERS))), min_size=1)),
        st.tuples(st.just('dealers'), st.sets(
                st.integers(0, 4), min_size=1))),
    max_size=4)


class DealerIsolationTestCase(unittest.TestCase):
    "Test a dealer only ever sees its own rows, on random data sets"

    @classmethod
    def setUpClass(cls):
        activate_module('dms_communication')

    @settings(max_examples=12, deadline=None, derandomize=True,
        database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(network=dealers, bulletins=audiences)
    @with_transaction()
    def test_dealer_sees_only_its_rows(self, network, bulletins):
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        User = pool.get('res.user')
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        WebUser = pool.get('web.user')
        Sale = pool.get('sale.sale')
        SaleLine = pool.get('sale.line')
        Feedback = pool.get('dms.feedback')
        Bulletin = pool.get('dms.bulletin')
        Receipt = pool.get('dms.bulletin.receipt')
        Party = pool.get('party.party')
        Address = pool.get('party.address')

        company = create_company()
        with set_company(company):
            tiers = [create_tier(company, code) for code in TIERS]
            created = []
            for i, spec in enumerate(network):
                dealer = create_dealer(
                    company, 'D%s' % i, tier=tiers[spec['tier']])
                Dealer.activate([dealer])
                if spec['state'] == 'suspended':
                    Dealer.suspend([dealer])
                created.append(dealer)
            web_users = WebUser.create([{
                        'email': 'u%s.%s@example.com' % (i, j),
                        'dealer': dealer.id,
                        } for i, (dealer, spec) in enumerate(
                        zip(created, network))
                    for j in range(spec['users'])])
            Sale.create([{
                        'party': dealer.party.id,
                        'lines': [('create', [{
                                        'type': 'comment',
                                        'description': 'Line %s' % k}])],
                        } for dealer, spec in zip(created, network)
                    for k in range(spec['sales'])])
            users_of = {}
            for user in web_users:
                users_of.setdefault(user.dealer, user)
            Feedback.create([{
                        'dealer': dealer.id,
                        'author': users_of[dealer].id,
                        'kind': kind,
                        'subject': '%s of %s' % (kind, dealer.code),
                        'competitor': 'Rival', 'competitor_price': 1,
                        } for dealer, spec in zip(created, network)
                    if dealer in users_of
                    for kind in spec['feedback']])
            records = []
            for audience, values in bulletins:
                record = {'title': 'To %s' % audience, 'body': 'Read me',
                    'audience': audience}
                if audience == 'tiers':
                    record['tiers'] = [('add', [tiers[t].id for t in values])]
                elif audience == 'dealers':
                    chosen = [created[d].id for d in values
                        if d < len(created)]
                    if not chosen:
                        continue
                    record['dealers'] = [('add', chosen)]
                records.append(record)
            published = Bulletin.create(records)
            Bulletin.publish(published)
            groups = [
                ModelData.get_id('dms_dealer', 'group_dms_user'),
                ModelData.get_id('sale', 'group_sale')]
            employee = create_employee(company)
            staff = User.create([{
                        'login': 'staff_%s' % dealer.code,
                        'dealer': dealer.id,
                        'groups': [('add', groups)],
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        'employees': [('add', [employee.id])],
                        'employee': employee.id,
                        } for dealer in created])
            self.assertTrue(Group.browse(groups))

            def addressed(bulletin, dealer):
                if bulletin.audience == 'all':
                    return True
                if bulletin.audience == 'tiers':
                    return dealer.tier in bulletin.tiers
                return dealer in bulletin.dealers

            for dealer, user in zip(created, staff):
                # The portal's queries, run as root for the portal user
                expected = {b for b in published if addressed(b, dealer)}
                self.assertEqual(set(Bulletin.of_dealer(dealer)), expected)
                others = [d for d in created if d != dealer]
                with Transaction().set_user(user.id), \
                        Transaction().set_context(
                            _check_access=True, company=company.id):
                    self.assertEqual(Dealer.search([]), [dealer])
                    self.assertEqual(
                        {s.party for s in Sale.search([])}
                        - {dealer.party}, set())
                    self.assertEqual(
                        {l.sale.party for l in SaleLine.search([])}
                        - {dealer.party}, set())
                    self.assertEqual(
                        {u.dealer for u in WebUser.search([])}
                        - {dealer}, set())
                    self.assertEqual(
                        {f.dealer for f in Feedback.search([])}
                        - {dealer}, set())
                    self.assertEqual(
                        {r.dealer for r in Receipt.search([])} - {dealer},
                        set())
                    self.assertEqual(set(Bulletin.search([])), expected)
                    self.assertFalse(Party.search([
                                ('id', 'in', [d.party.id for d in others])]))
                    self.assertFalse(Address.search([
                                ('party', 'in',
                                    [d.party.id for d in others])]))
                # And all of its own rows
                own_sales = Sale.search([('party', '=', dealer.party.id)])
                with Transaction().set_user(user.id), \
                        Transaction().set_context(
                            _check_access=True, company=company.id):
                    self.assertEqual(
                        set(Sale.search([])), set(own_sales))
