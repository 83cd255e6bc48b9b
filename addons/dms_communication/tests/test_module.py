# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, create_employee, set_company)
from dms_dealer.tests.tools import (
    ClientViewTestMixin, TranslationTestMixin, create_dealer, create_tier)
from dms_portal.tests.tools import PortalTranslationTestMixin
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


class DmsCommunicationTestCase(
        ClientViewTestMixin, TranslationTestMixin, PortalTranslationTestMixin,
        CompanyTestMixin, ModuleTestCase):
    "Test DMS Communication module"
    module = 'dms_communication'

    @with_transaction()
    def test_dealer_scoping(self):
        "Test a user linked to a dealer reads only that dealer's records"
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        User = pool.get('res.user')
        Group = pool.get('res.group')
        Sale = pool.get('sale.sale')
        SaleLine = pool.get('sale.line')
        WebUser = pool.get('web.user')
        History = pool.get('dms.dealer.tier.history')
        Bulletin = pool.get('dms.bulletin')
        Receipt = pool.get('dms.bulletin.receipt')
        Notification = pool.get('dms.dealer.notification')
        Summary = pool.get('dms.feedback.summary')
        Feedback = pool.get('dms.feedback')
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        PriceList = pool.get('product.price_list')
        PriceListLine = pool.get('product.price_list.line')
        ModelData = pool.get('ir.model.data')
        company = create_company()
        with set_company(company):
            tier = create_tier(company, 'GOLD')
            dealer_a = create_dealer(company, 'A', tier=tier)
            dealer_b = create_dealer(company, 'B', tier=tier)
            silver = create_tier(company, 'SILVER')
            dealer_c = create_dealer(company, 'C', tier=silver)
            employee = create_employee(company)
            sale_a, sale_b = Sale.create([{
                        'party': dealer_a.party.id,
                        'lines': [('create', [{
                                        'type': 'comment',
                                        'description': "A's line"}])],
                        }, {
                        'party': dealer_b.party.id,
                        'lines': [('create', [{
                                        'type': 'comment',
                                        'description': "B's line"}])],
                        }])
            web_a, web_b = WebUser.create([
                    {'email': 'a@example.com', 'dealer': dealer_a.id},
                    {'email': 'b@example.com', 'dealer': dealer_b.id},
                    ])
            groups = Group.browse([
                    ModelData.get_id('dms_dealer', 'group_dms_user'),
                    ModelData.get_id('sale', 'group_sale'),
                    ])
            dealer_user, factory_user = User.create([{
                        'login': 'dealer_a',
                        'dealer': dealer_a.id,
                        'groups': [('add', [g.id for g in groups])],
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        'employees': [('add', [employee.id])],
                        'employee': employee.id,
                        }, {
                        'login': 'factory',
                        'groups': [('add', [g.id for g in groups])],
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        }])
            Dealer.activate([dealer_a, dealer_b])
            to_tier, to_b, draft = Bulletin.create([{
                        'title': "To the tier", 'body': "Both",
                        'audience': 'tiers', 'tiers': [('add', [tier.id])],
                        }, {
                        'title': "To B", 'body': "B only",
                        'audience': 'dealers',
                        'dealers': [('add', [dealer_b.id])],
                        }, {
                        'title': "Draft", 'body': "Nobody yet",
                        }])
            Bulletin.publish([to_tier, to_b])
            Feedback.create([{
                        'dealer': dealer_b.id, 'author': web_b.id,
                        'kind': 'trend', 'subject': "B's trend",
                        }])
            self.assertEqual(len(Summary.search([])), 1)
            receipt_b, = Receipt.search([
                    ('dealer', '=', dealer_b.id),
                    ('bulletin', '=', to_b.id),
                    ])

            def as_user(user):
                transaction = Transaction()
                return transaction.set_user(user.id), transaction.set_context(
                    _check_access=True, company=company.id)

            set_user, set_context = as_user(dealer_user)
            with set_user, set_context:
                self.assertEqual(Dealer.search([]), [dealer_a])
                self.assertEqual(Sale.search([]), [sale_a])
                self.assertEqual(
                    [l.description for l in SaleLine.search([])],
                    ["A's line"])
                self.assertEqual(WebUser.search([]), [web_a])
                self.assertEqual(
                    {h.dealer for h in History.search([])}, {dealer_a})
                self.assertEqual(
                    Dealer.search([('code', '=', 'B')]), [])
                self.assertEqual(Bulletin.search([]), [to_tier])
                self.assertEqual(
                    {(r.bulletin, r.dealer) for r in Receipt.search([])},
                    {(to_tier, dealer_a)})
                # The inboxes are the factory administrators' business
                with self.assertRaises(AccessError):
                    Notification.search([])
                self.assertEqual(Summary.search([]), [])
                # Other dealers' parties and addresses, other tiers' prices
                parties = Party.search([])
                self.assertIn(dealer_a.party, parties)
                self.assertIn(company.party, parties)
                self.assertNotIn(dealer_b.party, parties)
                self.assertNotIn(dealer_c.party, parties)
                self.assertEqual(
                    {a.party for a in Address.search([
                                ('party', 'in', [
                                        dealer_a.party.id, dealer_b.party.id,
                                        dealer_c.party.id])])},
                    {dealer_a.party})
                self.assertEqual(PriceList.search([]), [tier.price_list])
                self.assertEqual(
                    {l.price_list for l in PriceListLine.search([])},
                    {tier.price_list} if tier.price_list.lines else set())
                self.assertEqual(
                    Party.read([company.party.id], ['name'])[0]['name'],
                    company.party.name)
                for Model, record in [
                        (Dealer, dealer_b),
                        (Sale, sale_b),
                        (WebUser, web_b),
                        (Bulletin, to_b),
                        (Bulletin, draft),
                        (Receipt, receipt_b),
                        (Party, dealer_b.party),
                        (Address, dealer_c.party.addresses[0]),
                        (PriceList, silver.price_list),
                        ]:
                    with self.subTest(model=Model.__name__):
                        with self.assertRaises(AccessError):
                            Model.read([record.id], ['id'])
                # Own records stay readable
                self.assertEqual(
                    Dealer.read([dealer_a.id], ['code'])[0]['code'], 'A')
                self.assertEqual(
                    Sale.read([sale_a.id], ['dealer.code'])[0]['dealer.'][
                        'code'], 'A')

            set_user, set_context = as_user(factory_user)
            with set_user, set_context:
                self.assertEqual(
                    Dealer.search([]), [dealer_a, dealer_b, dealer_c])
                self.assertEqual(len(Sale.search([])), 2)
                self.assertEqual(len(Bulletin.search([])), 3)
                self.assertEqual(len(Receipt.search([])), 3)
                self.assertEqual(len(Summary.search([])), 1)
                self.assertIn(dealer_b.party, Party.search([]))
                self.assertEqual(len(PriceList.search([])), 2)
                self.assertEqual(len(WebUser.search([])), 2)

            # Unlinking the user from the dealer lifts the restriction
            User.write([dealer_user], {'dealer': None})
            set_user, set_context = as_user(dealer_user)
            with set_user, set_context:
                self.assertEqual(len(Dealer.search([])), 3)


del ModuleTestCase
