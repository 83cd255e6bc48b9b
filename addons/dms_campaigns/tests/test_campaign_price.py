# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The campaigns' price offers on the dealers' orders: the portal's
checkout and the intake quote them at the campaign price, for the dealers
the campaign offers it to, while it runs"""
import datetime as dt
from decimal import Decimal

from dms_orders.tests.test_intake import IntakeTestMixin
from dms_portal.portal import as_portal
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction


class CampaignPriceTestMixin:
    "Tests of the campaigns' price offers (run by DmsCampaignsTestCase)"

    def setup_offer(self):
        """The network of the intake's tests (dealer A Gold: 80% of the
        list price, B Silver: 90%), a buyer of each dealer and a helper to
        make running campaigns"""
        pool = Pool()
        WebUser = pool.get('web.user')
        Configuration = pool.get('dms.configuration')
        IntakeTestMixin.setup_network(self, stock={
                'AC-1': 100, 'FR-1': 100, 'GOLD-ONLY': 100})
        config = Configuration(1)
        config.backorder_policy = 'accept'
        config.save()
        self.buyer_a, self.buyer_b = WebUser.create([{
                    'email': email, 'dealer': dealer.id,
                    'dealer_role': 'buyer',
                    } for email, dealer in [
                    ('buyer@a.example.com', self.dealer_a),
                    ('buyer@b.example.com', self.dealer_b)]])
        self.today = dt.date.today()

    def campaign(self, name, discount, products, dealers=None,
            participants=None, stackable=False, run=True):
        """A campaign offering discount on the products (codes) to dealers
        (the whole audience) or to its approved participants among dealers
        (all dealers when None), run unless told"""
        pool = Pool()
        Campaign = pool.get('dms.campaign')
        Participation = pool.get('dms.campaign.participation')
        dealers = dealers or [self.dealer_a, self.dealer_b]
        campaign, = Campaign.create([{
                    'name': name,
                    'company': self.company.id,
                    'start_date': self.today - dt.timedelta(days=1),
                    'end_date': self.today + dt.timedelta(days=30),
                    'audience': 'dealers',
                    'dealers': [('add', [d.id for d in dealers])],
                    'products': [('add', [
                                self.products[c].id for c in products])],
                    'discount': Decimal(discount),
                    'stackable': stackable,
                    'offer_scope': (
                        'participants' if participants is not None
                        else 'audience'),
                    'budget': Decimal(1000),
                    }])
        Campaign.allocate([campaign])
        Campaign.propose([campaign])
        if participants:
            to_approve = [p for p in campaign.participations
                if p.dealer in participants]
            # Their plans proposed (as the portal does) and approved
            Participation.write(to_approve, {
                    'plan': "Local plan", 'state': 'proposed'})
            Participation.approve(to_approve)
        with Transaction().set_context(_skip_warnings=True):
            Campaign.approve([campaign])
        if run:
            Campaign.run([campaign])
        return Campaign(campaign.id)

    def intake(self, reference, dealer='A', lines=None):
        "The sale of an order sent to the intake"
        pool = Pool()
        Sale = pool.get('sale.sale')
        result, = IntakeTestMixin.submit(self, [IntakeTestMixin.order(
                    self, reference, dealer=dealer, lines=lines)])
        self.assertEqual(result['status'], 'accepted', result)
        return Sale(result['sale'])

    def checkout(self, web_user, reference, rows):
        """The sale of the portal cart of web_user filled with rows (code,
        quantity) and checked out, with the campaign prices the cart showed
        before"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        with as_portal(pool, web_user):
            report = Sale.dms_quick_order(web_user, rows)
            self.assertEqual([r[3] for r in report], [[]] * len(rows))
            cart = Sale.dms_cart(web_user)
            shown = cart.dms_campaign_prices()
            result = Sale.dms_checkout(web_user, reference)
        self.assertEqual(result['status'], 'accepted', result)
        return Sale(result['sale']), shown

    def prices(self, sale):
        "(product code, unit price, campaign name) of each line"
        return [(l.product.code, l.unit_price,
                l.promotion.dms_campaign.name
                if l.promotion and l.promotion.dms_campaign else None)
            for l in sale.lines]

    def shown(self, web_user, codes):
        """What the portal shows: {code: (unit price, campaign)} of the
        catalogue's offers of the products (codes) and of the cart"""
        pool = Pool()
        Product = pool.get('product.product')
        Sale = pool.get('sale.sale')
        dealer = web_user.dealer
        with as_portal(pool, web_user):
            products = Product.browse([self.products[c] for c in codes])
            prices = Product.dms_sale_prices(products, dealer)
            offers = Product.dms_offers(products, dealer, prices)
            catalogue = {p.code: offers.get(p.id, (prices[p.id], None))
                for p in products}
            cart = Sale.dms_cart(web_user)
            if cart:
                _, untaxed, offers = cart.dms_offers()
                lines = {l.product.code: offers.get(l, (l.unit_price, None))
                    for l in cart.lines}
                lines = {c: (p, n) for c, (p, *_, n) in lines.items()}
            else:
                untaxed, lines = None, {}
        return catalogue, lines, untaxed

    @with_transaction()
    def test_offer_portal_and_intake(self):
        """The portal's checkout and the intake quote at the campaign price,
        which the catalogue and the cart showed; the orders carry the
        marketing campaign, under which Tryton's and the DMS reports show
        their revenue"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        self.setup_offer()
        campaign = self.campaign("Summer", '0.1', ['AC-1'])
        sale = self.intake('PO-1', lines=[
                {'product_code': 'AC-1', 'quantity': 2},
                {'product_code': 'FR-1', 'quantity': 2}])
        # Gold: 800, less 10%
        self.assertEqual(self.prices(sale), [
                ('AC-1', Decimal('720.0000'), "Summer"),
                ('FR-1', Decimal('400.0000'), None)])
        self.assertEqual(sale.marketing_campaign, campaign.marketing_campaign)
        self.assertEqual(sale.untaxed_amount, Decimal('2240.00'))
        self.assertEqual(sale.untaxed_amount_cache, Decimal('2240.00'))
        self.assertEqual(sale.total_amount_cache, Decimal('2240.00'))

        # Silver: 900, less 10%
        with as_portal(pool, self.buyer_b):
            Sale.dms_quick_order(self.buyer_b, [('AC-1', '1'), ('FR-1', '2')])
        catalogue, cart, untaxed = self.shown(self.buyer_b, ['AC-1', 'FR-1'])
        self.assertEqual(catalogue, {
                'AC-1': (Decimal('810.0000'), "Summer"),
                'FR-1': (Decimal('450.0000'), None)})
        self.assertEqual(cart, catalogue)
        self.assertEqual(untaxed, Decimal('1710.00'))
        sale, shown = self.checkout(self.buyer_b, 'WEB-1', [])
        # The price shown is the price charged
        self.assertEqual(self.prices(sale), [
                ('AC-1', Decimal('810.0000'), "Summer"),
                ('FR-1', Decimal('450.0000'), None)])
        self.assertEqual([(p, c) for p, c in shown], [
                (Decimal('810.0000'), campaign), (Decimal('450.0000'), None)])
        self.assertEqual(sale.untaxed_amount_cache, untaxed)
        self.assertEqual(sale.marketing_campaign, campaign.marketing_campaign)
        # Back to draft, the dealer's prices; quoted again, the offer's
        Sale.draft([sale])
        self.assertEqual([l.unit_price for l in sale.lines],
            [Decimal('900.0000'), Decimal('450.0000')])
        self.assertIsNone(sale.marketing_campaign)
        Sale.quote([sale])
        self.assertEqual([l.unit_price for l in sale.lines],
            [Decimal('810.0000'), Decimal('450.0000')])
        self.assertEqual(sale.marketing_campaign, campaign.marketing_campaign)

        # Tryton's sales by marketing campaign and the DMS reports filtered
        # by it count the campaign's orders
        sales = Sale.search([('dealer', '!=', None)])
        sales.append(self.intake('PO-2', 'B', [
                    {'product_code': 'FR-1', 'quantity': 2}]))
        self.assertIsNone(sales[-1].marketing_campaign)
        Sale.confirm(sales)
        self.assert_reports(campaign.marketing_campaign,
            # A: 2 × 720 + 2 × 400; B: 810 + 2 × 450, and 2 × 450
            Decimal('2240.00'), Decimal('1710.00'), Decimal('900.00'))

    def assert_reports(self, marketing, revenue_a, revenue_b, other_b):
        pool = Pool()
        Marketing = pool.get('sale.reporting.marketing')
        DealerReport = pool.get('sale.reporting.dealer')
        context = {
            'company': self.company.id,
            'from_date': self.today - dt.timedelta(days=1),
            'to_date': self.today + dt.timedelta(days=1),
            }
        with Transaction().set_context(
                group_by_marketing_campaign=True, **context):
            revenue = {r.marketing_campaign: r.revenue
                for r in Marketing.search([])}
        self.assertEqual(revenue, {
                marketing: revenue_a + revenue_b, None: other_b})
        for summary in [True, False]:
            with self.subTest(summary=summary):
                with Transaction().set_context(
                        dms_summary=summary, **context):
                    revenue = {r.dealer.code: r.revenue
                        for r in DealerReport.search([])}
                self.assertEqual(revenue, {
                        'A': revenue_a, 'B': revenue_b + other_b})
                with Transaction().set_context(dms_summary=summary,
                        marketing_campaign=marketing.id, **context):
                    revenue = {r.dealer.code: r.revenue
                        for r in DealerReport.search([])}
                self.assertEqual(revenue, {'A': revenue_a, 'B': revenue_b})

    @with_transaction()
    def test_offer_participants_period(self):
        """A campaign for its participants prices only their orders, only
        while it runs"""
        pool = Pool()
        Campaign = pool.get('dms.campaign')
        self.setup_offer()
        campaign = self.campaign(
            "Launch", '0.25', ['FR-1'], participants=[self.dealer_a])
        lines = [{'product_code': 'FR-1', 'quantity': 2}]
        self.assertEqual(self.prices(self.intake('PO-A', 'A', lines)),
            [('FR-1', Decimal('300.0000'), "Launch")])
        sale = self.intake('PO-B', 'B', lines)
        self.assertEqual(self.prices(sale),
            [('FR-1', Decimal('450.0000'), None)])
        self.assertIsNone(sale.marketing_campaign)
        catalogue, _, _ = self.shown(self.buyer_b, ['FR-1'])
        self.assertEqual(catalogue, {'FR-1': (Decimal('450.0000'), None)})
        catalogue, _, _ = self.shown(self.buyer_a, ['FR-1'])
        self.assertEqual(catalogue, {'FR-1': (Decimal('300.0000'), "Launch")})

        Campaign.close([campaign])
        self.assertEqual(self.prices(self.intake('PO-A2', 'A', lines)),
            [('FR-1', Decimal('400.0000'), None)])
        catalogue, _, _ = self.shown(self.buyer_a, ['FR-1'])
        self.assertEqual(catalogue, {'FR-1': (Decimal('400.0000'), None)})

    @with_transaction()
    def test_offer_overlap(self):
        """Overlapping offers give the dealer the best price, not both; a
        stacking offer applies on the price left"""
        self.setup_offer()
        small = self.campaign("Small", '0.1', ['AC-1', 'FR-1'])
        big = self.campaign("Big", '0.2', ['AC-1'])
        sale = self.intake('PO-1', lines=[
                {'product_code': 'FR-1', 'quantity': 2},
                {'product_code': 'AC-1', 'quantity': 1}])
        self.assertEqual(self.prices(sale), [
                ('FR-1', Decimal('360.0000'), "Small"),
                ('AC-1', Decimal('640.0000'), "Big")])
        # Marked with the campaign that took the most off: Big (160 > 80)
        self.assertEqual(sale.marketing_campaign, big.marketing_campaign)
        self.assertNotEqual(small.marketing_campaign, big.marketing_campaign)

        self.campaign("Extra", '0.05', ['AC-1'], stackable=True)
        lines = [{'product_code': 'AC-1', 'quantity': 1}]
        # 800 less 20% (the best of the others), then less 5%
        self.assertEqual(self.prices(self.intake('PO-2', lines=lines)),
            [('AC-1', Decimal('608.0000'), "Extra")])
        catalogue, _, _ = self.shown(self.buyer_a, ['AC-1', 'FR-1'])
        self.assertEqual(catalogue, {
                'AC-1': (Decimal('608.0000'), "Extra"),
                'FR-1': (Decimal('360.0000'), "Small")})

    @with_transaction()
    def test_offer_credit(self):
        """The credit check counts the order at the campaign's price and
        the orders' stored amounts are the discounted ones"""
        pool = Pool()
        Party = pool.get('party.party')
        Tier = pool.get('dms.dealer.tier')
        self.setup_offer()
        Tier.write([self.gold], {'credit_limit_amount': Decimal(1500)})
        self.campaign("Summer", '0.1', ['AC-1'])
        # 2 × 800 = 1600 over the limit, 2 × 720 = 1440 within
        sale, _ = self.checkout(self.buyer_a, 'WEB-1', [('AC-1', '2')])
        self.assertEqual(sale.total_amount_cache, Decimal('1440.00'))
        self.assertEqual(
            Party.get_credit_amount([sale.party], 'credit_amount'),
            {sale.party.id: Decimal('1440.00')})
        result, = IntakeTestMixin.submit(self, [IntakeTestMixin.order(
                    self, 'PO-2', lines=[
                        {'product_code': 'GOLD-ONLY', 'quantity': 1}])])
        # 1440 + 80 = 1520 over the limit
        self.assertEqual(result['status'], 'rejected', result)
        self.assertEqual([e['code'] for e in result['errors']],
            ['credit_limit'])
        self.assertIn('1520.00', result['errors'][0]['message'])
