# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Dealer orders: the rules of a dealer order as batch methods of sale.sale
and sale.line, and the portal cart

There is one order path.  A dealer order is a sale record of the dealer:
the portal cart (a draft sale of the portal) or the unsaved sale that the
order intake builds from the JSON an integrator sends.  The same methods
check it (Sale.dms_check, Line.dms_check), price it at the dealer's prices
of the day and quote it (Sale.dms_quote): the dealer may order (active),
the reference is valid, the requested date is not past, the delivery
address is the dealer's, each line's product is orderable by the dealer
with a valid quantity (limits, minimum, multiples), the stock available to
promise covers it (or the line is a back-order, by configuration) and the
order keeps the dealer within its credit limit (the party's credit amount,
see party.py)."""
import datetime as dt
import hashlib
import json
import math
from collections import defaultdict
from decimal import Decimal

from sql import Null

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, TransactionError

from dms_portal.formats import format_quantity

from .product import pricing

MAX_REFERENCE = 64
MAX_NOTE = 2000
# More new orders for one user at once are notified together
NOTIFY_MAX = 5
# The fields that Sale.on_change_party sets (with sale_price_list's
# price_list): the orders of a dealer share them (see Sale.dms_new)
PARTY_FIELDS = [
    'invoice_address', 'shipment_address', 'payment_term', 'currency',
    'shipment_method', 'invoice_method', 'price_list']


class OrderError:
    "A problem of an order or of one of its lines (1-based)"
    __slots__ = ('code', 'message', 'line')

    def __init__(self, code, message, line=None):
        self.code, self.message, self.line = code, message, line

    def as_dict(self):
        result = {'code': self.code, 'message': self.message}
        if self.line is not None:
            result['line'] = self.line
        return result


def order_error(error_code, line=None, **variables):
    "The error of an order (or of its line) with its translated message"
    return OrderError(error_code,
        gettext('dms_orders.msg_order_%s' % error_code, **variables), line)


def parse_quantity(value):
    "A quantity a dealer sends (number or text) as a float, None if invalid"
    if isinstance(value, bool):
        return None
    try:
        quantity = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return quantity if math.isfinite(quantity) else None


def parse_date(value):
    "A date a dealer sends, None when missing, False when invalid"
    if value in (None, ''):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return False
    return False


def parse_id(value):
    "A record id a dealer sends, None when missing, False when invalid"
    if value in (None, ''):
        return None
    if isinstance(value, bool):
        return False
    try:
        id_ = int(value)
    except (TypeError, ValueError, OverflowError):
        return False
    return id_ if 0 < id_ < 2 ** 31 else False


def payload_digest(order):
    """A digest of what an order asks for: the same order sent again has
    the same digest, whatever the order of its lines or the way its
    quantities are written (2, 2.0, "2")

    order is what the dealer sent: {dealer_code, external_reference,
    lines: [{product_code, quantity}], requested_date, delivery_address,
    note}."""
    def canonical(value):
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, (int, float, Decimal, str)):
            try:
                number = Decimal(str(value).strip())
            except ArithmeticError:
                return str(value)
            if number.is_finite():
                return format(number.normalize(), 'f')
            return str(value)
        return repr(value)

    def text(value):
        return value.strip() if isinstance(value, str) else canonical(value)
    lines = order.get('lines')
    lines = sorted(
        [text(l.get('product_code')), canonical(l.get('quantity'))]
        if isinstance(l, dict) else [repr(l)]
        for l in (lines if isinstance(lines, (list, tuple)) else []))
    payload = [text(order.get(k)) for k in [
            'dealer_code', 'external_reference', 'requested_date',
            'delivery_address', 'note']] + [lines]
    return hashlib.sha256(json.dumps(
            payload, default=repr, sort_keys=True).encode()).hexdigest()


class _LocksError(TransactionError):
    "Locks of several models to take when the transaction starts again"

    def __init__(self, errors):
        super().__init__()
        self.errors = errors

    def fix(self, extras):
        super().fix(extras)
        for error in self.errors:
            error.fix(extras)


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
    def __register__(cls, module):
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        super().__register__(module)
        # Migration: the dealer orders submitted before they
        # were dated at their submission (dms_quote) get their quotation's
        # date
        cursor.execute(*table.update(
                [table.sale_date], [table.quotation_date],
                where=(table.sale_date == Null)
                & (table.quotation_date != Null)
                & (table.dealer != Null)
                & (table.state != 'draft')))

    @classmethod
    def copy(cls, sales, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('external_reference')
        default.setdefault('dms_source')
        default.setdefault('web_user')
        default.setdefault('dms_payload_digest')
        return super().copy(sales, default=default)

    @classmethod
    def quote(cls, sales):
        # The dealer orders quoted in the back office are dated as those
        # the dealers submit (dms_quote): on the day of their quotation
        undated = [s for s in sales
            if s.dealer and not s.sale_date and s.state == 'draft']
        super().quote(sales)
        by_date = defaultdict(list)
        for sale in undated:
            if sale.state == 'quotation' and sale.quotation_date:
                by_date[sale.quotation_date].append(sale)
        if by_date:
            cls.write(*[x for date, d_sales in by_date.items()
                    for x in (d_sales, {'sale_date': date})])

    # The order path: new orders, their locks, checks and quotation

    @classmethod
    def dms_new(cls, dealers, warehouse=None):
        """A new (unsaved) order without lines for each dealer, with the
        values Tryton gives a sale of the dealer's party (addresses,
        payment term, price list...)

        The party's values are computed once per dealer: the orders of a
        batch share them."""
        sales, defaults = [], {}
        for dealer in dealers:
            sale = cls(
                company=dealer.company, currency=dealer.company.currency,
                party=dealer.party, dealer=dealer, warehouse=warehouse,
                lines=[])
            if dealer.id in defaults:
                for name, value in defaults[dealer.id].items():
                    setattr(sale, name, value)
            else:
                sale.on_change_party()
                defaults[dealer.id] = {
                    name: getattr(sale, name) for name in PARTY_FIELDS
                    if name in cls._fields}
            sales.append(sale)
        return sales

    @staticmethod
    def dms_row_locks():
        "Whether the database locks rows (PostgreSQL) or not (SQLite)"
        return Transaction().database.has_select_for()

    @classmethod
    def dms_lock(cls, dealers, products=()):
        """Serialize the orders of the dealers and, when the stock is
        checked, the orders of the products

        Tryton takes the locks when a transaction starts: a lock asked for
        later starts the transaction again.  Asking for all of them at once
        starts it again once instead of once per model; dms_check asks
        again for the products it checks, locked by then.

        Backends without row locks (SQLite) take the database write lock
        instead (_write_lock): Tryton's locks do nothing there and starting
        the transaction again for them would only repeat its reads."""
        pool = Pool()
        Configuration = pool.get('dms.configuration')
        Dealer = pool.get('dms.dealer')
        Product = pool.get('product.product')
        dealers = list(dealers)
        if not dealers:
            return
        if not cls.dms_row_locks():
            cls._write_lock(dealers)
            return
        locks = [(Dealer, sorted(dealers, key=int))]
        if products and Configuration(1).backorder_policy == 'refuse':
            locks.append((Product, sorted(products, key=int)))
        errors = []
        for Model, records in locks:
            try:
                Model.lock(records)
            except TransactionError as error:
                errors.append(error)
        if errors:
            raise _LocksError(errors)
        # As for the products (see _claim): a transaction whose snapshot
        # comes before the last order of the dealer is started again
        cls._write_lock(dealers)

    @staticmethod
    def _write_lock(dealers):
        """Write the rows of the dealers (without changing them)

        On backends without row locks (SQLite) it takes the database write
        lock before anything is read: there Model.lock() does nothing and a
        transaction only locks at its first write, after its reads.  With
        row locks (PostgreSQL), once the dealers are locked, it makes the
        database refuse a transaction whose snapshot is older than the last
        order of the dealer (see _claim)."""
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        table = Dealer.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.id], [table.id],
                where=table.id.in_([d.id for d in dealers])))

    @staticmethod
    def _claim(products):
        """Write the locked rows of the products (without changing them)

        PostgreSQL gives a transaction the snapshot of its first statement,
        which may come before the commit of the order that held the lock
        it then gets: it would not see that order's lines.  Once the rows
        are written by each order, PostgreSQL refuses such a transaction
        (a serialization failure, which Tryton retries with a new
        snapshot) instead of letting it promise the same units twice."""
        pool = Pool()
        Product = pool.get('product.product')
        table = Product.__table__()
        cursor = Transaction().connection.cursor()
        for sub_ids in grouped_slice(
                sorted(map(int, products)), backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.update(
                    [table.id], [table.id],
                    where=table.id.in_(list(sub_ids))))

    @classmethod
    def dms_by_reference(cls, keys):
        """The orders of the dealers with the references:
        {(dealer id, reference): sale} for keys of (dealer, reference)"""
        references = defaultdict(set)
        for dealer, reference in keys:
            if dealer and isinstance(reference, str) and reference:
                references[int(dealer)].add(reference)
        existing = {}
        for dealer_id, refs in references.items():
            for sub_refs in grouped_slice(
                    sorted(refs), backend.MAX_QUERY_PARAMS):
                for sale in cls.search([
                            ('dealer', '=', dealer_id),
                            ('external_reference', 'in', list(sub_refs)),
                            ]):
                    existing[(dealer_id, sale.external_reference)] = sale
        return existing

    def dms_set_order(self, reference=None, requested_date=None,
            delivery_address=None, note=None):
        """Set on the order what the dealer sends with it: its reference,
        requested date, delivery address (an id of the dealer's addresses)
        and note

        Return the errors of the values that cannot be read; the others
        are checked by dms_check."""
        pool = Pool()
        Address = pool.get('party.address')
        errors = []
        if isinstance(reference, str):
            reference = reference.strip()
        elif reference is not None:
            reference = None
            errors.append(order_error('reference_invalid', max=MAX_REFERENCE))
        self.external_reference = self.reference = reference or None
        requested_date = parse_date(requested_date)
        if requested_date is False:
            errors.append(order_error('requested_date_invalid'))
        elif requested_date:
            self.shipping_date = requested_date
        address_id = parse_id(delivery_address)
        if address_id is False:
            errors.append(order_error('address_invalid'))
        elif address_id:
            # Checked by dms_check before anything reads it
            self.shipment_address = Address(address_id)
        if note is not None and not isinstance(note, str):
            errors.append(order_error('note_invalid', max=MAX_NOTE))
        elif note:
            self.comment = note
        return errors

    @classmethod
    def dms_check(cls, sales, errors=None):
        """Check the dealer orders and price their lines

        Return for each sale the list of its OrderError, empty when it may
        be quoted (see dms_quote); a line's errors give its position among
        the sale's lines of type line (1-based).  errors, when given, holds
        for each sale the errors already found in what the dealer sent:
        they come first in its list.

        The lines whose product and quantity are valid get the dealer's
        prices of the day (Line.dms_price) and the valid orders their
        amounts.  The sales are checked in turn: the stock promised and the
        credit taken by the valid sales before one count for it, as if
        each had been quoted already."""
        pool = Pool()
        Address = pool.get('party.address')
        Configuration = pool.get('dms.configuration')
        Date = pool.get('ir.date')
        Line = pool.get('sale.line')
        Party = pool.get('party.party')
        Product = pool.get('product.product')
        config = Configuration(1)
        today = Date.today()
        results = [list(e) for e in errors] if errors else [[] for _ in sales]

        # The lines of each sale, read once: the priced instances stay in
        # the sale's values (for a saved cart too)
        sale_lines = []
        for sale in sales:
            lines = [l for l in (sale.lines or ()) if l.type == 'line']
            sale_lines.append(lines)

        # The rules of the order itself
        # The active addresses of each party among those of its orders
        address_ids = defaultdict(set)
        for sale in sales:
            address = getattr(sale, 'shipment_address', None)
            if address and getattr(sale, 'party', None):
                address_ids[sale.party].add(address.id)
        addresses = defaultdict(set)
        for party, ids in address_ids.items():
            for sub_ids in grouped_slice(
                    sorted(ids), backend.MAX_QUERY_PARAMS):
                addresses[party].update(map(int, Address.search([
                                ('id', 'in', list(sub_ids)),
                                ('party', '=', party.id),
                                ], order=[])))
        for sale, lines, result in zip(sales, sale_lines, results):
            dealer = getattr(sale, 'dealer', None)
            if not dealer:
                result.append(order_error('dealer_missing'))
                continue
            if dealer.state != 'active':
                result.append(order_error(
                        'dealer_inactive', dealer=dealer.code))
            reference = getattr(sale, 'external_reference', None)
            if not reference or len(reference) > MAX_REFERENCE:
                if not any(e.code == 'reference_invalid' for e in result):
                    result.append(order_error(
                            'reference_invalid', max=MAX_REFERENCE))
            shipping_date = getattr(sale, 'shipping_date', None)
            if shipping_date and shipping_date < today:
                result.append(order_error('requested_date_past'))
            address = getattr(sale, 'shipment_address', None)
            if address and address.id not in addresses.get(sale.party, ()):
                result.append(order_error('address_invalid'))
            comment = getattr(sale, 'comment', None)
            if comment and len(comment) > MAX_NOTE:
                result.append(order_error('note_invalid', max=MAX_NOTE))
            if not lines:
                # Unless every line sent was refused before (its errors)
                if not any(e.line is not None for e in result):
                    result.append(order_error('no_lines'))
            elif len(lines) > config.max_order_lines:
                result.append(order_error(
                        'too_many_lines', max=config.max_order_lines))

        # The rules of the lines
        checked = [
            (sale, lines, result)
            for sale, lines, result in zip(sales, sale_lines, results)
            if getattr(sale, 'dealer', None)
            and 0 < len(lines) <= config.max_order_lines]
        line_errors = iter(Line.dms_check(
                [l for _, lines, _ in checked for l in lines]))
        for sale, lines, result in checked:
            for position, line in enumerate(lines, 1):
                for error in next(line_errors):
                    error.line = position
                    result.append(error)

        # Stock and credit: the sales valid so far are priced
        valid = [(sale, lines, result)
            for sale, lines, result in zip(sales, sale_lines, results)
            if not result]
        Line.dms_price([l for _, lines, _ in valid for l in lines])
        for sale, lines, _ in valid:
            # Keeps the priced instances in the sale (see above)
            sale.lines = lines
            sale.on_change_lines()

        products = {l.product for _, lines, _ in valid for l in lines}
        available = {}
        if (config.backorder_policy == 'refuse' and products
                and cls.dms_row_locks()):
            # Concurrent orders for the same products wait for each other
            Product.lock(sorted(products, key=int))
            cls._claim(products)
        by_warehouse = defaultdict(set)
        for sale, lines, _ in valid:
            if getattr(sale, 'warehouse', None):
                by_warehouse[sale.warehouse].update(l.product for l in lines)
        for warehouse, w_products in by_warehouse.items():
            available[warehouse] = Product.dms_available_quantities(
                list(w_products), warehouse)

        exposure, limits = {}, {}
        if config.check_credit_limit:
            parties = {sale.party for sale, _, _ in valid}
            for party in parties:
                limit = party.credit_limit_amount
                if limit is not None:
                    limits[party] = limit
            if limits:
                exposure = Party.get_credit_amount(
                    list(limits), 'credit_amount')

        for sale, lines, result in valid:
            # The stock
            reserved = defaultdict(float)
            stock = available.get(getattr(sale, 'warehouse', None))
            for position, line in enumerate(lines, 1):
                product = line.product
                quantity = line.quantity
                need = reserved[product.id] + quantity
                if stock is not None and stock.get(product.id, 0) < need:
                    if config.backorder_policy == 'refuse':
                        left = max(
                            stock.get(product.id, 0) - reserved[product.id],
                            0)
                        if left > 0:
                            result.append(order_error('stock_short',
                                    position, product=product.rec_name,
                                    available=format_quantity(left)))
                        else:
                            # Nothing to promise: out of stock, not "only 0"
                            result.append(OrderError('stock_short',
                                    gettext('dms_orders.msg_order_stock_out',
                                        product=product.rec_name),
                                    position))
                reserved[product.id] = need
            # The credit: of the order as its quotation will charge it
            party = sale.party
            if not result and party in limits:
                total, _, _ = sale.dms_offers()
                amount = exposure[party.id] + total
                if amount > limits[party]:
                    result.append(order_error('credit_limit',
                            limit=limits[party], amount=amount))
            if not result:
                if stock is not None:
                    for product_id, quantity in reserved.items():
                        stock[product_id] = stock.get(product_id, 0) - quantity
                if party in limits:
                    exposure[party.id] += total
        return results

    def dms_offers(self):
        """What the quotation of the order (priced by dms_check) will
        charge: (total amount, untaxed amount, {line: (unit price, amount,
        name of the offer)} for its lines that an offer prices)

        The portal's cart shows it and the credit check counts it.  There is
        no offer here: it is the order's amounts; dms_campaigns adds the
        campaigns' prices (which sale_promotion applies at quotation)."""
        return (self.total_amount or Decimal(0),
            self.untaxed_amount or Decimal(0), {})

    @classmethod
    def dms_quote(cls, sales):
        """Save the dealer orders checked by dms_check and quote them

        The new sales are created with their lines: the lines of all of
        them in one call, which Tryton checks together.  The orders carry
        their amounts as Tryton stores them at confirmation: the credit
        amount of the party sums them in SQL (the lines of a quotation
        cannot change and going back to draft clears them)."""
        pool = Pool()
        Date = pool.get('ir.date')
        Line = pool.get('sale.line')
        today = Date.today()
        for sale in sales:
            # Set with the other values: quote has nothing more to write
            sale.quotation_date = today
            # The order is dated when the dealer submits it (Tryton dates
            # a sale at its confirmation): the lists sort by it
            if not sale.sale_date:
                sale.sale_date = today
            sale.untaxed_amount_cache = sale.untaxed_amount
            sale.tax_amount_cache = sale.tax_amount
            sale.total_amount_cache = sale.total_amount
        new_lines = []
        for sale in sales:
            if sale.id is None or sale.id < 0:
                new_lines.append(list(sale.lines))
                sale.lines = []
            else:
                new_lines.append([])
        cls.save(sales)
        to_create = []
        for sale, lines in zip(sales, new_lines):
            for line in lines:
                line.sale = sale
            to_create.extend(lines)
        Line.save(to_create)
        cls.quote(sales)
        # After the commit (or by the worker): the dealer does not wait
        cls.__queue__.dms_notify_submitted(sales)

    @classmethod
    def dms_notify_submitted(cls, sales):
        """Notify the factory users responsible for the dealers of their
        new orders in the web client, in each user's language

        The responsible users are those of the dealer's sales
        representative, else the DMS managers (Dealer.responsible_users).
        A user gets one notification per order, which opens it, or one that
        lists them all when a batch brings it more than NOTIFY_MAX orders."""
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        Lang = pool.get('ir.lang')
        Notification = pool.get('res.notification')
        sales = [s for s in sales if s.dealer]
        if not sales:
            return
        users = Dealer.responsible_users({s.dealer for s in sales})
        per_user = defaultdict(list)
        for sale in sales:
            for user in users[sale.dealer]:
                per_user[user].append(sale)
        to_create = []
        for user, user_sales in per_user.items():
            code = user.language.code if user.language else None
            with Transaction().set_context(language=code):
                lang = Lang.get(code)
                if len(user_sales) > NOTIFY_MAX:
                    notes = [{
                            'label': gettext(
                                'dms_orders.msg_order_submitted_many',
                                count=len(user_sales)),
                            'description': ', '.join(
                                s.rec_name for s in user_sales[:NOTIFY_MAX]),
                            'records': user_sales,
                            }]
                else:
                    notes = [{
                            'label': gettext(
                                'dms_orders.msg_order_submitted',
                                order=sale.rec_name,
                                dealer=sale.dealer.rec_name),
                            'description': cls._dms_submitted_description(
                                sale, lang),
                            'records': [sale],
                            } for sale in user_sales]
            for note in notes:
                to_create.append({
                        **note,
                        'user': user.id,
                        'label': note['label'][:255],
                        'description': note['description'][:255],
                        'icon': 'tryton-sale',
                        'model': cls.__name__,
                        'records': json.dumps(
                            [s.id for s in note['records']]),
                        })
        if to_create:
            Notification.create(to_create)

    @staticmethod
    def _dms_submitted_description(sale, lang):
        "The amount and requested date of a new order in the language"
        amount = lang.currency(
            sale.total_amount or 0, sale.currency, grouping=True)
        if not sale.shipping_date:
            return amount
        return gettext('dms_orders.msg_order_submitted_description',
            amount=amount, date=lang.strftime(sale.shipping_date))

    # The portal cart

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
            cart, = cls.dms_new(
                [web_user.dealer], warehouse=cls.default_warehouse())
            cart.web_user = web_user
            cart.dms_source = 'portal'
            cart.save()
            return cart

    @classmethod
    def dms_lock_carts(cls, web_user):
        """Serialize the changes of the dealer's carts with its checkouts

        Taken before the cart is read: a change cannot slip into a cart
        while it becomes an order (the lock of the dealer, see
        dms_lock)."""
        cls.dms_lock([web_user.dealer])

    @classmethod
    def dms_quick_order(cls, web_user, rows):
        """Add rows of (product code, quantity text) to the cart, summing
        the quantities of products already there

        Each row is checked as a line of the cart (Line.dms_check).  Return
        a report per row: (position, code, quantity, errors); only the rows
        without errors are added."""
        pool = Pool()
        Line = pool.get('sale.line')
        Product = pool.get('product.product')
        dealer = web_user.dealer
        # Codes as typed: matched without regard to case
        products = Product.dms_by_code({code for code, _ in rows})
        # The rows are checked as lines of a sale of the dealer
        sale = cls(dealer=dealer, party=dealer.party, company=dealer.company)
        lines, report = [], []
        for position, (code, quantity) in enumerate(rows, 1):
            product = products.get(code)
            errors = [] if product else [order_error(
                    'product_unknown', position, code=str(code or '')[:64])]
            line = Line.dms_new(sale, product, parse_quantity(quantity))
            lines.append(line)
            report.append((position, code, line.quantity, errors))
        for (position, _, _, errors), line_errors in zip(
                report, Line.dms_check(lines)):
            for error in line_errors:
                error.line = position
                errors.append(error)
        items = [(line.product, line.quantity)
            for line, (_, _, _, errors) in zip(lines, report) if not errors]
        if items:
            cls.dms_cart_add(web_user, items)
        return report

    @classmethod
    def dms_cart_add(cls, web_user, items):
        """Add [(product, quantity)] to the cart of the web user, summing
        the quantities of products already there"""
        pool = Pool()
        Line = pool.get('sale.line')
        cls.dms_lock_carts(web_user)
        cart = cls.dms_cart(web_user, create=True)
        lines = {l.product: l for l in cart.lines if l.type == 'line'}
        to_save = []
        for product, quantity in items:
            line = lines.get(product)
            if line:
                line.quantity += quantity
            else:
                line = lines[product] = Line.dms_new(cart, product, quantity)
            to_save.append(line)
        Line.dms_price(to_save)
        Line.save(to_save)
        return cart

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

        The line is checked as at the checkout (Line.dms_check).  The
        caller takes dms_lock_carts before it reads the cart."""
        pool = Pool()
        Line = pool.get('sale.line')
        line.quantity = parse_quantity(quantity)
        errors, = Line.dms_check([line])
        if not errors:
            Line.dms_price([line])
            line.save()
        return errors

    @classmethod
    def dms_checkout(cls, web_user, reference, requested_date=None,
            delivery_address=None, note=None):
        """Check and quote the cart of the web user: it becomes the order

        Return the result of the order as the intake gives it:
        {external_reference, status ('accepted' or 'rejected'), sale,
        number, errors: [{code, message, line?}]}; a line's position is
        among the cart's lines.  Nothing is saved when it is rejected."""
        dealer = web_user.dealer
        row_locks = cls.dms_row_locks()
        if not row_locks:
            # SQLite: the write lock before the cart is read
            cls.dms_lock([dealer])
        cart = cls.dms_cart(web_user)
        if cart:
            lines = [l for l in cart.lines if l.type == 'line']
            if row_locks:
                # The locks of the dealer and the products of its lines:
                # the transaction starts again to take them and reads the
                # cart after them
                cls.dms_lock([dealer], {l.product for l in lines})
        else:
            # Checked all the same, for its errors
            cart, = cls.dms_new([dealer])
            lines = []
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
        errors = cart.dms_set_order(
            reference, requested_date, delivery_address, note or None)
        reference = cart.external_reference
        result = {
            'external_reference': reference,
            'status': 'rejected',
            'sale': None,
            'number': None,
            'errors': [],
            }
        existing = cls.dms_by_reference([(dealer, reference)])
        if (dealer.id, reference) in existing:
            # For a person, a reference used twice is a mistake
            result['errors'] = [order_error('reference_used',
                    reference=reference,
                    number=existing[(dealer.id, reference)].number
                    ).as_dict()]
            return result
        errors, = cls.dms_check([cart], [errors])
        if errors:
            result['errors'] = [e.as_dict() for e in errors]
            return result
        cart.dms_payload_digest = payload_digest(order)
        cls.dms_quote([cart])
        result.update(status='accepted', sale=cart.id, number=cart.number)
        return result


class Line(metaclass=PoolMeta):
    __name__ = 'sale.line'

    @classmethod
    def dms_new(cls, sale, product, quantity):
        """A new (unsaved) line of a dealer order for the product (None
        when unknown) and quantity, priced by Line.dms_price"""
        return cls(sale=sale, type='line', product=product,
            quantity=quantity, unit=product.sale_uom if product else None)

    @classmethod
    def dms_check(cls, lines):
        """Check the product and quantity of lines of dealer orders

        Return for each line the list of its OrderError (without position):
        the product is orderable by the order's dealer, the quantity a
        number greater than zero within the limit, in whole units of the
        product's sale unit, at least its minimum and by its multiples.  A
        line without product (an unknown code) has its quantity checked."""
        pool = Pool()
        Configuration = pool.get('dms.configuration')
        config = Configuration(1)
        results = []
        for line in lines:
            errors = []
            product = line.product
            dealer = line.sale.dealer
            if product and not product.dms_orderable_by(dealer):
                # The code only: the name of a product the dealer does not
                # see stays hidden
                errors.append(order_error('product_not_orderable',
                        code=(product.code or '')[:64]))
            quantity = line.quantity
            if (quantity is None or not math.isfinite(quantity)
                    or quantity <= 0):
                errors.append(order_error('quantity_invalid'))
            elif quantity > config.max_line_quantity:
                errors.append(order_error('quantity_too_large',
                        max=format_quantity(config.max_line_quantity)))
            elif product and not errors:
                template = product.template
                unit = line.unit or product.sale_uom
                if unit.round(quantity) != quantity:
                    errors.append(order_error('quantity_digits',
                            product=product.rec_name, unit=unit.rec_name))
                elif template.dms_min_quantity and (
                        quantity < template.dms_min_quantity):
                    errors.append(order_error('quantity_minimum',
                            product=product.rec_name,
                            minimum=format_quantity(
                                template.dms_min_quantity)))
                elif template.dms_quantity_multiple:
                    ratio = quantity / template.dms_quantity_multiple
                    if abs(ratio - round(ratio)) > 1e-9:
                        errors.append(order_error('quantity_multiple',
                                product=product.rec_name,
                                multiple=format_quantity(
                                    template.dms_quantity_multiple)))
            results.append(errors)
        return results

    @classmethod
    def dms_price(cls, lines):
        """Give the lines of dealer orders the dealer's taxes and prices of
        the day, as the client does when the product is chosen
        (on_change_product); only what changes is set, so saving a line
        whose price did not change writes nothing

        The taxes are computed once per party and product.  The prices are
        computed as compute_unit_price does, in the context of the line
        (customer, currency, unit, taxes, price list): for the lines that
        share that context and quantity, with one get_sale_price call for
        all their products."""
        pool = Pool()
        Product = pool.get('product.product')
        taxes_of = {}
        groups = defaultdict(list)
        with pricing():
            for line in lines:
                sale = line.sale
                party = getattr(sale, 'invoice_party', None) or sale.party
                product = line.product
                saved = line.id is not None and line.id >= 0
                if not line.unit or (
                        line.unit.category != product.sale_uom.category):
                    line.unit = product.sale_uom
                key = (party, product)
                if key not in taxes_of:
                    taxes_of[key] = line.compute_taxes(party)
                taxes = taxes_of[key]
                # Taxes before the price: the price may depend on them
                if not saved or set(taxes) != {t.id for t in line.taxes}:
                    line.taxes = taxes
                context = line._get_context_sale_price()
                context = tuple(sorted(
                        (k, tuple(v) if isinstance(v, list) else v)
                        for k, v in context.items()))
                groups[context, abs(line.quantity or 0)].append(line)
            for (context, quantity), group in groups.items():
                products = list({l.product: None for l in group})
                with Transaction().set_context(
                        {k: list(v) if isinstance(v, tuple) else v
                            for k, v in context}):
                    prices = Product.get_sale_price(products, quantity)
                for line in group:
                    unit_price = prices[line.product.id]
                    saved = line.id is not None and line.id >= 0
                    if not saved or unit_price != line.unit_price:
                        line.unit_price = unit_price
                    line.amount = line.on_change_with_amount()
