# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields, sequence_ordered)
from trytond.pool import Pool, PoolMeta

from .exceptions import TierValidationError


class Tier(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    __string__ = "Dealer Tier"
    __name__ = 'dms.dealer.tier'
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)
    price_list = fields.Many2One(
        'product.price_list', "Price List", ondelete='RESTRICT',
        help="The sale price list applied to the dealers of this tier.\n"
        "Required before a dealer of the tier can be active.")
    supply_priority = fields.Integer(
        "Supply Priority", required=True,
        help="When stock is short, orders of tiers with a higher priority "
        "are supplied first.")
    marketing_fund_rate = fields.Numeric(
        "Marketing Fund Rate", digits=(16, 4), required=True,
        help="Share of the dealer's purchases credited to its marketing "
        "fund (0.02 for 2%).")
    payment_term = fields.Many2One(
        'account.invoice.payment_term', "Payment Term", ondelete='RESTRICT',
        help="The customer payment term granted to the dealers of the tier.")
    credit_limit_amount = fields.Numeric(
        "Credit Limit", digits=(16, 2),
        help="The credit limit granted to the dealers of the tier.")
    benefits = fields.Text("Benefits", translate=True)
    dealers = fields.One2Many(
        'dms.dealer', 'tier', "Dealers", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'dms_dealer.msg_tier_code_unique'),
            ]

    @classmethod
    def default_supply_priority(cls):
        return 0

    @classmethod
    def default_marketing_fund_rate(cls):
        return Decimal(0)

    @classmethod
    def validate_fields(cls, tiers, field_names):
        super().validate_fields(tiers, field_names)
        cls.check_rates(tiers, field_names)
        cls.check_active_dealers_price_list(tiers, field_names)

    @classmethod
    def check_rates(cls, tiers, field_names=None):
        if field_names and not (
                field_names & {'marketing_fund_rate', 'credit_limit_amount'}):
            return
        for tier in tiers:
            if not (0 <= (tier.marketing_fund_rate or 0) <= 1):
                raise TierValidationError(gettext(
                        'dms_dealer.msg_tier_marketing_fund_rate',
                        tier=tier.rec_name))
            if (tier.credit_limit_amount or 0) < 0:
                raise TierValidationError(gettext(
                        'dms_dealer.msg_tier_credit_limit_negative',
                        tier=tier.rec_name))

    @classmethod
    def check_active_dealers_price_list(cls, tiers, field_names=None):
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        if field_names and 'price_list' not in field_names:
            return
        tiers = [t for t in tiers if not t.price_list]
        if not tiers:
            return
        dealers = Dealer.search([
                ('tier', 'in', [t.id for t in tiers]),
                ('state', '=', 'active'),
                ], limit=1)
        if dealers:
            dealer, = dealers
            raise TierValidationError(gettext(
                    'dms_dealer.msg_tier_price_list_required',
                    tier=dealer.tier.rec_name,
                    dealer=dealer.rec_name))

    @classmethod
    def on_modification(cls, mode, tiers, field_names=None):
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        super().on_modification(mode, tiers, field_names=field_names)
        if mode == 'write' and field_names and field_names & {
                'price_list', 'payment_term', 'credit_limit_amount'}:
            dealers = Dealer.search([('tier', 'in', [t.id for t in tiers])])
            Dealer.sync_party_terms(dealers)


class PriceList(metaclass=PoolMeta):
    __name__ = 'product.price_list'
    # Reverse relations for the record rules of users linked to a dealer
    dms_tiers = fields.One2Many(
        'dms.dealer.tier', 'price_list', "Dealer Tiers", readonly=True)
    dms_sales = fields.One2Many(
        'sale.sale', 'price_list', "Sales", readonly=True)

    @classmethod
    def copy(cls, price_lists, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('dms_tiers')
        default.setdefault('dms_sales')
        return super().copy(price_lists, default=default)
