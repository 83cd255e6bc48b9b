# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
import datetime as dt
from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar

from sql.aggregate import Sum

from trytond.model import ModelSQL, fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import escape_wildcard
from trytond.transaction import Transaction


# The price lists used while pricing many lines at once (see pricing)
_price_lists = ContextVar('dms_price_lists', default=None)


@contextmanager
def pricing():
    """Price many lines with one instance per price list

    Tryton's sale_price_list makes a new PriceList instance for each line
    it prices, and in a transaction that may write Tryton does not keep the
    lines of a price list between instances: each priced line read the price
    list lines twice.  Inside this block a price list computes with the
    first instance made of it, whose lines stay in its own cache until the
    transaction writes (Tryton then reads them again)."""
    token = _price_lists.set({})
    try:
        yield
    finally:
        _price_lists.reset(token)


class PriceList(metaclass=PoolMeta):
    __name__ = 'product.price_list'

    def compute(self, product, quantity, uom, pattern=None):
        price_lists = _price_lists.get()
        if price_lists is not None and self.id is not None and self.id >= 0:
            price_list = price_lists.setdefault(self.id, self)
            if price_list is not self and not self._values:
                return price_list.compute(product, quantity, uom, pattern)
        return super().compute(product, quantity, uom, pattern)


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'
    dms_orderable = fields.Boolean(
        "Orderable by Dealers",
        help="Dealers can order the product in the portal and by intake.")
    dms_min_quantity = fields.Float(
        "Dealer Minimum Quantity",
        domain=['OR',
            ('dms_min_quantity', '=', None),
            ('dms_min_quantity', '>', 0),
            ],
        help="The smallest quantity of a dealer order line.")
    dms_quantity_multiple = fields.Float(
        "Dealer Order Multiple",
        domain=['OR',
            ('dms_quantity_multiple', '=', None),
            ('dms_quantity_multiple', '>', 0),
            ],
        help="Dealers order the product by multiples of this quantity "
        "(a carton, a pallet).")
    dms_tiers = fields.Many2Many(
        'product.template-dms.dealer.tier', 'template', 'tier',
        "Dealer Tiers",
        help="Only dealers of these tiers can order the product.\n"
        "Leave empty for all tiers.")

    @classmethod
    def default_dms_orderable(cls):
        return True


class Template_Tier(ModelSQL):
    __name__ = 'product.template-dms.dealer.tier'
    template = fields.Many2One(
        'product.template', "Template", required=True, ondelete='CASCADE')
    tier = fields.Many2One(
        'dms.dealer.tier', "Tier", required=True, ondelete='CASCADE')


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    def dms_orderable_by(self, dealer):
        "Whether the dealer may order the product"
        template = self.template
        return (self.active and template.active and template.salable
            and template.dms_orderable
            # Tryton needs it to sell the product
            and template.account_category
            and (not template.dms_tiers
                or (dealer.tier and dealer.tier in template.dms_tiers)))

    @classmethod
    def dms_available_quantities(cls, products, warehouse):
        """Return the quantity available to promise per product id

        It is the forecast quantity of the warehouse (stock plus planned
        moves) less the dealer orders received or confirmed that have no
        stock moves yet."""
        pool = Pool()
        SaleLine = pool.get('sale.line')
        Uom = pool.get('product.uom')
        product_ids = list(map(int, products))
        with Transaction().set_context(
                stock_date_end=dt.date.max, forecast=True):
            quantities = cls.products_by_location(
                [warehouse.id], with_childs=True,
                grouping_filter=(product_ids,))
        available = defaultdict(float)
        for (_, product_id), quantity in quantities.items():
            available[product_id] += quantity
        # One sum per product and unit: a busy factory has many open orders
        line = SaleLine.__table__()
        open_lines = SaleLine.search([
                ('product', 'in', product_ids),
                ('sale.state', 'in', ['quotation', 'confirmed']),
                ('sale.warehouse', '=', warehouse.id),
                ('type', '=', 'line'),
                ('moves', '=', None),
                ], order=[], query=True)
        cursor = Transaction().connection.cursor()
        cursor.execute(*line.select(
                line.product, line.unit, Sum(line.quantity),
                where=line.id.in_(open_lines),
                group_by=[line.product, line.unit]))
        sums = cursor.fetchall()
        if sums:
            records = {p.id: p for p in cls.browse(product_ids)}
            units = {u.id: u for u in Uom.browse(
                    list({u for _, u, _ in sums}))}
            for product_id, unit_id, quantity in sums:
                available[product_id] -= Uom.compute_qty(
                    units[unit_id], quantity or 0,
                    records[product_id].default_uom, round=False)
        return {p: available[p] for p in product_ids}

    @classmethod
    def dms_catalogue_domain(cls, dealer, text=None, category=None):
        "The domain of the products the dealer may order"
        domain = [
            ('salable', '=', True),
            ('template.dms_orderable', '=', True),
            ('template.account_category', '!=', None),
            ['OR',
                ('template.dms_tiers', '=', None),
                ('template.dms_tiers', '=', dealer.tier.id
                    if dealer.tier else -1),
                ],
            ]
        if text:
            domain.append(['OR',
                    ('code', 'ilike', '%' + escape_wildcard(text) + '%'),
                    ('name', 'ilike', '%' + escape_wildcard(text) + '%'),
                    ])
        if category is not None:
            domain.append(('categories_all', '=', category))
        return domain

    @classmethod
    def dms_sale_prices(cls, products, dealer):
        "The unit price of each product for the dealer (its price list)"
        party = dealer.party
        context = {
            'company': dealer.company.id,
            'currency': dealer.company.currency.id,
            'customer': party.id,
            'price_list': (
                party.sale_price_list.id if party.sale_price_list else None),
            }
        with Transaction().set_context(context), pricing():
            # Instances read their prices in their own context
            return cls.get_sale_price(cls.browse(products), 1)
