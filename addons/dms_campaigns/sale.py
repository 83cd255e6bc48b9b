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
from decimal import Decimal

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access


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

    def apply(self, sale):
        super().apply(sale)
        campaign = self.dms_campaign
        if (campaign and campaign.marketing_campaign
                and not getattr(sale, 'marketing_campaign', None)
                and any(getattr(l, 'promotion', None) == self
                    for l in sale.lines)):
            sale.marketing_campaign = campaign.marketing_campaign


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

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

    def dms_campaign_prices(self):
        """The unit price and campaign of each line (by position) that a
        quotation would give, computed on a copy: the cart shows the price
        the dealer will be charged"""
        pool = Pool()
        Promotion = pool.get('sale.promotion')
        Line = pool.get('sale.line')
        copy = self.__class__(**{
                f: getattr(self, f) for f in [
                    'company', 'party', 'currency', 'sale_date', 'dealer',
                    'price_list', 'invoice_party', 'warehouse']
                if f in self._fields and hasattr(self, f)})
        lines = []
        for line in self.lines:
            lines.append(Line(
                    type=line.type, product=line.product,
                    quantity=line.quantity, unit=line.unit,
                    unit_price=line.unit_price, taxes=line.taxes,
                    sale=copy))
        copy.lines = lines
        with without_check_access():
            for promotion in Promotion.get_promotions(copy):
                promotion.apply(copy)
        result = []
        for line in copy.lines:
            promotion = getattr(line, 'promotion', None)
            result.append((line.unit_price or Decimal(0),
                    promotion.dms_campaign if promotion else None))
        return result


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
