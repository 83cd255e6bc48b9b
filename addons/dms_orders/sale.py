# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.model import Index, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .intake import order_error
from .product import pricing


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'
    external_reference = fields.Char(
        "External Reference",
        states={
            'readonly': Eval('state') != 'draft',
            },
        help="The dealer's own reference of the order, unique per dealer.")
    web_user = fields.Many2One(
        'web.user', "Portal User", readonly=True, ondelete='SET NULL',
        help="The dealer's portal user who placed the order.")
    dms_source = fields.Selection([
            (None, ""),
            ('portal', "Portal"),
            ('intake', "Order Intake"),
            ], "Source", readonly=True,
        help="Where the dealer order came from.")
    dms_payload_digest = fields.Char("Payload Digest", readonly=True,
        help="A digest of the order as the dealer sent it: the same "
        "reference sent again with other lines is refused.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('dealer_external_reference_unique',
                Unique(t, t.dealer, t.external_reference),
                'dms_orders.msg_sale_external_reference_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.external_reference, Index.Equality()),
                where=t.external_reference != None))  # noqa: E711

    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('external_reference')
        default.setdefault('dms_source')
        default.setdefault('web_user')
        default.setdefault('dms_payload_digest')
        return super().copy(sales, default=default)

    @classmethod
    def dms_cart(cls, web_user, create=False):
        "The cart of a portal user: its draft portal order"
        carts = cls.search([
                ('dealer', '=', web_user.dealer.id),
                ('web_user', '=', web_user.id),
                ('dms_source', '=', 'portal'),
                ('state', '=', 'draft'),
                ], order=[('id', 'DESC')], limit=1)
        if carts:
            return carts[0]
        if create:
            pool = Pool()
            Intake = pool.get('dms.order.intake')
            cart = Intake._new_sale(web_user.dealer, None)
            cart.warehouse = cls.default_warehouse()
            cart.web_user = web_user
            cart.dms_source = 'portal'
            cart.save()
            return cart

    @classmethod
    def dms_lock_carts(cls, web_user):
        """Serialize the changes of the dealer's carts with its checkouts

        Taken before the cart is read: a change cannot slip into a cart
        while it becomes an order (the lock of the dealer, see
        OrderIntake._lock)."""
        pool = Pool()
        Intake = pool.get('dms.order.intake')
        Intake._lock([web_user.dealer], [])

    @classmethod
    def dms_cart_add(cls, web_user, items):
        """Add [(product, quantity)] to the cart of the web user, summing
        the quantities of products already there"""
        pool = Pool()
        Intake = pool.get('dms.order.intake')
        Line = pool.get('sale.line')
        cls.dms_lock_carts(web_user)
        cart = cls.dms_cart(web_user, create=True)
        lines = {l.product: l for l in cart.lines if l.type == 'line'}
        to_save = []
        with pricing():
            for product, quantity in items:
                line = lines.get(product)
                if line:
                    line.quantity += quantity
                    line.on_change_quantity()
                else:
                    line = lines[product] = Intake._new_line(
                        cart, product, quantity)
                to_save.append(line)
        Line.save(to_save)
        return cart

    @classmethod
    def dms_quick_order(cls, web_user, rows):
        """Add rows of (product code, quantity text) to the cart

        Return a report per row: (position, code, quantity, errors); only
        the rows without errors are added."""
        pool = Pool()
        Configuration = pool.get('dms.configuration')
        Intake = pool.get('dms.order.intake')
        Product = pool.get('product.product')
        config = Configuration(1)
        dealer = web_user.dealer
        codes = {code for code, _ in rows}
        products = {p.code: p for p in Product.search(
                [('code', 'in', list(codes))])} if codes else {}
        report, items = [], []
        for position, (code, quantity) in enumerate(rows, 1):
            errors, quantity, product = Intake._check_line(
                {'product_code': code, 'quantity': quantity}, position,
                dealer, products, config)
            report.append((position, code, quantity, errors))
            if not errors:
                items.append((product, quantity))
        if items:
            cls.dms_cart_add(web_user, items)
        return report

    @classmethod
    def dms_reorder_rows(cls, sale):
        """The products and quantities of the order as rows for the cart:
        [(position, code, quantity text, None)]"""
        return [
            (n, line.product.code or '', '{:g}'.format(line.quantity), None)
            for n, line in enumerate((l for l in sale.lines
                    if l.type == 'line' and l.product
                    and (l.quantity or 0) > 0), 1)]

    @classmethod
    def dms_cart_set_quantity(cls, web_user, line, quantity):
        """Set the quantity of a line of the user's cart; return the errors

        The caller takes dms_lock_carts before it reads the cart."""
        pool = Pool()
        Configuration = pool.get('dms.configuration')
        Intake = pool.get('dms.order.intake')
        product = line.product
        errors, quantity, _ = Intake._check_line(
            {'product_code': product.code, 'quantity': quantity}, None,
            web_user.dealer, {product.code: product}, Configuration(1))
        if not errors:
            line.quantity = quantity
            line.on_change_quantity()
            line.save()
        return errors

    @classmethod
    def dms_checkout(cls, web_user, reference, requested_date=None,
            delivery_address=None, note=None):
        """Submit the cart of the web user as a dealer order

        Return the result of the order intake: the cart becomes the order
        once it is accepted."""
        pool = Pool()
        Intake = pool.get('dms.order.intake')
        dealer = web_user.dealer
        if not Intake._row_locks():
            # SQLite: the write lock before the cart is read (with row
            # locks, the intake's locks start the transaction again and the
            # cart is read after them)
            cls.dms_lock_carts(web_user)
        cart = cls.dms_cart(web_user)
        lines = [l for l in cart.lines if l.type == 'line'] if cart else []
        order = {
            'dealer_code': dealer.code,
            'external_reference': reference,
            'requested_date': requested_date,
            'delivery_address': delivery_address,
            'note': note or None,
            'lines': [{
                    'product_code': l.product.code,
                    'quantity': l.quantity,
                    } for l in lines],
            }
        # The cart becomes the order
        result, = Intake.process(
            [order], {dealer.code: dealer}, source='portal',
            drafts=[cart] if lines else None, check_payload=False)
        if result['status'] == 'duplicate':
            # For a person, a reference used twice is a mistake
            result = {**result, 'status': 'rejected', 'errors': [order_error(
                        'reference_used', reference=result[
                            'external_reference'],
                        number=result['number']).as_dict()]}
        return result
