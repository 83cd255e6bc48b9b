# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The settlement of the approved claims, as the DMS configuration says

- *Credit note*: a customer credit note of the dealer's party (an invoice
  of Tryton's accounting with a negative quantity of the configured
  marketing product, whose revenue account takes the expense), left in
  draft for the accountant to check and post;
- *Deduction* (返利抵扣): the claim's amount is deducted from the dealer's
  next orders when they are quoted, as lines of the marketing product at a
  negative price: never more than an order's amount, the rest on the next
  order.  Each deduction is a settlement line of the fund's ledger; an order
  quoted again or cancelled gives its deductions back, so nothing is
  deducted twice."""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .claim import SETTLEMENT_METHODS, ClaimError


class Configuration(metaclass=PoolMeta):
    __name__ = 'dms.configuration'
    claim_settlement = fields.Selection(
        SETTLEMENT_METHODS, "Claim Settlement", required=True,
        help="How the approved marketing claims are paid to the dealers.")
    claim_product = fields.Many2One(
        'product.product', "Marketing Product",
        domain=[
            ('type', '=', 'service'),
            ],
        help="The service of the credit notes and order deductions that "
        "pay the claims; its revenue account takes the marketing expense.")

    @classmethod
    def default_claim_settlement(cls):
        return 'credit_note'


class Claim(metaclass=PoolMeta):
    __name__ = 'dms.campaign.claim'

    deduction_lines = fields.One2Many(
        'sale.line', 'dms_claim', "Deductions", readonly=True,
        states={
            'invisible': Eval('settlement_method') != 'deduction',
            })

    @classmethod
    def settle(cls, claims):
        pool = Pool()
        Configuration = pool.get('dms.configuration')
        # The documents of the claims the transition moves only (the
        # workflow filters them in the parent method, which checks the
        # button too): a claim is never paid twice, nor unapproved
        to_settle = [c for c in claims
            if (c.state, 'settled') in cls._transitions]
        config = Configuration(1)
        method = config.claim_settlement
        if to_settle and not config.claim_product:
            raise ClaimError(gettext(
                    'dms_campaigns.msg_claim_no_product'))
        if to_settle:
            cls.write(to_settle, {'settlement_method': method})
        if to_settle and method == 'credit_note':
            # The accounting documents are made by the system for the
            # factory users who settle (they need no accounting rights)
            with without_check_access():
                cls.credit(to_settle, config.claim_product)
        super().settle(claims)

    @classmethod
    def credit(cls, claims, product):
        "Make the credit notes of the claims (left in draft)"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Line = pool.get('account.invoice.line')
        FundLine = pool.get('dms.campaign.fund.line')
        Date = pool.get('ir.date')
        invoices = []
        for claim in claims:
            with Transaction().set_context(company=claim.company.id):
                today = Date.today()
            invoice = Invoice(
                company=claim.company, type='out',
                party=claim.dealer.party, currency=claim.currency,
                invoice_date=today)
            invoice.on_change_type()
            invoice.on_change_party()
            invoice.description = claim.rec_name
            line = Line(invoice=invoice, type='line', product=product,
                company=claim.company, currency=claim.currency,
                party=claim.dealer.party)
            line.on_change_product()
            line.quantity = -1
            line.unit_price = claim.approved_amount
            line.description = claim.get_settlement_description()
            line.account = product.account_revenue_used
            if not line.account:
                raise ClaimError(gettext(
                        'dms_campaigns.msg_claim_product_account',
                        product=product.rec_name))
            invoice.lines = [line]
            invoices.append(invoice)
        Invoice.save(invoices)
        Invoice.update_taxes(invoices)
        to_create = []
        for claim, invoice in zip(claims, invoices):
            claim.credit_note = invoice
            to_create.append({
                    'company': claim.company.id,
                    'dealer': claim.dealer.id,
                    'date': invoice.invoice_date,
                    'kind': 'settlement',
                    'amount': Decimal(0),
                    'paid': claim.approved_amount,
                    'claim': claim.id,
                    'origin': str(invoice),
                    'description': claim.get_settlement_description(),
                    })
        cls.save(claims)
        FundLine.create(to_create)

    def get_settlement_description(self):
        "The text of the claim's credit note or deductions"
        pool = Pool()
        Configuration = pool.get('ir.configuration')
        lang = self.dealer.party.lang
        with Transaction().set_context(
                language=lang.code if lang else Configuration.get_language()):
            return gettext('dms_campaigns.msg_claim_settlement_description',
                campaign=self.__class__(self.id).participation.campaign.name,
                claim=self.id)

    @classmethod
    def to_deduct(cls, dealers):
        """The claims of the dealers settled by deduction with an amount
        left to deduct: [(claim, amount)] per dealer (by id), the oldest
        first"""
        claims = cls.search([
                ('dealer', 'in', [d.id for d in dealers]),
                ('state', '=', 'settled'),
                ('settlement_method', '=', 'deduction'),
                ], order=[('settled_at', 'ASC'), ('id', 'ASC')])
        result = {d.id: [] for d in dealers}
        for claim in claims:
            left = (claim.approved_amount or 0) - claim.paid
            if left > 0:
                result[claim.dealer.id].append((claim, left))
        return result


class Sale(metaclass=PoolMeta):
    "The claims settled by deduction are deducted from the next orders"
    __name__ = 'sale.sale'

    # The deductions are made by the system for whoever quotes the order
    # (the dealer's checkout too): the ledger and the marketing product are
    # not the dealer's to read or write

    @classmethod
    def quote(cls, sales):
        with without_check_access():
            cls.dms_remove_deductions(sales)
            added = cls.dms_add_deductions(sales)
        super().quote(sales)
        if added:
            with without_check_access():
                cls.dms_fit_deductions(added)

    @classmethod
    def draft(cls, sales):
        super().draft(sales)
        with without_check_access():
            cls.dms_release_deductions(sales)

    @classmethod
    def cancel(cls, sales):
        super().cancel(sales)
        with without_check_access():
            cls.dms_release_deductions(sales)

    def _dms_deductible(self):
        "The untaxed amount of the order without its deductions"
        return sum((l.amount or 0) for l in self.lines
            if l.type == 'line' and not l.dms_claim)

    @classmethod
    def dms_remove_deductions(cls, sales):
        "Remove the deductions of the draft orders (quoted again)"
        pool = Pool()
        Line = pool.get('sale.line')
        lines = [l for s in sales if s.state == 'draft'
            for l in s.lines if l.dms_claim]
        if lines:
            cls.dms_release_deductions(sales)
            Line.delete(lines)

    @classmethod
    def dms_release_deductions(cls, sales):
        """Give back the deductions of the orders: the claims will be
        deducted from the next orders"""
        pool = Pool()
        FundLine = pool.get('dms.campaign.fund.line')
        origins = [str(l) for s in sales for l in s.lines if l.dms_claim]
        if origins:
            FundLine.delete(FundLine.search([
                        ('origin', 'in', origins),
                        ('kind', '=', 'settlement'),
                        ]))

    @classmethod
    def dms_add_deductions(cls, sales):
        """Add to the draft orders of dealers the deduction lines of the
        claims to deduct (at most the order's amount); return the orders
        that got some"""
        pool = Pool()
        Claim = pool.get('dms.campaign.claim')
        Configuration = pool.get('dms.configuration')
        Line = pool.get('sale.line')
        sales = [s for s in cls.browse(sales)
            if s.state == 'draft' and getattr(s, 'dealer', None)
            and s.currency == s.company.currency]
        if not sales:
            return []
        to_deduct = Claim.to_deduct({s.dealer for s in sales})
        if not any(to_deduct.values()):
            return []
        product = Configuration(1).claim_product
        if not product:
            return []
        lines, added = [], []
        for sale in sales:
            amount = sale._dms_deductible()
            claims = to_deduct[sale.dealer.id]
            while claims and amount > 0:
                claim, left = claims[0]
                deduction = min(left, amount)
                lines.append(sale._dms_deduction_line(
                        claim, deduction, product))
                amount -= deduction
                if deduction == left:
                    claims.pop(0)
                else:
                    claims[0] = (claim, left - deduction)
                if sale not in added:
                    added.append(sale)
        Line.save(lines)
        return added

    def _dms_deduction_line(self, claim, amount, product):
        pool = Pool()
        Line = pool.get('sale.line')
        line = Line(sale=self, type='line', product=product,
            quantity=1, unit=product.sale_uom)
        line.on_change_product()
        line.unit = product.sale_uom
        line.quantity = 1
        line.unit_price = -amount
        line.description = claim.get_settlement_description()
        line.dms_claim = claim
        return line

    @classmethod
    def dms_fit_deductions(cls, sales):
        """Fit the deductions to the orders' amounts after the offers, write
        them in the fund's ledger and store the orders' amounts"""
        pool = Pool()
        Line = pool.get('sale.line')
        FundLine = pool.get('dms.campaign.fund.line')
        to_save, to_create, cached = [], [], []
        for sale in cls.browse(sales):
            amount = sale._dms_deductible()
            for line in sale.lines:
                if not line.dms_claim:
                    continue
                deduction = min(-line.unit_price, max(amount, 0))
                if deduction != -line.unit_price:
                    line.unit_price = -deduction
                    to_save.append(line)
                amount -= deduction
                to_create.append({
                        'company': sale.company.id,
                        'dealer': sale.dealer.id,
                        'date': sale.quotation_date,
                        'kind': 'settlement',
                        'amount': Decimal(0),
                        'paid': deduction,
                        'claim': line.dms_claim.id,
                        'origin': str(line),
                        'description': sale.number or sale.reference,
                        })
            cached.append(sale)
        Line.save(to_save)
        FundLine.create(to_create)
        # The dealer orders carry their amounts from their quotation
        for sale in cls.browse(cached):
            if sale.untaxed_amount_cache is not None:
                sale.untaxed_amount_cache = sale.untaxed_amount
                sale.tax_amount_cache = sale.tax_amount
                sale.total_amount_cache = sale.total_amount
        cls.save(cached)


class SaleLine(metaclass=PoolMeta):
    __name__ = 'sale.line'
    dms_claim = fields.Many2One(
        'dms.campaign.claim', "Marketing Claim", readonly=True,
        ondelete='RESTRICT',
        help="The claim this line deducts from the order (the deductions "
        "of an order are made again each time it is quoted).")
