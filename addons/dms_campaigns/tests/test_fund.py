# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The dealers' marketing funds, their claims and the settlement of the
claims (credit note, deduction on the next orders), and the portal pages of
the fund and the claims"""
import datetime as dt
import functools
import io
from decimal import Decimal
from http import HTTPStatus

from dms_dealer.tests.tools import create_dealer, create_tier
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.account.tests import create_chart
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase, with_transaction
from trytond.transaction import Transaction

from dms_portal.tests.tools import PortalClientMixin

PNG = b'\x89PNG\r\n\x1a\n' + b'\0' * 64
PASSWORD = 'portal-secret-1'
ADMIN = 1


def fund_transaction(func):
    "A test in a transaction that leaves the company's context at its end"
    @functools.wraps(func)
    def wrapper(self):
        try:
            return func(self)
        finally:
            if getattr(self, '_company_context', None):
                self.tear_down_campaign_data()
                self._company_context = None
    return with_transaction()(wrapper)


def today():
    return Pool().get('ir.date').today()


class FundTestMixin:
    "Tests of the module's fund part (run by DmsCampaignsTestCase)"

    def setup_fund(self):
        """The campaign data (CampaignTestMixin) and a running campaign of
        this month with D1 and D2 approved for 300 and 100"""
        pool = Pool()
        Campaign = pool.get('dms.campaign')
        Participation = pool.get('dms.campaign.participation')
        self.setup_campaign_data()
        campaign = self.create_campaign(
            start_date=today() - dt.timedelta(days=10),
            end_date=today() + dt.timedelta(days=10),
            audience='dealers', budget=Decimal(1000),
            dealers=[('add', [
                        self.dealers['D1'].id, self.dealers['D2'].id])])
        Campaign.allocate([campaign])
        Campaign.propose([campaign])
        for code, budget in [('D1', 300), ('D2', 100)]:
            participation = self.participation(campaign, code)
            participation.submit({
                    'plan': "Window display",
                    'requested_budget': Decimal(budget),
                    })
            Participation.approve([participation])
        self.campaign = Campaign(campaign.id)
        return self.campaign

    def order(self, code, amount, state='confirmed'):
        "An order of the dealer of amount (untaxed) taken to state"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        dealer = self.dealers[code]
        party = dealer.party
        sale = Sale(company=self.company, party=party, dealer=dealer,
            invoice_address=party.addresses[0],
            shipment_address=party.addresses[0],
            currency=self.company.currency)
        sale.lines = [Line(
                type='line', product=self.products['P3'], unit=self.unit,
                quantity=1, unit_price=Decimal(amount), description="P3")]
        sale.save()
        if state in {'quotation', 'confirmed'}:
            Sale.quote([sale])
        if state == 'confirmed':
            Sale.confirm([sale])
        return Sale(sale.id)

    def fund_lines(self, code, kind=None):
        pool = Pool()
        Line = pool.get('dms.campaign.fund.line')
        domain = [('dealer', '=', self.dealers[code].id)]
        if kind:
            domain.append(('kind', '=', kind))
        return Line.search(domain, order=[('id', 'ASC')])

    def balance(self, code):
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        return Dealer(self.dealers[code].id).marketing_fund_balance

    def claim(self, code, amount, proof=True, submit=True):
        pool = Pool()
        Claim = pool.get('dms.campaign.claim')
        Attachment = pool.get('ir.attachment')
        claim, = Claim.create([{
                    'participation': self.participation(
                        self.campaign, code).id,
                    'amount': Decimal(amount),
                    'description': "Leaflets and a local event",
                    }])
        if proof:
            Attachment.create([{
                        'name': 'invoice.png', 'resource': str(claim),
                        'type': 'data', 'data': PNG}])
        if submit:
            Claim.submit([claim])
        return Claim(claim.id)

    def configure_settlement(self, method):
        "Accounts and the marketing product to settle by method"
        pool = Pool()
        Account = pool.get('account.account')
        Category = pool.get('product.category')
        Template = pool.get('product.template')
        Configuration = pool.get('dms.configuration')
        create_chart(self.company)
        revenue, = Account.search([
                ('type.revenue', '=', True), ('closed', '!=', True),
                ], limit=1)
        category, = Category.create([{
                    'name': "Marketing", 'accounting': True,
                    'account_revenue': revenue.id}])
        template, = Template.create([{
                    'name': "Marketing support", 'type': 'service',
                    'salable': True, 'list_price': Decimal(0),
                    'default_uom': self.unit.id, 'sale_uom': self.unit.id,
                    'account_category': category.id,
                    'products': [('create', [{}])],
                    }])
        config = Configuration(1)
        config.claim_settlement = method
        config.claim_product = template.products[0]
        config.save()
        self.revenue = revenue
        return template.products[0]

    @fund_transaction
    def test_fund_accrual(self):
        """Test a confirmed order accrues the tier's rate once, reversed
        when the order goes back to draft or is cancelled"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Dealer = pool.get('dms.dealer')
        self.setup_campaign_data()
        quoted = self.order('D1', 1000, state='quotation')
        self.assertFalse(self.fund_lines('D1'))
        Sale.confirm([quoted])
        # Gold: 3%
        accrual, = self.fund_lines('D1')
        self.assertEqual(
            (accrual.kind, accrual.amount, accrual.origin),
            ('accrual', Decimal(30), quoted))
        self.order('D2', 500)
        d1, d2, d3 = Dealer.browse([self.dealers[c].id
                for c in ['D1', 'D2', 'D3']])
        self.assertEqual(
            [d.marketing_fund_balance for d in [d1, d2, d3]],
            [Decimal(30), Decimal(5), Decimal(0)])

        Sale.draft([quoted])
        self.assertEqual(
            [l.amount for l in self.fund_lines('D1')],
            [Decimal(30), Decimal(-30)])
        self.assertEqual(self.balance('D1'), Decimal(0))
        # Confirmed again: accrued again, once
        Sale.quote([quoted])
        Sale.confirm([quoted])
        Sale.confirm([quoted])
        self.assertEqual(self.balance('D1'), Decimal(30))
        Sale.draft([quoted])
        Sale.cancel([quoted])
        self.assertEqual(self.balance('D1'), Decimal(0))
        # An order cancelled before its confirmation accrued nothing
        other = self.order('D1', 200, state='quotation')
        Sale.cancel([other])
        self.assertEqual(len(self.fund_lines('D1')), 4)

        # The ledger is the system's but for the adjustments
        line = self.fund_lines('D1')[0]
        with Transaction().set_context(_check_access=True):
            with self.assertRaises(AccessError):
                line.__class__.write([line], {'amount': Decimal(1000)})
            with self.assertRaises(AccessError):
                line.__class__.delete([line])
            adjustment, = line.__class__.create([{
                        'dealer': self.dealers['D1'].id,
                        'amount': Decimal(12),
                        'description': "Correction",
                        }])
        self.assertEqual(adjustment.kind, 'adjustment')
        self.assertEqual(self.balance('D1'), Decimal(12))

    @fund_transaction
    def test_claim_lifecycle(self):
        """Test a claim with proof is submitted, approved in part and takes
        its approved amount from the fund; claims over what is left, after
        the deadline, without proof or on a plan not approved are
        refused"""
        pool = Pool()
        Claim = pool.get('dms.campaign.claim')
        Campaign = pool.get('dms.campaign')
        Notification = pool.get('dms.dealer.notification')
        self.setup_fund()
        # The approved budgets are allocated to the funds
        allocation, = self.fund_lines('D1')
        self.assertEqual(
            (allocation.kind, allocation.amount),
            ('allocation', Decimal(300)))
        self.assertEqual(self.balance('D1'), Decimal(300))

        # Without proof
        draft = self.claim('D1', 100, proof=False, submit=False)
        with self.assertRaisesRegex(UserError, "has no proof"):
            Claim.submit([draft])
        self.assertEqual(Claim(draft.id).state, 'draft')
        # Over the approved budget
        over = self.claim('D1', 301, submit=False)
        with self.assertRaisesRegex(UserError, "at most"):
            Claim.submit([over])
        Claim.delete([draft, over])

        claim = self.claim('D1', 200)
        self.assertEqual(claim.state, 'submitted')
        self.assertEqual(claim.proof_count, 1)
        self.assertTrue(Notification.search([
                    ('resource', '=', str(claim)),
                    ('kind', '=', 'campaign'),
                    ]))
        # The fund is taken when the claim is approved
        self.assertEqual(self.balance('D1'), Decimal(300))

        # Partial approval: never more than claimed
        claim.approved_amount = Decimal(250)
        with self.assertRaisesRegex(UserError, "more than the amount"):
            claim.save()
        claim = Claim(claim.id)
        claim.approved_amount = Decimal(150)
        claim.comment = "The event photos are missing"
        claim.save()
        Claim.approve([claim])
        self.assertEqual(claim.state, 'approved')
        self.assertEqual(self.balance('D1'), Decimal(150))
        line = self.fund_lines('D1', 'claim')[0]
        self.assertEqual((line.amount, line.claim), (Decimal(-150), claim))

        # What is left of the approved budget
        second = self.claim('D1', 200, submit=False)
        with self.assertRaisesRegex(UserError, "at most"):
            Claim.submit([second])
        second.amount = Decimal(150)
        second.save()
        Claim.submit([second])
        # Two claims approved together share what is left
        third = self.claim('D1', 10)
        with self.assertRaisesRegex(UserError, "at most"):
            Claim.approve([second, third])
        Claim.reject([third])
        self.assertEqual(third.state, 'rejected')
        self.assertEqual(self.balance('D1'), Decimal(150))

        # The accrued fund is claimed beyond the approved budget
        self.order('D1', 1000)
        self.assertEqual(self.balance('D1'), Decimal(180))
        self.assertEqual(
            Claim.claimable([self.participation(self.campaign, 'D1')]),
            {self.participation(self.campaign, 'D1').id: Decimal(180)})
        Claim.approve([second])
        self.assertEqual(self.balance('D1'), Decimal(30))

        # After the deadline
        Campaign.write([self.campaign], {
                'claim_deadline': today() - dt.timedelta(days=1)})
        late = self.claim('D1', 10, submit=False)
        with self.assertRaisesRegex(UserError, "were due by"):
            Claim.submit([late])
        # The default deadline: 30 days after the end
        Campaign.write([self.campaign], {'claim_deadline': None})
        self.assertEqual(Claim(late.id).deadline,
            self.campaign.end_date + dt.timedelta(days=30))

        # Only on approved participations, for an amount
        with self.assertRaises(UserError):
            Claim.create([{
                        'participation': self.participation(
                            self.campaign, 'D1').id,
                        'amount': Decimal(-1),
                        'description': "Negative",
                        }])
        other = self.create_campaign(name="Other", audience='dealers',
            dealers=[('add', [self.dealers['D3'].id])])
        Campaign.propose([other])
        invited = self.participation(other, 'D3')
        self.assertEqual(invited.state, 'invited')
        with self.assertRaises(UserError):
            Claim.create([{
                        'participation': invited.id,
                        'amount': Decimal(10),
                        'description': "Not approved",
                        }])

    @fund_transaction
    def test_settlement_credit_note(self):
        """Test an approved claim is settled by a credit note of the
        dealer's party for the approved amount"""
        pool = Pool()
        Claim = pool.get('dms.campaign.claim')
        Configuration = pool.get('dms.configuration')
        self.setup_fund()
        claim = self.claim('D2', 80)
        Claim.approve([claim])
        # Not configured: a clear error
        config = Configuration(1)
        config.claim_product = None
        config.save()
        with self.assertRaisesRegex(UserError, "marketing product"):
            Claim.settle([claim])
        product = self.configure_settlement('credit_note')
        Claim.settle([claim])
        claim = Claim(claim.id)
        self.assertEqual(claim.state, 'settled')
        self.assertEqual(claim.settlement_method, 'credit_note')
        invoice = claim.credit_note
        self.assertEqual(invoice.type, 'out')
        self.assertEqual(invoice.party, self.dealers['D2'].party)
        self.assertEqual(invoice.state, 'draft')
        self.assertEqual(invoice.untaxed_amount, Decimal(-80))
        line, = invoice.lines
        self.assertEqual(
            (line.product, line.quantity, line.unit_price, line.account),
            (product, -1, Decimal(80), self.revenue))
        self.assertEqual(claim.paid, Decimal(80))
        settlement, = self.fund_lines('D2', 'settlement')
        self.assertEqual(
            (settlement.amount, settlement.paid, settlement.origin),
            (Decimal(0), Decimal(80), invoice))
        # Allocation 100 less the claim
        self.assertEqual(self.balance('D2'), Decimal(20))
        # Settled again (by a job, not the button): no second document,
        # and a claim not approved is not paid
        Invoice = pool.get('account.invoice')
        invoices = Invoice.search([])
        other = self.claim('D2', 10)
        Claim.settle([claim, other])
        self.assertEqual(Invoice.search([]), invoices)
        self.assertEqual(Claim(claim.id).credit_note, invoice)
        self.assertEqual(Claim(claim.id).paid, Decimal(80))
        self.assertEqual(Claim(other.id).state, other.state)
        self.assertIsNone(Claim(other.id).settlement_method)
        self.assertEqual(len(self.fund_lines('D2', 'settlement')), 1)

    @fund_transaction
    def test_settlement_deduction(self):
        """Test a claim settled by deduction is deducted from the next
        orders, never more than an order's amount, the rest on the next
        order, never twice"""
        pool = Pool()
        Claim = pool.get('dms.campaign.claim')
        Sale = pool.get('sale.sale')
        Dealer = pool.get('dms.dealer')
        self.setup_fund()
        product = self.configure_settlement('deduction')
        claim = self.claim('D1', 250)
        Claim.approve([claim])
        Claim.settle([claim])
        claim = Claim(claim.id)
        self.assertEqual(
            (claim.state, claim.settlement_method, claim.paid),
            ('settled', 'deduction', Decimal(0)))

        def deductions(sale):
            return [l.unit_price for l in Sale(sale.id).lines
                if l.dms_claim]

        first = self.order('D1', 100, state='quotation')
        self.assertEqual(deductions(first), [Decimal(-100)])
        first = Sale(first.id)
        self.assertEqual(first.untaxed_amount, Decimal(0))
        line, = [l for l in first.lines if l.dms_claim]
        self.assertEqual((line.product, line.dms_claim), (product, claim))
        self.assertEqual(Claim(claim.id).paid, Decimal(100))
        # Another dealer's order deducts nothing
        self.assertEqual(deductions(self.order('D2', 100, 'quotation')), [])

        second = self.order('D1', 500, state='quotation')
        self.assertEqual(deductions(second), [Decimal(-150)])
        self.assertEqual(Sale(second.id).untaxed_amount, Decimal(350))
        self.assertEqual(Claim(claim.id).paid, Decimal(250))
        # Quoted again: the same deduction, not a second one
        Sale.draft([second])
        self.assertEqual(Claim(claim.id).paid, Decimal(100))
        Sale.quote([second])
        self.assertEqual(deductions(second), [Decimal(-150)])
        self.assertEqual(Claim(claim.id).paid, Decimal(250))
        # Nothing left for the next order
        self.assertEqual(deductions(self.order('D1', 100, 'quotation')), [])

        # A cancelled order gives its deduction to the next one
        Sale.cancel([first])
        self.assertEqual(Claim(claim.id).paid, Decimal(150))
        third = self.order('D1', 300, state='confirmed')
        self.assertEqual(deductions(third), [Decimal(-100)])
        self.assertEqual(Claim(claim.id).paid, Decimal(250))
        paid = [l.paid for l in self.fund_lines('D1', 'settlement')]
        self.assertEqual(sorted(paid), [Decimal(100), Decimal(150)])
        d1 = Dealer(self.dealers['D1'].id)
        # 300 allocated - 250 claimed + 3% of third's 200 net
        self.assertEqual(d1.marketing_fund_balance, Decimal(56))
        self.assertEqual(d1.marketing_fund_to_pay, Decimal(0))


