# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The campaign's plan, allocation, workflow, offer and live figures

The figures are checked on a history whose right answer is computed by
hand in the docstring of test_monitoring_known_answer."""
import datetime as dt
from decimal import Decimal

from dms_dealer.tests.tools import create_dealer, create_tier
from trytond.exceptions import UserError, UserWarning
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

START = dt.date(2026, 3, 1)
END = dt.date(2026, 3, 31)
# The first of the 31 days before the campaign
BEFORE = dt.date(2026, 1, 29)


class CampaignTestMixin:
    "The campaigns of dms_campaigns (run by DmsCampaignsTestCase)"

    def setup_campaign_data(self):
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        WebUser = pool.get('web.user')
        User = pool.get('res.user')
        company = create_company()
        self.company = company
        User.write([User(Transaction().user)], {
                'companies': [('add', [company.id])],
                'company': company.id,
                })
        self._company_context = set_company(company)
        self._company_context.__enter__()
        self.gold = create_tier(company, 'GOLD',
            marketing_fund_rate=Decimal('0.03'))
        self.silver = create_tier(company, 'SILVER',
            marketing_fund_rate=Decimal('0.01'))
        self.dealers = {}
        for code, tier in [('D1', self.gold), ('D2', self.silver),
                ('D3', self.gold), ('D4', self.silver),
                ('D5', self.gold)]:
            self.dealers[code] = create_dealer(company, code, tier=tier)
        Dealer.activate(list(self.dealers.values()))
        WebUser.create([{
                    'email': '%s@example.com' % code.lower(),
                    'dealer': dealer.id, 'dealer_role': 'admin',
                    } for code, dealer in self.dealers.items()])
        unit, = Uom.search([('name', '=', 'Unit')])
        self.unit = unit
        templates = Template.create([{
                    'name': code, 'code': code, 'type': 'goods',
                    'salable': True, 'list_price': Decimal(10),
                    'default_uom': unit.id, 'sale_uom': unit.id,
                    'products': [('create', [{'cost_price': cost}])],
                    } for code, cost in [
                    ('P1', Decimal(6)), ('P2', Decimal(3)),
                    ('P3', Decimal(1))]])
        self.products = {t.code: t.products[0] for t in templates}

    def tear_down_campaign_data(self):
        self._company_context.__exit__(None, None, None)

    def create_campaign(self, **values):
        pool = Pool()
        Campaign = pool.get('dms.campaign')
        campaign, = Campaign.create([{
                    'name': values.pop('name', "Spring"),
                    'start_date': values.pop('start_date', START),
                    'end_date': values.pop('end_date', END),
                    'budget': values.pop('budget', Decimal(1000)),
                    'products': [('add', [
                                p.id for p in values.pop('products', [
                                        self.products['P1'],
                                        self.products['P2']])])],
                    **values,
                    }])
        return campaign

    def participation(self, campaign, code):
        pool = Pool()
        Participation = pool.get('dms.campaign.participation')
        participation, = Participation.search([
                ('campaign', '=', campaign.id),
                ('dealer', '=', self.dealers[code].id),
                ])
        return participation

    def sell(self, code, date, lines, state='confirmed', promotion=None):
        """A sale of the dealer on date; lines: (product code, quantity,
        unit price[, original unit price])"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        dealer = self.dealers[code]
        party = dealer.party
        sale = Sale(company=self.company, party=party, dealer=dealer,
            invoice_address=party.addresses[0],
            shipment_address=party.addresses[0],
            currency=self.company.currency, sale_date=date)
        sale.lines = [Line(
                type='line', product=self.products[l[0]], unit=self.unit,
                quantity=l[1], unit_price=Decimal(l[2]),
                original_unit_price=(Decimal(l[3]) if len(l) > 3
                    else None),
                promotion=promotion if len(l) > 3 else None,
                description=l[0]) for l in lines]
        sale.save()
        Sale.write([sale], {'state': state})
        return sale

    @with_transaction()
    def test_allocation(self):
        "Test the budget's allocation rules never exceed the budget"
        pool = Pool()
        Participation = pool.get('dms.campaign.participation')
        self.setup_campaign_data()
        campaign = self.create_campaign(
            budget=Decimal(100), audience='tiers',
            tiers=[('add', [self.gold.id])])
        campaign.__class__.allocate([campaign])
        shares = sorted(p.allocation for p in campaign.participations)
        # Three gold dealers: 100 / 3, the cent left to the first
        self.assertEqual(shares, [
                Decimal('33.33'), Decimal('33.33'), Decimal('33.34')])
        self.assertEqual(campaign.allocated, Decimal(100))
        self.assertEqual(campaign.unallocated, Decimal(0))

        campaign.audience = 'all'
        campaign.allocation_rule = 'tier_rate'
        campaign.save()
        campaign.__class__.allocate([campaign])
        by_code = {p.dealer.code: p.allocation
            for p in campaign.participations}
        # 3 gold dealers at 3% and 2 silver at 1%: 11 parts, the cent
        # left to the first of the largest
        self.assertEqual(by_code, {
                'D1': Decimal('27.28'), 'D3': Decimal('27.27'),
                'D5': Decimal('27.27'), 'D2': Decimal('9.09'),
                'D4': Decimal('9.09')})
        self.assertEqual(sum(by_code.values()), Decimal(100))

        # By sell-in over the 31 days before the campaign
        self.sell('D1', BEFORE, [('P1', 30, 10)])
        self.sell('D2', BEFORE + dt.timedelta(days=5), [('P3', 10, 10)])
        self.sell('D3', BEFORE - dt.timedelta(days=1), [('P1', 50, 10)])
        self.sell('D4', BEFORE, [('P1', 50, 10)], state='draft')
        campaign.allocation_rule = 'sell_in'
        campaign.save()
        campaign.__class__.allocate([campaign])
        by_code = {p.dealer.code: p.allocation
            for p in campaign.participations}
        self.assertEqual(by_code, {
                'D1': Decimal(75), 'D2': Decimal(25), 'D3': Decimal(0),
                'D4': Decimal(0), 'D5': Decimal(0)})

        # Edited, but never over the budget
        d3 = self.participation(campaign, 'D3')
        with self.assertRaises(UserError) as cm:
            Participation.write([d3], {'allocation': Decimal('0.01')})
        self.assertIn('exceed its budget', cm.exception.message)
        Participation.write([self.participation(campaign, 'D1')],
            {'allocation': Decimal(50)})
        Participation.write([d3], {'allocation': Decimal(25)})
        with self.assertRaises(UserError):
            campaign.__class__.write([campaign], {'budget': Decimal(99)})
        self.tear_down_campaign_data()

    @with_transaction()
    def test_workflow_and_offer(self):
        """Test a campaign from its plan to its close: invitations, plans,
        the offer at quotation only for the participants, the log of
        changes"""
        pool = Pool()
        Campaign = pool.get('dms.campaign')
        Participation = pool.get('dms.campaign.participation')
        Notification = pool.get('dms.dealer.notification')
        Sale = pool.get('sale.sale')
        Date = pool.get('ir.date')
        self.setup_campaign_data()
        today = Date.today()
        campaign = self.create_campaign(
            audience='dealers',
            dealers=[('add', [self.dealers[c].id for c in ['D1', 'D2']])],
            start_date=today, end_date=today + dt.timedelta(days=30),
            budget=Decimal(200), discount=Decimal('0.1'))
        Campaign.propose([campaign])
        self.assertEqual(campaign.state, 'proposed')
        self.assertEqual(campaign.invited_count, 2)
        invitations = Notification.search([('kind', '=', 'campaign')])
        self.assertEqual(
            {n.dealer.code for n in invitations}, {'D1', 'D2'})
        self.assertTrue(all('Spring' in n.subject for n in invitations))
        # Proposing again invites nobody twice
        Campaign.draft([campaign])
        Campaign.propose([campaign])
        self.assertEqual(Notification.search(
                [('kind', '=', 'campaign')], count=True), 2)

        Campaign.allocate([campaign])
        d1 = self.participation(campaign, 'D1')
        d2 = self.participation(campaign, 'D2')
        self.assertEqual(d1.allocation, Decimal(100))
        with self.assertRaises(UserError) as cm:
            d1.submit({'plan': "Too much", 'requested_budget': Decimal(101)})
        self.assertIn('exceeds your allocation', cm.exception.message)
        self.assertEqual(d1.state, 'invited')
        d1.submit({
                'plan': "Window displays and a weekend event",
                'plan_start': today, 'plan_end': today,
                'expected_sales': Decimal(5000),
                'requested_budget': Decimal(80)})
        self.assertEqual(Participation(d1.id).state, 'proposed')
        d2.decline("No staff this month")
        self.assertEqual(Participation(d2.id).state, 'declined')
        Participation.approve([Participation(d1.id)])
        d1 = Participation(d1.id)
        self.assertEqual(d1.state, 'approved')
        self.assertEqual(d1.approved_budget, Decimal(80))
        self.assertEqual(campaign.participant_count, 1)

        Campaign.approve([campaign])
        campaign = Campaign(campaign.id)
        self.assertTrue(campaign.promotion)
        self.assertFalse(campaign.promotion.active)
        self.assertTrue(campaign.marketing_campaign)

        def quote(code):
            dealer = self.dealers[code]
            sale = Sale(company=self.company, party=dealer.party,
                dealer=dealer, invoice_address=dealer.party.addresses[0],
                shipment_address=dealer.party.addresses[0],
                sale_date=today)
            line = sale.lines = [pool.get('sale.line')(
                    type='line', product=self.products['P1'],
                    unit=self.unit, quantity=4, unit_price=Decimal(10))]
            line, = sale.lines
            sale.save()
            Sale.quote([sale])
            return Sale(sale.id)

        # Not yet running: no offer
        self.assertEqual(quote('D1').lines[0].unit_price, Decimal(10))
        Campaign.run([campaign])
        self.assertTrue(Campaign(campaign.id).promotion.active)
        sale = quote('D1')
        self.assertEqual(sale.lines[0].unit_price, Decimal(9))
        self.assertEqual(sale.lines[0].promotion, campaign.promotion)
        self.assertEqual(sale.marketing_campaign,
            campaign.marketing_campaign)
        self.assertEqual(sale.untaxed_amount, Decimal(36))
        # D2 declined: its orders keep the dealer's price
        sale = quote('D2')
        self.assertEqual(sale.lines[0].unit_price, Decimal(10))
        self.assertIsNone(sale.marketing_campaign)
        # Back to draft: the dealer's price again and no campaign
        sale = quote('D1')
        Sale.draft([sale])
        sale = Sale(sale.id)
        self.assertEqual(sale.lines[0].unit_price, Decimal(10))
        self.assertIsNone(sale.marketing_campaign)

        # A deeper offer while it runs: logged, told, applied
        Campaign.write([campaign], {
                'discount': Decimal('0.2'),
                'end_date': today + dt.timedelta(days=40)})
        campaign = Campaign(campaign.id)
        self.assertEqual(
            sorted(c.field for c in campaign.changes),
            ['discount', 'end_date'])
        change, = [c for c in campaign.changes if c.field == 'discount']
        self.assertEqual(
            (change.old_value, change.new_value), ('10.00%', '20.00%'))
        self.assertEqual(campaign.promotion.end_date,
            today + dt.timedelta(days=40))
        told = Notification.search([
                ('kind', '=', 'campaign'),
                ('subject', 'like', '%has changed%')])
        self.assertEqual([n.dealer.code for n in told], ['D1'])
        self.assertEqual(quote('D1').lines[0].unit_price, Decimal(8))

        Campaign.close([campaign])
        self.assertFalse(Campaign(campaign.id).promotion.active)
        self.assertEqual(quote('D1').lines[0].unit_price, Decimal(10))
        with self.assertRaises(UserError):
            Campaign.delete([campaign])
        self.tear_down_campaign_data()

    @with_transaction()
    def test_dates_and_overlap(self):
        """Test the scheduled job runs and closes campaigns on their dates
        and the approval warns of an overlapping offer"""
        pool = Pool()
        Campaign = pool.get('dms.campaign')
        Date = pool.get('ir.date')
        self.setup_campaign_data()
        today = Date.today()
        first = self.create_campaign(
            name="First", start_date=today,
            end_date=today + dt.timedelta(days=10), discount=Decimal('0.1'))
        past = self.create_campaign(
            name="Past", start_date=today - dt.timedelta(days=20),
            end_date=today - dt.timedelta(days=1))
        Campaign.propose([first, past])
        Campaign.approve([first, past])
        Campaign.update_states()
        self.assertEqual(Campaign(first.id).state, 'running')
        self.assertEqual(Campaign(past.id).state, 'closed')

        second = self.create_campaign(
            name="Second", start_date=today + dt.timedelta(days=5),
            end_date=today + dt.timedelta(days=20), discount=Decimal('0.15'),
            products=[self.products['P1']])
        Campaign.propose([second])
        with self.assertRaises(UserWarning) as cm:
            Campaign.approve([second])
        self.assertIn('First', cm.exception.message)
        self.tear_down_campaign_data()

    @with_transaction()
    def test_monitoring_known_answer(self):
        """Test the live figures on a history whose answer is known

        Campaign 1-31 March on P1 and P2, 10% off; D1 and D2 take part, D3
        was invited and did not answer, D4 declined (D3 and D4 are the
        control group); D5 is outside the audience.  The 31 days before:
        D1 100 (P1 10 x 10), D2 100 (P2 20 x 5), D3 100, D4 100.  During:
        D1 135 (P1 15 x 9, list 10), D2 90 (P2 20 x 4.5, list 5) and 100 of
        P3 (not a campaign product), D3 110, D4 100; D5 500.
        Participants: 225 against 200, +12.5%; control 210 against 200,
        +5%; uplift 7.5 points; expected 200 x 1.05 = 210, incremental 15.
        D1: expected 105, incremental 30, cost 15 x 6 = 90, margin rate
        45/135, incremental margin 10; D2: expected 105, incremental -15,
        cost 20 x 3 = 60, margin rate 30/90, incremental margin -5.
        Discount given 15 + 10 = 25; ROI 5 / 25 = 0.2."""
        pool = Pool()
        Campaign = pool.get('dms.campaign')
        Participation = pool.get('dms.campaign.participation')
        Activity = pool.get('dms.campaign.activity')
        Monitor = pool.get('dms.campaign.monitor')
        Evaluation = pool.get('dms.campaign.evaluation')
        EvaluationReport = pool.get(
            'dms.campaign.evaluation_report', type='report')
        self.setup_campaign_data()
        campaign = self.create_campaign(
            audience='dealers', discount=Decimal('0.1'),
            dealers=[('add', [
                        self.dealers[c].id for c in ['D1', 'D2', 'D3', 'D4']])])
        Campaign.propose([campaign])
        Campaign.allocate([campaign])
        for code in ['D1', 'D2']:
            self.participation(campaign, code).submit(
                {'requested_budget': Decimal(100)})
        self.participation(campaign, 'D4').decline("No")
        Participation.approve([
                self.participation(campaign, c) for c in ['D1', 'D2']])
        Campaign.approve([campaign])
        campaign = Campaign(campaign.id)
        promotion = campaign.promotion
        before = dt.date(2026, 2, 10)
        during = dt.date(2026, 3, 10)
        self.sell('D1', before, [('P1', 10, 10)])
        self.sell('D2', before, [('P2', 20, 5)])
        self.sell('D3', before, [('P1', 10, 10)])
        self.sell('D4', before, [('P2', 20, 5)])
        self.sell('D1', during, [('P1', 15, 9, 10)], promotion=promotion)
        self.sell('D2', during, [('P2', 20, '4.5', 5), ('P3', 10, 10)],
            promotion=promotion)
        self.sell('D3', during, [('P1', 11, 10)])
        self.sell('D4', during, [('P2', 20, 5)])
        self.sell('D5', during, [('P1', 50, 10)])
        # Not counted: a quotation, a cancelled order, after the campaign
        self.sell('D1', during, [('P1', 99, 10)], state='quotation')
        self.sell('D1', during, [('P1', 99, 10)], state='cancelled')
        self.sell('D1', dt.date(2026, 4, 1), [('P1', 99, 10)])
        Activity.create([{
                    'participation': self.participation(campaign, 'D1').id,
                    'date': during, 'kind': 'event',
                    'participants': 40, 'gifts': 12,
                    }, {
                    'participation': self.participation(campaign, 'D1').id,
                    'date': during, 'kind': 'display'}])
        # Closed: the whole period counts
        Campaign.run([campaign])
        Campaign.close([campaign])
        campaign = Campaign(campaign.id)
        self.assertEqual(campaign.revenue, Decimal(225))
        self.assertEqual(campaign.previous_revenue, Decimal(200))
        self.assertAlmostEqual(campaign.revenue_growth, 12.5)
        self.assertEqual(campaign.order_count, 2)
        self.assertAlmostEqual(campaign.control_growth, 5.0)
        self.assertAlmostEqual(campaign.uplift, 7.5)
        self.assertEqual(campaign.expected_revenue, Decimal(210))
        self.assertEqual(campaign.incremental_revenue, Decimal(15))
        self.assertEqual(campaign.incremental_margin, Decimal(5))
        self.assertEqual(campaign.discount_given, Decimal(25))
        self.assertAlmostEqual(campaign.roi, 0.2)
        self.assertEqual(campaign.approved_budget, Decimal(200))
        self.assertEqual(
            (campaign.activity_count, campaign.people_reached,
                campaign.gifts), (2, 40, 12))

        d1 = self.participation(campaign, 'D1')
        self.assertEqual(
            (d1.revenue, d1.previous_revenue, d1.incremental_revenue,
                d1.discount_given, d1.gifts),
            (Decimal(135), Decimal(100), Decimal(30), Decimal(15), 12))
        self.assertAlmostEqual(d1.revenue_growth, 35.0)
        self.assertAlmostEqual(d1.roi, 10 / 15)
        figures = self.participation(campaign, 'D2').dms_figures()
        self.assertEqual(figures['revenue'], Decimal(90))
        self.assertEqual(figures['incremental_revenue'], Decimal(-15))

        # The evaluation freezes the figures, per dealer and by what the
        # dealers did
        Campaign.evaluate([campaign])
        self.assertEqual(Campaign(campaign.id).state, 'evaluated')
        evaluations = {
            (e.dimension, e.dealer.code if e.dealer else e.activity_kind
                or (e.tier.code if e.tier else None)): e
            for e in Evaluation.search([('campaign', '=', campaign.id)])}
        total = evaluations['campaign', None]
        self.assertEqual(
            (total.dealers, total.revenue, total.incremental_revenue,
                total.incremental_margin, total.discount_given),
            (2, Decimal(225), Decimal(15), Decimal(5), Decimal(25)))
        self.assertAlmostEqual(total.roi, 0.2)
        self.assertEqual(
            evaluations['dealer', 'D2'].incremental_revenue, Decimal(-15))
        # D1 held an event and a display, D2 nothing
        self.assertEqual(
            evaluations['activity', 'event'].incremental_revenue,
            Decimal(30))
        self.assertEqual(
            evaluations['activity', 'display'].dealers, 1)
        self.assertEqual(
            evaluations['activity', 'none'].incremental_revenue,
            Decimal(-15))
        self.assertEqual(evaluations['tier', 'GOLD'].roi, 0.67)
        self.assertEqual(evaluations['tier', 'SILVER'].roi, -0.5)
        oext, content, _, name = EvaluationReport.execute(
            [campaign.id], {'model': 'dms.campaign', 'ids': [campaign.id],
                'id': campaign.id, 'action_id': None})
        self.assertEqual(oext, 'pdf')
        self.assertTrue(bytes(content).startswith(b'%PDF'))

        # Per dealer in the back office, participants then control group
        with Transaction().set_context(dms_campaign=campaign.id):
            rows = Monitor.search([])
            self.assertEqual(
                {r.dealer.code: r.revenue for r in rows},
                {'D1': Decimal(135), 'D2': Decimal(90)})
            with Transaction().set_context(dms_campaign_group='control'):
                rows = Monitor.search([])
                self.assertEqual(
                    {r.dealer.code: (r.revenue, r.previous_revenue)
                        for r in rows},
                    {'D3': (Decimal(110), Decimal(100)),
                        'D4': (Decimal(100), Decimal(100))})

        # When the whole audience takes part, the control group is the
        # participants' tiers outside the audience: D5 (gold, like D1)
        Participation.write([self.participation(campaign, 'D4')],
            {'state': 'approved'})
        Participation.write([self.participation(campaign, 'D3')],
            {'state': 'approved'})
        with Transaction().set_context(
                dms_campaign=campaign.id, dms_campaign_group='control'):
            rows = Monitor.search([])
            self.assertEqual(
                {r.dealer.code: r.revenue for r in rows},
                {'D5': Decimal(500)})
        self.tear_down_campaign_data()
