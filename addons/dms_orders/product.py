# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
import datetime as dt
from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar

from sql import Window
from sql.functions import Lower
from sql.aggregate import Count, Sum

from trytond import backend
from trytond.model import ModelSQL, fields
from trytond.model.exceptions import SQLConstraintError
from trytond.pool import Pool, PoolMeta
from trytond.tools import escape_wildcard, grouped_slice
from trytond.transaction import Transaction, without_check_access


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


def catalogue_domain(tier, text=None, category=None):
    """The domain of the products that the dealers of tier (an id or None)
    may order, whose code or name holds text, of category"""
    domain = [
        ('salable', '=', True),
        ('template.dms_orderable', '=', True),
        ('template.account_category', '!=', None),
        ['OR',
            ('template.dms_tiers', '=', None),
            ('template.dms_tiers', '=', tier if tier else -1),
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


class PriceList(metaclass=PoolMeta):
    __name__ = 'product.price_list'

    def compute(self, product, quantity, uom, pattern=None):
        price_lists = _price_lists.get()
        if (price_lists is not None and self.id is not None and self.id >= 0
                and not self._values):
            price_list = price_lists.setdefault(self.id, self)
            if price_list is not self:
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

    def get_images(self, pattern):
        # Tryton's /product/image route serves the pictures of any product
        # by its code to anyone: the DMS serves them in the portal, to the
        # dealers who may order the product (see doc/design.rst)
        return iter(())


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
    @without_check_access
    def dms_available_quantities(cls, products, warehouse):
        """Return the quantity available to promise per product id

        It is the forecast quantity of the warehouse (stock plus planned
        moves) less the dealer orders received or confirmed that have no
        stock moves yet.  It counts every dealer's orders and the stock
        moves and periods that no dealer reads: without access checks, as
        Tryton's quantity fields, and it returns only numbers."""
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
    def dms_promise(cls, items, warehouse):
        """What the factory can promise for [(product, quantity)] of an
        order: for each item (available, short), as the checkout counts it
        (Sale.dms_check): the quantity available to promise of the product
        less the items of the same product before it, and whether the item
        asks for more than that; (None, False) without warehouse (the
        checkout does not check the stock then)"""
        if not warehouse:
            return [(None, False) for _ in items]
        products = list({p for p, _ in items})
        available = (cls.dms_available_quantities(products, warehouse)
            if products else {})
        reserved = defaultdict(float)
        result = []
        for product, quantity in items:
            left = max(available.get(product.id, 0) - reserved[product.id], 0)
            reserved[product.id] += quantity or 0
            result.append((left, (quantity or 0) > left))
        return result

    @classmethod
    def dms_by_code(cls, codes):
        """The products of the codes a dealer types or uploads, matched
        without regard to case: {code as given: product}

        The product whose code is the same wins; a code matching several
        products only by case matches none.  Searched as the caller (the
        record rules of its dealer)."""
        codes = {c for c in codes if isinstance(c, str) and c}
        found = {}
        for sub_codes in grouped_slice(
                sorted(codes), backend.MAX_QUERY_PARAMS):
            for product in cls.search(
                    [('code', 'in', list(sub_codes))], order=[]):
                found[product.code] = product
        missing = [c for c in codes if c not in found]
        if not missing:
            return found
        # The codes in lower case: one query per slice (SQL's lower() folds
        # ASCII letters on every backend, as the product codes are)
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        ids = []
        for sub_codes in grouped_slice(
                sorted({c.lower() for c in missing}),
                backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(table.id,
                    where=Lower(table.code).in_(list(sub_codes))))
            ids.extend(i for i, in cursor)
        folded = defaultdict(set)
        # Under the caller's record rules
        for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
            for product in cls.search(
                    [('id', 'in', list(sub_ids))], order=[]):
                folded[product.code.lower()].add(product)
        for code in missing:
            products = folded.get(code.lower(), ())
            if len(products) == 1:
                found[code], = products
        return found

    @classmethod
    def dms_pictured(cls, products):
        "The ids of the products with a picture (theirs or their template's)"
        pool = Pool()
        Image = pool.get('product.image')
        products = list(products)
        templates = {p.template.id for p in products}
        pictured = set()
        for sub_ids in grouped_slice(
                sorted(templates), backend.MAX_QUERY_PARAMS):
            for image in Image.search([
                        ('template', 'in', list(sub_ids)),
                        ], order=[]):
                pictured.add((image.template.id,
                        image.product.id if image.product else None))
        return {p.id for p in products
            if (p.template.id, None) in pictured
            or (p.template.id, p.id) in pictured}

    @without_check_access
    def dms_picture(self, size):
        """The first picture of the product as JPEG bytes of at most size
        pixels, None without picture

        Tryton keeps the resized pictures in product.image.cache, which
        no portal or dealer user writes: the caller checks the product is
        one its user may see."""
        for image in self.images_used:
            try:
                return image.get(size)
            except (SQLConstraintError, backend.DatabaseIntegrityError):
                # Another request cached the same size at the same time
                return image._resize(
                    (image._round_size(size), image._round_size(size)))

    def get_images(self, pattern):
        # Tryton's /product/variant/image route serves the pictures of any
        # product by its code to anyone: the DMS serves them in the portal,
        # to the dealers who may order the product (see doc/design.rst)
        return iter(())

    @classmethod
    def dms_catalogue_domain(cls, dealer, text=None, category=None):
        "The domain of the products the dealer may order"
        return catalogue_domain(
            dealer.tier.id if dealer.tier else None, text, category)

    @classmethod
    def dms_catalogue_page(cls, dealer, text=None, category=None, page=1,
            size=24):
        """Return the number of products of the catalogue (for text and
        category), the page shown (the last one if page is past it) and its
        products sorted by code"""
        cursor = Transaction().connection.cursor()
        domain = cls.dms_catalogue_domain(dealer, text, category)
        order = [('code', 'ASC'), ('id', 'ASC')]

        def search(page):
            # Only the ids of the page and, from the same scan, the number of
            # matching rows: a search would select every column of every
            # matching row to sort them, and search_count would filter them
            # all a second time
            query = cls.search(domain, offset=(page - 1) * size, limit=size,
                order=order, query=True)
            query.columns += (Count(window=Window([])).as_('total'),)
            cursor.execute(*query)
            return cursor.fetchall()

        # Not past the rows of the table (nor past what SQL can offset)
        rows = (search(page)
            if page == 1 or (page - 1) * size < cls.estimated_count()
            else [])
        if rows:
            total = rows[0][1]
        elif page == 1:
            total = 0
        else:
            # Past the last page: no row to count with
            total = cls.search_count(domain)
            page = min(page, max((total + size - 1) // size, 1))
            rows = search(page) if total else []
        return total, page, cls.browse([id_ for id_, _ in rows])

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
            products = cls.browse(products)
            # The categories that price lists match their lines against
            for product, categories in zip(
                    products, cls._dms_categories_all(products)):
                product.categories_all = categories
            return cls.get_sale_price(products, 1)

    @classmethod
    def dms_offers(cls, products, dealer, prices):
        """The offers on the dealer's prices (dms_sale_prices) of the
        products that a quotation of the dealer would give at those prices:
        {product id: (unit price, name of the offer)} for the products that
        have one, which the catalogue shows next to the dealer's price

        There is no offer here; dms_campaigns adds its campaigns'."""
        return {}

    @classmethod
    def _dms_categories_all(cls, products):
        """The categories_all of each product, searched in each model of the
        union, by template

        A price list reads categories_all to match its lines.  Reading the
        field filters the UNION of the models for the templates, which
        SQLite does only after building it for all the templates: two scans
        of the whole catalogue for each page of prices."""
        pool = Pool()
        Category = pool.get('product.category')
        CategoryAll = pool.get('product.template-product.category.all')
        templates = list({p.template.id for p in products})
        categories = defaultdict(list)
        for name in CategoryAll.union_models():
            Relation = pool.get(name)
            for sub_templates in grouped_slice(
                    templates, backend.MAX_QUERY_PARAMS):
                for relation in Relation.search([
                            ('template', 'in', list(sub_templates)),
                            ('category', '!=', None),
                            ], order=[]):
                    categories[relation.template.id].append(
                        relation.category.id)
        # Instances of one batch, as a read of the field makes
        instances = {c.id: c for c in Category.browse(
                list({c for ids in categories.values() for c in ids}))}
        return [[instances[c] for c in categories[p.template.id]]
            for p in products]


class Dealer(metaclass=PoolMeta):
    __name__ = 'dms.dealer'

    def dms_product_domain(self):
        pool = Pool()
        Product = pool.get('product.product')
        return Product.dms_catalogue_domain(self)
