# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.model.exceptions import (
    AccessError, SQLConstraintError, ValidationError)
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from .tools import (
    ClientViewTestMixin, TranslationTestMixin, create_dealer,
    create_price_list, create_tier)


class DmsDealerTestCase(
        ClientViewTestMixin, TranslationTestMixin, CompanyTestMixin,
        ModuleTestCase):
    "Test DMS Dealer module"
    module = 'dms_dealer'

    @with_transaction()
    def test_dealer_code_unique(self):
        "Test a dealer code is unique"
        company = create_company()
        with set_company(company):
            create_dealer(company, 'D1')
            with self.assertRaisesRegex(
                    SQLConstraintError, "code of a dealer must be unique"):
                create_dealer(company, 'D1')

    @with_transaction()
    def test_dealer_party_unique(self):
        "Test a party is only one dealer"
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        company = create_company()
        with set_company(company):
            dealer = create_dealer(company, 'D1')
            with self.assertRaisesRegex(
                    SQLConstraintError, "only one dealer"):
                Dealer.create([{
                            'company': company.id,
                            'party': dealer.party.id,
                            'code': 'D2',
                            }])

    @with_transaction()
    def test_dealer_code_from_sequence(self):
        "Test a dealer without code is numbered by the sequence"
        pool = Pool()
        Configuration = pool.get('dms.configuration')
        Sequence = pool.get('ir.sequence')
        Dealer = pool.get('dms.dealer')
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            party, other = Party.create(
                [{'name': "No code"}, {'name': "Numbered"}])
            with self.assertRaisesRegex(ValidationError, "needs a code"):
                Dealer.create([{'company': company.id, 'party': party.id}])

            sequence, = Sequence.search([
                    ('sequence_type.name', '=', "Dealer"),
                    ])
            Configuration.write(
                [Configuration(1)], {'dealer_sequence': sequence.id})
            dealer, = Dealer.create([
                    {'company': company.id, 'party': other.id}])
            self.assertEqual(dealer.code, 'D00001')

    @with_transaction()
    def test_dealer_parent_cycle(self):
        "Test a dealer cannot be its own ancestor"
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        company = create_company()
        with set_company(company):
            top = create_dealer(company, 'TOP')
            middle = create_dealer(company, 'MID', parent=top.id)
            bottom = create_dealer(company, 'BOT', parent=middle.id)
            self.assertEqual(list(top.children), [middle])

            with self.assertRaisesRegex(
                    ValidationError, "cannot be its own parent"):
                Dealer.write([top], {'parent': bottom.id})
            with self.assertRaises(ValidationError):
                Dealer.write([top], {'parent': top.id})

    @with_transaction()
    def test_territory_cycle(self):
        "Test a territory cannot be its own ancestor"
        pool = Pool()
        Territory = pool.get('dms.territory')
        china, = Territory.create([{
                    'name': "China", 'code': 'CN', 'level': 'country'}])
        zhejiang, = Territory.create([{
                    'name': "Zhejiang", 'code': 'CN-ZJ', 'level': 'province',
                    'parent': china.id}])
        hangzhou, = Territory.create([{
                    'name': "Hangzhou", 'code': 'CN-ZJ-HZ', 'level': 'city',
                    'parent': zhejiang.id}])
        self.assertEqual(hangzhou.rec_name, "China / Zhejiang / Hangzhou")
        self.assertEqual(
            Territory.search([('rec_name', 'ilike', '%Zhejiang / Hang%')]),
            [hangzhou])

        with self.assertRaisesRegex(ValidationError, "Recursion"):
            Territory.write([china], {'parent': hangzhou.id})
        with self.assertRaisesRegex(
                SQLConstraintError, "code of a territory must be unique"):
            Territory.create([{'name': "Again", 'code': 'CN'}])

    @with_transaction()
    def test_territory_subdivision_country(self):
        "Test the subdivision of a territory belongs to its country"
        pool = Pool()
        Territory = pool.get('dms.territory')
        Country = pool.get('country.country')
        Subdivision = pool.get('country.subdivision')
        china, france = Country.create([
                {'name': "China", 'code': 'CN'},
                {'name': "France", 'code': 'FR'},
                ])
        zhejiang, = Subdivision.create([{
                    'name': "Zhejiang", 'code': 'CN-ZJ', 'type': 'province',
                    'country': china.id}])
        Territory.create([{
                    'name': "Zhejiang", 'code': 'ZJ', 'level': 'province',
                    'country': china.id, 'subdivision': zhejiang.id}])
        with self.assertRaisesRegex(
                ValidationError, 'field "Subdivision".*not valid'):
            Territory.create([{
                        'name': "Wrong", 'code': 'WR', 'level': 'province',
                        'country': france.id, 'subdivision': zhejiang.id}])

    @with_transaction()
    def test_dealer_coordinates(self):
        "Test dealer coordinates are valid"
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        company = create_company()
        with set_company(company):
            for i, (values, message) in enumerate([
                    ({'latitude': Decimal('90.5')}, "latitude"),
                    ({'latitude': Decimal('-91')}, "latitude"),
                    ({'longitude': Decimal('180.1')}, "longitude"),
                    ({'longitude': Decimal('-200')}, "longitude"),
                    ({'longitude': None}, "both a latitude and a longitude"),
                    ]):
                dealer = create_dealer(
                    company, 'D%s' % i, latitude=Decimal('30.274084'),
                    longitude=Decimal('120.15507'))
                with self.subTest(values=values):
                    with self.assertRaisesRegex(ValidationError, message):
                        Dealer.write([dealer], values)

    @with_transaction()
    def test_dealer_uscc_and_phone(self):
        """Test the unified social credit code and the phone of a dealer are
        checked and kept on its party"""
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        Identifier = pool.get('party.identifier')
        ContactMechanism = pool.get('party.contact_mechanism')
        company = create_company()
        with set_company(company):
            dealer = create_dealer(company, 'D1')
            Dealer.write([dealer], {
                    'uscc': '91110108551385082Q',
                    'phone': '+86 571 8888 0005',
                    })
            identifier, = Identifier.search(
                [('party', '=', dealer.party.id)])
            self.assertEqual(
                (identifier.type, identifier.code),
                ('cn_vat', '91110108551385082Q'))
            self.assertEqual(dealer.uscc, '91110108551385082Q')
            self.assertEqual(dealer.phone, '+86 571 8888 0005')
            self.assertEqual(Dealer.search(
                    [('uscc', '=', '91110108551385082Q')]), [dealer])
            self.assertEqual(Dealer.search(
                    [('phone', 'like', '%8888%')]), [dealer])

            # A wrong check character, a number that is no phone number
            with self.assertRaisesRegex(UserError, '91110108551385082A'):
                Dealer.write([dealer], {'uscc': '91110108551385082A'})
            with self.assertRaisesRegex(UserError, '12345'):
                Dealer.write([dealer], {'phone': '12345'})

            Dealer.write([dealer], {'uscc': None, 'phone': ''})
            self.assertFalse(Identifier.search(
                    [('party', '=', dealer.party.id)]))
            self.assertFalse(ContactMechanism.search(
                    [('party', '=', dealer.party.id)]))

    @with_transaction()
    def test_address_district(self):
        """Test the district of an address follows the city: 省市区 in
        Chinese, before the city otherwise; an address reads in the order
        of the language it is written in"""
        pool = Pool()
        Address = pool.get('party.address')
        Party = pool.get('party.party')
        Country = pool.get('country.country')
        Subdivision = pool.get('country.subdivision')
        Lang = pool.get('ir.lang')
        china = Country(name="China", code='CN')
        china.save()
        zhejiang = Subdivision(
            country=china, name="Zhejiang", code='CN-ZJ', type='province')
        zhejiang.save()
        party = Party(name="Dealer")
        party.save()
        address = Address(party=party, country=china, subdivision=zhejiang,
            city="Hangzhou", district="Xihu", street="Wensan Road 1")
        address.save()
        self.assertIn("Xihu, Hangzhou", address.full_address)
        zh, = Lang.search([('code', '=', 'zh_CN')])
        Lang.write([zh], {'translatable': True})
        with Transaction().set_context(language='zh_CN'):
            # Written in English, it reads in English (not 浙江省HangzhouXihu)
            address = Address(address.id)
            self.assertIn("Xihu, Hangzhou", address.full_address)
            self.assertNotIn("HangzhouXihu", address.full_address)
            Country.write([china], {'name': "中国"})
            Subdivision.write([zhejiang], {'name': "浙江省"})
        # Written in Chinese, it reads 省市区 + street in both languages, the
        # country by its Chinese name, not upper case English
        chinese = Address(party=party, country=china, subdivision=zhejiang,
            city="杭州市", district="西湖区", street="人民路381号")
        chinese.save()
        for language in ['zh_CN', 'en']:
            with Transaction().set_context(language=language):
                chinese = Address(chinese.id)
                self.assertIn("浙江省杭州市西湖区人民路381号",
                    chinese.full_address, language)
                self.assertTrue(chinese.full_address.startswith("中国"),
                    chinese.full_address)
                self.assertEqual(chinese.rec_name,
                    "Dealer, 浙江省杭州市西湖区人民路381号")

    @with_transaction()
    def test_dealer_workflow(self):
        "Test dealer states and their transitions"
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        Date = pool.get('ir.date')
        company = create_company()
        with set_company(company):
            tier = create_tier(company, 'GOLD')
            dealer = create_dealer(company, 'D1', tier=tier)
            self.assertEqual(dealer.state, 'prospect')

            Dealer.activate([dealer])
            self.assertEqual(dealer.state, 'active')
            self.assertEqual(dealer.since_date, Date.today())

            Dealer.suspend([dealer])
            self.assertEqual(dealer.state, 'suspended')
            Dealer.activate([dealer])
            self.assertEqual(dealer.state, 'active')

            with self.assertRaisesRegex(UserError, "no longer a prospect"):
                Dealer.delete([dealer])

            Dealer.terminate([dealer])
            self.assertEqual(dealer.state, 'terminated')

            # Terminated is final
            Dealer.activate([dealer])
            self.assertEqual(dealer.state, 'terminated')

    @with_transaction()
    def test_activate_requires_tier_with_price_list(self):
        "Test an active dealer needs a tier with a price list"
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        Tier = pool.get('dms.dealer.tier')
        company = create_company()
        with set_company(company):
            bare = create_tier(company, 'BARE', price_list=None)
            gold = create_tier(company, 'GOLD')
            no_tier = create_dealer(company, 'D0')
            dealer = create_dealer(company, 'D1', tier=bare)

            with self.assertRaisesRegex(
                    ValidationError, 'required for field "Tier"'):
                Dealer.activate([no_tier])
            with self.assertRaisesRegex(
                    ValidationError, 'Tier "Bare" needs a price list'):
                Dealer.activate([dealer])

            other = create_dealer(company, 'D2', tier=gold)
            Dealer.activate([other])
            with self.assertRaisesRegex(
                    ValidationError, 'Tier "Gold" needs a price list'):
                Tier.write([gold], {'price_list': None})

    @with_transaction()
    def test_tier_rates(self):
        "Test tier rates and limits are checked"
        pool = Pool()
        Tier = pool.get('dms.dealer.tier')
        company = create_company()
        with set_company(company):
            gold, silver = create_tier(company, 'GOLD'), create_tier(
                company, 'SILVER')
            with self.assertRaisesRegex(
                    ValidationError, "share between 0 and 1"):
                Tier.write([gold], {'marketing_fund_rate': Decimal('1.5')})
            with self.assertRaisesRegex(ValidationError, "cannot be negative"):
                Tier.write([silver], {'credit_limit_amount': Decimal(-1)})
            with self.assertRaisesRegex(
                    SQLConstraintError, "tier must be unique"):
                create_tier(company, 'GOLD')

    @with_transaction()
    def test_tier_history(self):
        "Test tier changes are recorded with who, when and why"
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        company = create_company()
        with set_company(company):
            silver = create_tier(company, 'SILVER')
            gold = create_tier(company, 'GOLD')
            dealer = create_dealer(company, 'D1', tier=silver)
            initial, = dealer.tier_history
            self.assertEqual(
                (initial.from_tier, initial.to_tier), (None, silver))

            with Transaction().set_context(
                    _dms_tier_change_reason="Target reached"):
                Dealer.write([dealer], {'tier': gold.id})
            # Writing the same tier again records nothing
            Dealer.write([dealer], {'tier': gold.id})

            dealer = Dealer(dealer.id)
            self.assertEqual(len(dealer.tier_history), 2)
            last = dealer.tier_history[0]
            self.assertEqual(last.from_tier, silver)
            self.assertEqual(last.to_tier, gold)
            self.assertEqual(last.reason, "Target reached")
            self.assertEqual(last.user.id, Transaction().user)
            self.assertTrue(last.date)

    @with_transaction()
    def test_change_tier_wizard(self):
        "Test the change tier wizard records the reason"
        pool = Pool()
        ChangeTier = pool.get('dms.dealer.change_tier', type='wizard')
        company = create_company()
        with set_company(company):
            silver = create_tier(company, 'SILVER')
            gold = create_tier(company, 'GOLD')
            dealer = create_dealer(company, 'D1', tier=silver)

            with Transaction().set_context(
                    active_model='dms.dealer', active_id=dealer.id,
                    active_ids=[dealer.id]):
                session_id, _, _ = ChangeTier.create()
                change_tier = ChangeTier(session_id)
                defaults = change_tier.default_start(None)
                self.assertEqual(defaults['current_tier'], silver.id)
                change_tier.start.tier = gold
                change_tier.start.reason = "Annual review"
                change_tier.transition_change()

            self.assertEqual(dealer.tier, gold)
            self.assertEqual(dealer.tier_history[0].reason, "Annual review")

    @with_transaction()
    def test_party_terms_follow_tier(self):
        "Test the dealer party gets the price list and terms of its tier"
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        Tier = pool.get('dms.dealer.tier')
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            silver = create_tier(
                company, 'SILVER', credit_limit_amount=Decimal(1000))
            gold = create_tier(
                company, 'GOLD', credit_limit_amount=Decimal(5000))
            dealer = create_dealer(company, 'D1', tier=silver)

            party = Party(dealer.party.id)
            self.assertEqual(party.sale_price_list, silver.price_list)
            self.assertEqual(party.credit_limit_amount, Decimal(1000))

            Dealer.write([dealer], {'tier': gold.id})
            party = Party(dealer.party.id)
            self.assertEqual(party.sale_price_list, gold.price_list)
            self.assertEqual(party.credit_limit_amount, Decimal(5000))

            new_list = create_price_list(company, "Gold 2027", '0.8')
            Tier.write([gold], {'price_list': new_list.id})
            party = Party(dealer.party.id)
            self.assertEqual(party.sale_price_list, new_list)

    @with_transaction()
    def test_current_dealer(self):
        "Test the dealer of the current user"
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        User = pool.get('res.user')
        company = create_company()
        with set_company(company):
            tier = create_tier(company, 'GOLD')
            dealer = create_dealer(company, 'D1', tier=tier)
            Dealer.activate([dealer])
            user, staff = User.create([
                    {'login': 'd1', 'dealer': dealer.id},
                    {'login': 'staff'}])

            self.assertIsNone(Dealer.current())
            with Transaction().set_user(user.id):
                self.assertEqual(Dealer.current(), dealer)
            with Transaction().set_user(staff.id):
                self.assertIsNone(Dealer.current())

    @with_transaction()
    def test_sale_dealer_from_party(self):
        "Test a sale of a dealer party gets the dealer"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            dealer = create_dealer(company, 'D1')
            customer, = Party.create([{'name': "Walk-in"}])
            sale, other = Sale.create([{
                        'party': dealer.party.id,
                        }, {
                        'party': customer.id,
                        }])
            self.assertEqual(sale.dealer, dealer)
            self.assertIsNone(other.dealer)

            sale = Sale(party=dealer.party)
            sale.on_change_party()
            self.assertEqual(sale.dealer, dealer)

            self.assertEqual(dealer.party.dealer, dealer)
            self.assertEqual(
                Party.search([('dealer', '=', dealer.id)]), [dealer.party])
            self.assertEqual(
                Party.search([('dealer.code', '=', 'D1')]), [dealer.party])
            self.assertIn(
                customer, Party.search([('dealer', '=', None)]))

    @with_transaction()
    def test_default_deny(self):
        "Test users without a DMS group cannot read dealers"
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        User = pool.get('res.user')
        company = create_company()
        with set_company(company):
            create_dealer(company, 'A')
            user, = User.create([{'login': 'nobody'}])
            with Transaction().set_user(user.id), \
                    Transaction().set_context(_check_access=True):
                with self.assertRaises(AccessError):
                    Dealer.search([])


del ModuleTestCase
