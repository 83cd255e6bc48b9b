# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from decimal import Decimal

from trytond.modules.company import CompanyReport
from trytond.pool import Pool
from trytond.transaction import Transaction


class DealerOrderReport(CompanyReport):
    "The dealer order as a PDF, for the dealer and the factory"
    __name__ = 'dms.sale.dealer_order'

    @classmethod
    def execute(cls, ids, data):
        with Transaction().set_context(address_with_party=True):
            return super().execute(ids, data)

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Date = pool.get('ir.date')
        Lang = pool.get('ir.lang')
        context = super().get_context(records, header, data)
        context['lang'] = Lang.get()
        context['today'] = Date.today()
        context['price_digits'] = cls.price_digits
        return context

    @staticmethod
    def price_digits(price, currency):
        """The digits to print a unit price with: the currency's, more
        only when the price has significant digits beyond them"""
        digits = currency.digits
        if price is None:
            return digits
        exponent = Decimal(price).normalize().as_tuple().exponent
        return max(digits, -exponent) if isinstance(exponent, int) else digits