class FundPortalTestCase(PortalClientMixin, RouteTestCase):
    "Test the fund and claim pages of the portal, each dealer its own"
    module = 'dms_campaigns'
    password = PASSWORD

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        WebUser = pool.get('web.user')
        Campaign = pool.get('dms.campaign')
        Participation = pool.get('dms.campaign.participation')
        Line = pool.get('dms.campaign.fund.line')
        Date = pool.get('ir.date')
        company = create_company()
        cls.company = company.id
        with set_company(company):
            tier = create_tier(company, 'GOLD',
                marketing_fund_rate=Decimal('0.03'))
            dealer_a = create_dealer(company, 'A', tier=tier)
            dealer_b = create_dealer(company, 'B', tier=tier)
            Dealer.activate([dealer_a, dealer_b])
            cls.dealer_a, cls.dealer_b = dealer_a.id, dealer_b.id
            WebUser.create([{
                        'email': email, 'password': PASSWORD,
                        'dealer': dealer.id, 'dealer_role': 'admin',
                        } for email, dealer in [
                        ('a@example.com', dealer_a),
                        ('b@example.com', dealer_b)]])
            today = Date.today()
            campaign, = Campaign.create([{
                        'name': "Summer", 'budget': Decimal(1000),
                        'start_date': today - dt.timedelta(days=5),
                        'end_date': today + dt.timedelta(days=5),
                        'audience': 'dealers',
                        'dealers': [('add', [dealer_a.id, dealer_b.id])],
                        }])
            Campaign.allocate([campaign])
            Campaign.propose([campaign])
            cls.campaign = campaign.id
            for participation in campaign.participations:
                participation.submit({
                        'plan': "Event", 'requested_budget': Decimal(200)})
                Participation.approve([participation])
            Line.create([{
                        'dealer': dealer_b.id, 'amount': Decimal(7),
                        'description': "B's own adjustment",
                        }])

    def staff(self, func):
        with Transaction().start(self.db_name, ADMIN) as transaction, \
                transaction.set_context(company=self.company,
                    companies=[self.company]):
            result = func()
            transaction.commit()
        return result

    def test_claim_with_proof_and_isolation(self):
        """Test a dealer claims with proof in the portal, sees its claim,
        file and fund, and gets a 404 for another dealer's"""
        client_a = self.client_for('a@example.com')
        client_b = self.client_for('b@example.com')
        claims = 'campaigns/%s/claims' % self.campaign
        page = client_a.get(self.url(claims))
        self.assertEqual(page.status_code, HTTPStatus.OK)
        self.assertIn('id="claimable"', page.get_data(as_text=True))

        # Without proof, with a bad amount: refused, nothing saved
        response = self.post(client_a, claims + '/new',
            amount='12x', description="Leaflets")
        self.assertEqual(response.status_code, HTTPStatus.BAD_REQUEST)
        text = response.get_data(as_text=True)
        self.assertIn('id="error-amount"', text)
        self.assertIn('id="error-file"', text)
        # Over what may be claimed
        response = self.post(client_a, claims + '/new',
            amount='201', description="Leaflets",
            file=(io.BytesIO(PNG), 'invoice.png'))
        self.assertEqual(response.status_code, HTTPStatus.BAD_REQUEST)
        self.assertIn('id="error-amount"', response.get_data(as_text=True))
        # A file that is not what it says
        response = self.post(client_a, claims + '/new',
            amount='120', description="Leaflets",
            file=(io.BytesIO(b'MZ...'), 'invoice.pdf'))
        self.assertEqual(response.status_code, HTTPStatus.BAD_REQUEST)

        def count():
            return Pool().get('dms.campaign.claim').search([], count=True)
        self.assertEqual(self.staff(count), 0)

        response = self.post(client_a, claims + '/new',
            amount='120.50', description="Leaflets and an event",
            file=(io.BytesIO(PNG), 'invoice.png'))
        self.assertEqual(response.status_code, HTTPStatus.SEE_OTHER)
        path = response.location.split('/portal/')[1]
        claim_id = int(path.split('/')[1])
        page = client_a.get(self.url(path)).get_data(as_text=True)
        self.assertIn('invoice.png', page)
        self.assertIn('data-state="submitted"', page)

        def files():
            Attachment = Pool().get('ir.attachment')
            return [a.id for a in Attachment.search([
                        ('resource', '=', 'dms.campaign.claim,%s'
                            % claim_id)])]
        file_id, = self.staff(files)
        download = client_a.get(self.url(
                'claims/%s/files/%s' % (claim_id, file_id)))
        self.assertEqual(download.status_code, HTTPStatus.OK)
        self.assertEqual(download.data, PNG)

        def approve():
            Claim = Pool().get('dms.campaign.claim')
            Claim.approve([Claim(claim_id)])
        self.staff(approve)
        fund = client_a.get(self.url('fund')).get_data(as_text=True)
        # 200 allocated - 120.50 claimed
        self.assertIn('79.50', fund)
        self.assertIn('data-kind="claim"', fund)
        # The allocation leads to its campaign, the claim to its page
        self.assertIn('portal/campaigns/%s"' % self.campaign, fund)
        self.assertIn('portal/claims/%s"' % claim_id, fund)
        self.assertNotIn("B&#39;s own adjustment", fund)

        # Dealer B: none of A's claim, file or ledger
        for path in [
                'claims/%s' % claim_id,
                'claims/%s/files/%s' % (claim_id, file_id)]:
            self.assertEqual(client_b.get(self.url(path)).status_code,
                HTTPStatus.NOT_FOUND, path)
        fund_b = client_b.get(self.url('fund')).get_data(as_text=True)
        self.assertNotIn('data-kind="claim"', fund_b)
        self.assertIn("own adjustment", fund_b)
        listing = client_b.get(self.url(claims)).get_data(as_text=True)
        self.assertNotIn('data-id="%s"' % claim_id, listing)
        # No campaign of its own: 404
        self.assertEqual(client_b.get(self.url(
                    'campaigns/999/claims')).status_code,
            HTTPStatus.NOT_FOUND)
        response = self.post(client_b, 'claims/%s/chat' % claim_id,
            content="Mine?")
        self.assertEqual(response.status_code, HTTPStatus.NOT_FOUND)
