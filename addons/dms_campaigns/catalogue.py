# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The campaigns' prices in the portal's catalogue

The catalogue shows next to the dealer's price of a product the price that
the running campaigns' offers give it at a quotation of the dealer (see
sale.py), with the campaign's name: computed by the promotions themselves
(their match, products, categories and formula) on the dealer's prices of
the page, for all the products of the page at once."""
from trytond.modules.product import round_price
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    @classmethod
    def dms_offers(cls, products, dealer, prices):
        pool = Pool()
        Promotion = pool.get('sale.promotion')
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        offers = super().dms_offers(products, dealer, prices)
        products = [p for p in products if prices.get(p.id)]
        if not products:
            return offers
        party = dealer.party
        # The order of the dealer that the catalogue prices (as dms_new)
        sale = Sale(company=dealer.company, currency=dealer.company.currency,
            party=party, dealer=dealer, sale_date=None,
            price_list=party.sale_price_list)
        with without_check_access():
            # As Promotion.get_promotions, for the campaigns' only
            promotions = [p for p in Promotion.search(
                    Promotion._promotions_domain(sale)
                    + [('dms_campaign', '!=', None)])
                if p.match(p.get_pattern(sale))]
            promotions.sort(key=lambda p: p.dms_campaign.stackable)
            if not promotions:
                return offers
            products = cls.browse(products)
            if any(p.categories for p in promotions):
                # The categories that the promotions match, read at once
                for product, categories in zip(
                        products, cls._dms_categories_all(products)):
                    product.categories_all = categories
            lines = [Line(sale=sale, type='line', product=p,
                    unit=p.sale_uom, quantity=1, unit_price=prices[p.id])
                for p in products]
            names = {}
            # As Promotion.apply: the price of a line goes down to the
            # best offer; a stacking offer applies on the price left
            for promotion in promotions:
                campaign = promotion.dms_campaign
                for line in lines:
                    if not promotion.is_valid_sale_line(line):
                        continue
                    base = (line.unit_price if campaign.stackable
                        else prices[line.product.id])
                    new_price = promotion.get_unit_price(
                        names={'unit_price': base})
                    if new_price is None:
                        continue
                    new_price = max(new_price, 0)
                    if line.unit_price >= new_price:
                        line.unit_price = round_price(new_price)
                        names[line.product.id] = campaign.name
        for line in lines:
            if line.product.id in names:
                offers[line.product.id] = (
                    line.unit_price, names[line.product.id])
        return offers
