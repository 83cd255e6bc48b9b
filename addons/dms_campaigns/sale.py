# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The campaigns' price offers through Tryton's sale_promotion

A campaign's promotion applies, as Tryton's promotions do, when an order is
quoted (the portal checkout and the intake quote their orders): only to
the orders of the dealers the campaign offers it to, while it runs.

Overlapping offers follow Tryton's rule: each promotion computes its price
from the dealer's price and lowers the line's price only if it gives less,
so the dealer gets the best offer and offers are not stacked.  A campaign
set to stack computes its price from the price the other offers left
(applied after them).  An order that gets a campaign's price is marked with
the campaign's ``marketing.campaign``."""
from collections import defaultdict
from contextvars import ContextVar
from decimal import Decimal

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

# The order previewed by Sale._dms_quoted
_preview = ContextVar('dms_campaigns_sale_preview', default=None)


class Promotion(metaclass=PoolMeta):
    __name__ = 'sale.promotion'

    dms_campaign = fields.Many2One(
        'dms.campaign', "Campaign", readonly=True, ondelete='CASCADE')

    @classmethod
    def get_promotions(cls, sale, pattern=None):
        # The stacking offers last: they apply to the price left by the
        # others
        promotions = list(super().get_promotions(sale, pattern=pattern))
        promotions.sort(key=lambda p: bool(
                p.dms_campaign and p.dms_campaign.stackable))
        return iter(promotions)

    def get_pattern(self, sale):
        pattern = super().get_pattern(sale)
        if self.dms_campaign:
            dealer = getattr(sale, 'dealer', None)
            pattern['dms_dealer'] = dealer.id if dealer else None
        return pattern

    def match(self, pattern):
        if 'dms_dealer' in pattern:
            pattern = pattern.copy()
            dealer = pattern.pop('dms_dealer')
            if not self.dms_campaign or not self.dms_campaign.offers_to(
                    dealer):
                return False
        elif self.dms_campaign:
            return False
        return super().match(pattern)

    def get_context_formula(self, sale_line):
        context = super().get_context_formula(sale_line)
        if (sale_line and self.dms_campaign and self.dms_campaign.stackable
                and sale_line.unit_price is not None):
            context['names']['unit_price'] = sale_line.unit_price
        return context

    def get_sale_amount(self, sale):
        # Tryton reads the amount of the saved sale (Sale(sale.id)): a
        # preview of an unsaved order (Sale._dms_quoted) gives its own
        preview = _preview.get()
        if preview is not None and (sale.id is None or sale.id < 0):
            sale = preview
        return super().get_sale_amount(sale)


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    def apply_promotion(self):
        super().apply_promotion()
        # Marked with the campaign whose prices took the most off the
        # order (the offer of a line may be replaced by a better one)
        if getattr(self, 'marketing_campaign', None):
            return
        discounts = defaultdict(Decimal)
        for line in self.lines:
            promotion = getattr(line, 'promotion', None)
            campaign = promotion.dms_campaign if promotion else None
            if (campaign and campaign.marketing_campaign
                    and line.original_unit_price is not None):
                discounts[campaign.marketing_campaign] += (
                    (line.original_unit_price - line.unit_price)
                    * Decimal(str(line.quantity or 0)))
        if discounts:
            self.marketing_campaign = max(
                discounts, key=lambda c: (discounts[c], -c.id))

    def unapply_promotion(self):
        super().unapply_promotion()
        pool = Pool()
        Campaign = pool.get('dms.campaign')
        if self.marketing_campaign and Campaign.search([
                    ('marketing_campaign', '=', self.marketing_campaign.id),
                    ], limit=1):
            self.marketing_campaign = None

    @classmethod
    def quote(cls, sales):
        super().quote(sales)
        # The dealer orders carry their amounts from their quotation
        # (dms_orders' dms_quote): those of the prices of the offers
        promoted = [s for s in cls.browse(sales)
            if s.untaxed_amount_cache is not None
            and any(getattr(l, 'promotion', None) for l in s.lines)]
        for sale in promoted:
            sale.untaxed_amount_cache = sale.untaxed_amount
            sale.tax_amount_cache = sale.tax_amount
            sale.total_amount_cache = sale.total_amount
        if promoted:
            cls.save(promoted)

    def _dms_quoted(self):
        """A copy of the order (unsaved) priced as its quotation will be:
        the offers of the promotions applied to copies of its lines, in
        the order of its lines; None when no promotion applies to it"""
        pool = Pool()
        Promotion = pool.get('sale.promotion')
        Line = pool.get('sale.line')
        copy = self.__class__(**{
                f: getattr(self, f) for f in [
                    'company', 'party', 'currency', 'sale_date', 'dealer',
                    'price_list', 'invoice_party', 'warehouse']
                if f in self._fields and hasattr(self, f)})
        copy.lines = [Line(
                type=line.type, product=line.product,
                quantity=line.quantity, unit=line.unit,
                unit_price=line.unit_price, taxes=line.taxes,
                original_unit_price=line.unit_price
                if line.type == 'line' else None,
                sale=copy) for line in (self.lines or [])]
        token = _preview.set(self)
        try:
            with without_check_access():
                promotions = list(Promotion.get_promotions(copy))
                for promotion in promotions:
                    promotion.apply(copy)
        finally:
            _preview.reset(token)
        if not promotions:
            return None
        for line in copy.lines:
            if line.type == 'line':
                line.amount = line.on_change_with_amount()
        copy.on_change_lines()
        return copy

    @staticmethod
    def _dms_offer_name(line):
        "The name of the offer that priced the line, None without"
        promotion = getattr(line, 'promotion', None)
        if not promotion:
            return None
        with without_check_access():
            campaign = promotion.dms_campaign
            return campaign.name if campaign else promotion.name

    def dms_campaign_prices(self):
        """The unit price and campaign of each line (by position) that a
        quotation would give, computed on a copy: the cart shows the price
        the dealer will be charged"""
        result = []
        with without_check_access():
            quoted = self._dms_quoted() or self
            for line in quoted.lines:
                promotion = getattr(line, 'promotion', None)
                result.append((line.unit_price or Decimal(0),
                        promotion.dms_campaign if promotion else None))
        return result

    def dms_offers(self):
        quoted = self._dms_quoted()
        if quoted is None:
            return super().dms_offers()
        offers = {}
        for line, copy in zip(self.lines or [], quoted.lines):
            if getattr(copy, 'promotion', None):
                offers[line] = (copy.unit_price, copy.amount,
                    self._dms_offer_name(copy))
        return (quoted.total_amount or Decimal(0),
            quoted.untaxed_amount or Decimal(0), offers)


class AbstractReporting:
    "The DMS reports read the sale lines when filtered by marketing campaign"
    __slots__ = ()

    @classmethod
    def _dms_summary(cls):
        pool = Pool()
        Context = pool.get('sale.reporting.context')
        context = Transaction().context
        if any(context.get(f) for f in Context.marketing_campaign_fields()):
            return False
        return super()._dms_summary()
