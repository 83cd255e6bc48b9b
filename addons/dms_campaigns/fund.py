# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The dealers' marketing funds: a ledger per dealer of the money it may
claim for its marketing

The ledger (``dms.campaign.fund.line``) is written by the system only
(besides the factory's adjustments):

- *accrual*: the dealer's tier marketing-fund rate of the untaxed amount of
  each of its orders when it is confirmed (sell-in counts from
  confirmation, as in the sales reports); reversed when the order goes back
  to draft or is cancelled;
- *allocation*: the budget approved for a dealer's participation in a
  campaign (the campaign's money granted to the dealer);
- *claim*: the amount approved on a claim (taken from the fund);
- *settlement*: a payment of an approved claim (a credit note or a
  deduction on an order); it does not change the balance (the claim
  already took the money) and shows what was paid;
- *adjustment*: a correction made by the factory.

The balance (the sum of the amounts) is what the dealer may still claim.
"""
from collections import defaultdict
from decimal import Decimal

from sql import Literal
from sql.aggregate import Sum
from sql.conditionals import Case, Coalesce

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction, without_check_access

from .campaign import SELL_IN_STATES

KINDS = [
    ('accrual', "Accrual"),
    ('allocation', "Allocation"),
    ('claim', "Claim"),
    ('settlement', "Settlement"),
    ('adjustment', "Adjustment"),
    ]
# The kinds written by the system only
SYSTEM_KINDS = {'accrual', 'allocation', 'claim', 'settlement'}


class FundLine(ModelSQL, ModelView):
    __string__ = "Marketing Fund Line"
    __name__ = 'dms.campaign.fund.line'

    _states = {
        'readonly': Eval('kind') != 'adjustment',
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='RESTRICT',
        states=_states)
    dealer = fields.Many2One(
        'dms.dealer', "Dealer", required=True, ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ],
        states=_states)
    date = fields.Date("Date", required=True, states=_states)
    kind = fields.Selection(KINDS, "Kind", required=True, readonly=True)
    kind_string = kind.translated('kind')
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        states=_states,
        help="What the line adds to (or takes from) the dealer's balance.")
    paid = Monetary(
        "Paid", currency='currency', digits='currency', readonly=True,
        help="What a settlement paid to the dealer.")
    claim = fields.Many2One(
        'dms.campaign.claim', "Claim", readonly=True, ondelete='RESTRICT')
    origin = fields.Reference(
        "Origin", selection='get_origins', readonly=True)
    description = fields.Char("Description", states=_states)
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._sql_indexes.update({
                Index(t, (t.dealer, Index.Range()),
                    (t.date, Index.Range())),
                Index(t, (t.origin, Index.Equality())),
                Index(t, (t.claim, Index.Range())),
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_kind(cls):
        return 'adjustment'

    @classmethod
    def default_date(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return Date.today()

    @classmethod
    def default_amount(cls):
        return Decimal(0)

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @classmethod
    def _get_origins(cls):
        return ['sale.sale', 'sale.line', 'dms.campaign.participation',
            'dms.campaign.claim', 'account.invoice']

    @classmethod
    def get_origins(cls):
        pool = Pool()
        IrModel = pool.get('ir.model')
        return [(None, '')] + [
            (m, IrModel.get_name(m)) for m in cls._get_origins()]

    def get_rec_name(self, name):
        return '%s %s' % (self.kind_string, self.date)

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if not external:
            return
        if mode == 'create':
            for line in lines:
                if line.kind != 'adjustment':
                    raise AccessError(gettext(
                            'dms_campaigns.msg_fund_line_system'))
        elif mode in {'write', 'delete'}:
            for line in lines:
                if line.kind in SYSTEM_KINDS:
                    raise AccessError(gettext(
                            'dms_campaigns.msg_fund_line_system'))

    @classmethod
    def balances(cls, dealer_ids):
        """The balance and the amount approved but not yet paid of each
        dealer (by id), in one query per slice of dealers"""
        line = cls.__table__()
        cursor = Transaction().connection.cursor()
        result = {d: (Decimal(0), Decimal(0)) for d in dealer_ids}
        for sub in grouped_slice(dealer_ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*line.select(
                    line.dealer,
                    Sum(line.amount),
                    Sum(Case((line.kind == 'claim', -line.amount),
                            else_=Literal(0))
                        - Coalesce(line.paid, 0)),
                    where=reduce_ids(line.dealer, sub),
                    group_by=[line.dealer]))
            for dealer, balance, to_pay in cursor:
                result[dealer] = tuple(
                    Decimal(str(v or 0)) for v in (balance, to_pay))
        return result

    @classmethod
    def sum_by_origin(cls, origins, kind):
        "The sum of the amounts of kind per origin (str)"
        line = cls.__table__()
        cursor = Transaction().connection.cursor()
        result = defaultdict(Decimal)
        origins = [str(o) for o in origins]
        for sub in grouped_slice(origins, backend.MAX_QUERY_PARAMS):
            cursor.execute(*line.select(
                    line.origin, Sum(line.amount),
                    where=line.origin.in_(list(sub)) & (line.kind == kind),
                    group_by=[line.origin]))
            for origin, amount in cursor:
                result[origin] = Decimal(str(amount or 0))
        return result


class Dealer(metaclass=PoolMeta):
    __name__ = 'dms.dealer'

    marketing_fund_balance = fields.Function(Monetary(
            "Marketing Fund", currency='marketing_fund_currency',
            digits='marketing_fund_currency',
            help="What the dealer may still claim from its marketing fund."),
        'get_marketing_fund')
    marketing_fund_to_pay = fields.Function(Monetary(
            "Claims to Pay", currency='marketing_fund_currency',
            digits='marketing_fund_currency',
            help="The approved claims not yet paid."),
        'get_marketing_fund')
    marketing_fund_currency = fields.Function(
        fields.Many2One('currency.currency', "Marketing Fund Currency"),
        'get_marketing_fund_currency')

    def get_marketing_fund_currency(self, name):
        return self.company.currency if self.company else None

    @classmethod
    def get_marketing_fund(cls, dealers, names):
        pool = Pool()
        Line = pool.get('dms.campaign.fund.line')
        balances = Line.balances([d.id for d in dealers])
        result = {}
        for name, index in [
                ('marketing_fund_balance', 0),
                ('marketing_fund_to_pay', 1)]:
            if name in names:
                result[name] = {
                    d.id: d.company.currency.round(balances[d.id][index])
                    for d in dealers}
        return result


class Participation(metaclass=PoolMeta):
    __name__ = 'dms.campaign.participation'

    @classmethod
    def approve(cls, participations):
        pool = Pool()
        Line = pool.get('dms.campaign.fund.line')
        Date = pool.get('ir.date')
        super().approve(participations)
        today = Date.today()
        allocated = Line.sum_by_origin(participations, 'allocation')
        to_create = []
        for participation in cls.browse(participations):
            amount = (participation.approved_budget or Decimal(0)) - (
                allocated[str(participation)])
            if amount:
                to_create.append({
                        'company': participation.campaign.company.id,
                        'dealer': participation.dealer.id,
                        'date': today,
                        'kind': 'allocation',
                        'amount': amount,
                        'origin': str(participation),
                        'description': participation.campaign.name,
                        })
        if to_create:
            # The ledger is written by the system, whoever approves
            with without_check_access():
                Line.create(to_create)


class Sale(metaclass=PoolMeta):
    "A dealer's confirmed order accrues its marketing fund"
    __name__ = 'sale.sale'

    @classmethod
    def confirm(cls, sales):
        super().confirm(sales)
        cls.dms_accrue_fund(sales)

    @classmethod
    def draft(cls, sales):
        super().draft(sales)
        cls.dms_accrue_fund(sales)

    @classmethod
    def cancel(cls, sales):
        super().cancel(sales)
        cls.dms_accrue_fund(sales)

    def dms_fund_accrual(self):
        """The accrual of the order in the company's currency: its untaxed
        amount times the tier's rate while it counts as sell-in"""
        pool = Pool()
        Currency = pool.get('currency.currency')
        dealer = getattr(self, 'dealer', None)
        if (self.state not in SELL_IN_STATES or not dealer
                or not dealer.tier or not dealer.tier.marketing_fund_rate):
            return Decimal(0)
        with Transaction().set_context(
                date=self.sale_date or self.quotation_date):
            amount = Currency.compute(self.currency, self.untaxed_amount,
                self.company.currency, round=False)
        return self.company.currency.round(
            amount * dealer.tier.marketing_fund_rate)

    @classmethod
    def dms_accrue_fund(cls, sales):
        """Bring the accruals of the orders to what they are due (safe to
        repeat: nothing is accrued twice)"""
        pool = Pool()
        Line = pool.get('dms.campaign.fund.line')
        Date = pool.get('ir.date')
        sales = [s for s in cls.browse(sales)
            if getattr(s, 'dealer', None)]
        if not sales:
            return
        accrued = Line.sum_by_origin(sales, 'accrual')
        to_create = []
        for sale in sales:
            amount = sale.dms_fund_accrual() - accrued[str(sale)]
            if not amount:
                continue
            with Transaction().set_context(company=sale.company.id):
                today = Date.today()
            to_create.append({
                    'company': sale.company.id,
                    'dealer': sale.dealer.id,
                    # An accrual on the day of the order, a reversal today
                    'date': (sale.sale_date or today) if amount > 0
                    else today,
                    'kind': 'accrual',
                    'amount': amount,
                    'origin': str(sale),
                    'description': sale.number or sale.reference,
                    })
        if to_create:
            # The ledger is written by the system, whoever confirms
            with without_check_access():
                Line.create(to_create)

