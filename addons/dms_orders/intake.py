# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Dealer order validation and the order intake API

The same rules check an order from the portal and from an integrator:
the dealer may order (active, in scope), the reference is new, each line's
product is orderable by the dealer with a valid quantity (limits, minimum,
multiples), the stock available to promise covers it (or the line is a
back-order, by configuration), the price comes from the dealer's tier price
list and the order keeps the dealer within its credit limit."""
import datetime as dt
import hashlib
import json
import math
from collections import defaultdict
from decimal import Decimal

from sql import Null
from sql.aggregate import Sum

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Model, fields
from trytond.pool import Pool
from trytond.rpc import RPC
from trytond.tools import grouped_slice
from trytond.transaction import (
    Transaction, TransactionError, without_check_access)

from dms_portal.formats import format_quantity

from .exceptions import IntakeError
from .product import pricing

MAX_BATCH = 500
MAX_REFERENCE = 64
MAX_NOTE = 2000


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


class _LocksError(TransactionError):
    "Locks of several models to take when the transaction starts again"

    def __init__(self, errors):
        super().__init__()
        self.errors = errors

    def fix(self, extras):
        super().fix(extras)
        for error in self.errors:
            error.fix(extras)


def payload_digest(order):
    """A digest of what an order asks for: the same order sent again has
    the same digest, whatever the order of its lines or the way its
    quantities are written (2, 2.0, "2")"""
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


def order_error(error_code, line=None, **variables):
    "The error of an order (or of its line) with its translated message"
    return OrderError(error_code,
        gettext('dms_orders.msg_order_%s' % error_code, **variables), line)


class OrderIntake(Model):
    __name__ = 'dms.order.intake'
    __string__ = "Dealer Order Intake"

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__.update({
                'submit': RPC(readonly=False),
                })

    @classmethod
    def submit(cls, orders):
        """Validate and create dealer orders; idempotent per dealer and
        external reference.

        orders: a list of {dealer_code, external_reference,
        lines: [{product_code, quantity}], requested_date?,
        delivery_address?, note?}.
        Returns one {external_reference, status, sale, number, errors} per
        order, status being 'accepted', 'duplicate' or 'rejected'.  An order
        sent again is a duplicate when it asks for the same (see
        payload_digest), else rejected with the error reference_conflict."""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        Dealer = pool.get('dms.dealer')
        ModelAccess.check(cls.__name__, 'create')
        if not isinstance(orders, (list, tuple)) or not orders:
            raise IntakeError(gettext('dms_orders.msg_intake_batch_invalid'))
        if len(orders) > MAX_BATCH:
            raise IntakeError(gettext(
                    'dms_orders.msg_intake_batch_too_large', max=MAX_BATCH))

        # Only the dealers the user may see (record rules apply)
        codes = {
            o.get('dealer_code') for o in orders
            if isinstance(o, dict) and isinstance(o.get('dealer_code'), str)}
        dealers = {
            d.code: d for d in Dealer.search([('code', 'in', list(codes))])}
        orders = [o if isinstance(o, dict) else {} for o in orders]
        # Prices, sequences and stock depend on the company of the dealer
        by_company = defaultdict(list)
        for index, order in enumerate(orders):
            dealer = dealers.get(order.get('dealer_code'))
            company = dealer.company.id if dealer else None
            by_company[company].append(index)
        results = [None] * len(orders)
        for company, indexes in by_company.items():
            context = {'company': company} if company else {}
            with without_check_access(), \
                    Transaction().set_context(**context):
                for index, result in zip(indexes, cls.process(
                            [orders[i] for i in indexes], dealers,
                            source='intake')):
                    results[index] = result
        return results

    @classmethod
    def process(cls, orders, dealers, source, drafts=None,
            check_payload=True):
        """Validate the orders and create the valid ones as quotations

        dealers maps the codes allowed to their dealer.  drafts, when given,
        holds for each order a draft sale of its dealer (a portal cart) that
        becomes the order instead of a new sale.  Without check_payload, an
        order whose reference is used is a duplicate whatever its payload.
        Return the result dicts of submit."""
        pool = Pool()
        Sale = pool.get('sale.sale')

        # Serialize the orders of a dealer so the same reference sent
        # concurrently creates only one order
        if dealers:
            cls._lock(dealers.values(), orders)
        # The reference is kept without surrounding spaces
        orders = [{**o, 'external_reference': o['external_reference'].strip()}
            if isinstance(o.get('external_reference'), str) else o
            for o in orders]
        drafts = drafts or [None] * len(orders)
        existing = cls._existing_sales(orders, dealers)

        results, pending, firsts, repeats = [], [], {}, []
        for order, draft in zip(orders, drafts):
            reference = order.get('external_reference')
            if not isinstance(reference, str):
                reference = None
            dealer = dealers.get(order.get('dealer_code'))
            key = (dealer.id, reference) if dealer and reference else None
            result = {
                'external_reference': reference,
                'status': 'rejected',
                'sale': None,
                'number': None,
                'errors': [],
                }
            results.append(result)
            digest = payload_digest(order)
            if key in existing:
                sale = existing[key]
                if (check_payload and sale.dms_payload_digest
                        and sale.dms_payload_digest != digest):
                    result['errors'] = [order_error('reference_conflict',
                            reference=reference).as_dict()]
                else:
                    result.update(status='duplicate', sale=sale.id,
                        number=sale.number)
            elif key in firsts:
                # Repeated in the same batch: answered like the first one
                repeats.append((result, firsts[key], digest))
            else:
                pending.append((order, draft, result, digest))
                if key:
                    firsts[key] = (result, digest)

        to_create = []
        validated = cls.validate([o for o, _, _, _ in pending], dealers)
        for (_, draft, result, digest), (errors, sale) in zip(
                pending, validated):
            if errors:
                result['errors'] = [e.as_dict() for e in errors]
            else:
                if draft:
                    sale = cls._fill_draft(draft, sale)
                sale.dms_source = source
                sale.dms_payload_digest = digest
                result['status'] = 'accepted'
                to_create.append((sale, result))
        sales = [s for s, _ in to_create]
        if sales:
            cls._create(sales)
            Sale.quote(sales)
        for sale, result in to_create:
            result.update(sale=sale.id, number=sale.number)
        for result, (first, first_digest), digest in repeats:
            if check_payload and digest != first_digest:
                result['errors'] = [order_error('reference_conflict',
                        reference=result['external_reference']).as_dict()]
            else:
                result.update(first, status='duplicate'
                    if first['status'] == 'accepted' else first['status'])
        return results

    @classmethod
    def _create(cls, sales):
        """Save the sales with the lines of all new ones created together:
        Tryton checks the lines of one create call together, a batch of
        orders is checked once instead of order by order"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        lines = []
        for sale in sales:
            if sale.id is None or sale.id < 0:
                lines.append(list(sale.lines))
                sale.lines = []
            else:
                lines.append([])
        Sale.save(sales)
        to_save = []
        for sale, sale_lines in zip(sales, lines):
            for line in sale_lines:
                line.sale = sale
            to_save.extend(sale_lines)
        Line.save(to_save)

    @classmethod
    def _lock(cls, dealers, orders):
        """Lock the dealers and, when the stock is checked, the products of
        the orders

        Tryton takes the locks when a transaction starts: a lock asked for
        later starts the transaction again.  Asking for all of them at once
        starts it again once instead of once per model; validate asks again
        for the products it checks, locked by then.

        Backends without row locks (SQLite) take the database write lock
        instead (_write_lock): Tryton's locks do nothing there and starting
        the transaction again for them would only repeat its reads."""
        pool = Pool()
        Configuration = pool.get('dms.configuration')
        Dealer = pool.get('dms.dealer')
        Product = pool.get('product.product')
        if not cls._row_locks():
            cls._write_lock(dealers)
            return
        locks = [(Dealer, sorted(dealers, key=int))]
        if Configuration(1).backorder_policy == 'refuse':
            codes = sorted({
                    line.get('product_code') for order in orders
                    for line in cls._lines(order)
                    if isinstance(line.get('product_code'), str)})
            products = [p
                for sub_codes in grouped_slice(
                    codes, backend.MAX_QUERY_PARAMS)
                for p in Product.search(
                    [('code', 'in', list(sub_codes))], order=[])]
            if products:
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

    @staticmethod
    def _row_locks():
        "Whether the database locks rows (PostgreSQL) or not (SQLite)"
        return Transaction().database.has_select_for()

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
        transaction = Transaction()
        table = Dealer.__table__()
        cursor = transaction.connection.cursor()
        cursor.execute(*table.update(
                [table.id], [table.id],
                where=table.id.in_([d.id for d in dealers])))

    @classmethod
    def _existing_sales(cls, orders, dealers):
        pool = Pool()
        Sale = pool.get('sale.sale')
        references = defaultdict(set)
        for order in orders:
            dealer = dealers.get(order.get('dealer_code'))
            reference = order.get('external_reference')
            if dealer and isinstance(reference, str) and reference:
                references[dealer.id].add(reference)
        existing = {}
        for dealer_id, refs in references.items():
            for sub_refs in grouped_slice(
                    list(refs), backend.MAX_QUERY_PARAMS):
                for sale in Sale.search([
                            ('dealer', '=', dealer_id),
                            ('external_reference', 'in', list(sub_refs)),
                            ]):
                    existing[(dealer_id, sale.external_reference)] = sale
        return existing

    @classmethod
    def validate(cls, orders, dealers):
        """Return for each order (errors, sale); the sale is unsaved with its
        lines, None when the order is invalid"""
        pool = Pool()
        Configuration = pool.get('dms.configuration')
        Date = pool.get('ir.date')
        Product = pool.get('product.product')
        Sale = pool.get('sale.sale')
        config = Configuration(1)
        today = Date.today()

        codes = {
            line.get('product_code') for order in orders
            for line in cls._lines(order)
            if isinstance(line.get('product_code'), str)}
        products = {}
        # One search for all: the products then read their fields together
        for sub_codes in grouped_slice(list(codes), backend.MAX_QUERY_PARAMS):
            for product in Product.search(
                    [('code', 'in', list(sub_codes))], order=[]):
                products[product.code] = product
        Location = pool.get('stock.location')
        warehouse = Sale.default_warehouse()
        warehouse = Location(warehouse) if warehouse else None
        if (config.backorder_policy == 'refuse' and products
                and cls._row_locks()):
            # Concurrent orders for the same products wait for each other
            Product.lock(sorted(products.values(), key=int))
            cls._claim(products.values())
        available = (
            Product.dms_available_quantities(products.values(), warehouse)
            if warehouse and products else {})
        exposure = (cls._credit_exposure(dealers.values())
            if config.check_credit_limit else {})

        with pricing():
            return cls._validate(
                orders, dealers, config, today, products, warehouse,
                available, exposure)

    @classmethod
    def _validate(cls, orders, dealers, config, today, products, warehouse,
            available, exposure):
        # The lines of a dealer for the same product and quantity get the
        # same unit, taxes and price: they are computed for the first one
        priced = {}
        validated = []
        for order in orders:
            errors = []
            dealer = dealers.get(order.get('dealer_code'))
            if not dealer:
                errors.append(order_error('dealer_unknown',
                        code=str(order.get('dealer_code') or '')[:32]))
                validated.append((errors, None))
                continue
            if dealer.state != 'active':
                errors.append(order_error(
                        'dealer_inactive', dealer=dealer.code))
            reference = order.get('external_reference')
            if (not isinstance(reference, str) or not reference.strip()
                    or len(reference) > MAX_REFERENCE):
                errors.append(order_error(
                        'reference_invalid', max=MAX_REFERENCE))
            requested_date = cls._parse_date(order.get('requested_date'))
            if requested_date is False:
                errors.append(order_error('requested_date_invalid'))
            elif requested_date and requested_date < today:
                errors.append(order_error('requested_date_past'))
            address = cls._address(dealer, order.get('delivery_address'))
            if address is False:
                errors.append(order_error('address_invalid'))
            note = order.get('note')
            if note is not None and (
                    not isinstance(note, str) or len(note) > MAX_NOTE):
                errors.append(order_error('note_invalid', max=MAX_NOTE))

            lines = order.get('lines')
            if not isinstance(lines, (list, tuple)) or not lines:
                errors.append(order_error('no_lines'))
                lines = []
            elif len(lines) > config.max_order_lines:
                errors.append(order_error(
                        'too_many_lines', max=config.max_order_lines))
                lines = []
            sale = cls._new_sale(dealer, warehouse)
            sale_lines, reserved = [], defaultdict(float)
            for position, line in enumerate(lines, 1):
                line_errors, quantity, product = cls._check_line(
                    line, position, dealer, products, config)
                if not line_errors:
                    need = reserved[product.id] + quantity
                    if warehouse and available.get(product.id, 0) < need:
                        short = order_error('stock_short', position,
                            product=product.rec_name,
                            available=format_quantity(max(
                                available.get(product.id, 0)
                                - reserved[product.id], 0)))
                        if config.backorder_policy == 'refuse':
                            line_errors.append(short)
                    reserved[product.id] = need
                errors.extend(line_errors)
                if not line_errors:
                    key = (dealer.id, product.id, quantity)
                    if key in priced:
                        sale_lines.append(cls._copy_line(sale, priced[key]))
                    else:
                        sale_lines.append(priced.setdefault(
                                key, cls._new_line(sale, product, quantity)))

            if not errors:
                sale.lines = sale_lines
                sale.external_reference = reference
                sale.reference = sale.external_reference
                # The order is quoted at once: set with the other values,
                # quote has nothing more to write for it
                sale.quotation_date = today
                if requested_date:
                    sale.shipping_date = requested_date
                if address:
                    sale.shipment_address = address
                if note:
                    sale.comment = note
                sale.on_change_lines()
                total = sale.total_amount or Decimal(0)
                # Stored like Tryton stores them at confirmation: the
                # credit check of the next orders sums them in SQL (the
                # lines of a quotation cannot change and going back to
                # draft clears them)
                sale.untaxed_amount_cache = sale.untaxed_amount
                sale.tax_amount_cache = sale.tax_amount
                sale.total_amount_cache = sale.total_amount
                limit = dealer.party.credit_limit_amount
                if (dealer in exposure and limit is not None
                        and exposure[dealer] + total > limit):
                    errors.append(order_error('credit_limit',
                            limit=limit, amount=exposure[dealer] + total))
            if errors:
                validated.append((errors, None))
            else:
                for product_id, quantity in reserved.items():
                    available[product_id] = (
                        available.get(product_id, 0) - quantity)
                if dealer in exposure:
                    exposure[dealer] += total
                validated.append(([], sale))
        return validated

    @staticmethod
    def _lines(order):
        lines = order.get('lines')
        if isinstance(lines, (list, tuple)):
            return [l for l in lines if isinstance(l, dict)]
        return []

    @classmethod
    def _check_line(cls, line, position, dealer, products, config):
        "Return (errors, quantity, product) of an order line"
        errors = []
        if not isinstance(line, dict):
            return [order_error('line_invalid', position)], None, None
        code = line.get('product_code')
        product = products.get(code) if isinstance(code, str) else None
        if not product:
            errors.append(order_error('product_unknown', position,
                    code=str(code or '')[:64]))
        elif not product.dms_orderable_by(dealer):
            # The code only: the name of a product the dealer does not
            # see stays hidden
            errors.append(order_error('product_not_orderable', position,
                    code=code[:64]))
        quantity = line.get('quantity')
        try:
            if isinstance(quantity, bool):
                raise ValueError
            quantity = float(quantity)
        except (TypeError, ValueError):
            quantity = None
        if quantity is None or not math.isfinite(quantity) or quantity <= 0:
            errors.append(order_error('quantity_invalid', position))
        elif quantity > config.max_line_quantity:
            errors.append(order_error('quantity_too_large', position,
                    max=format_quantity(config.max_line_quantity)))
        elif product and not errors:
            template = product.template
            unit = product.sale_uom
            if unit.round(quantity) != quantity:
                errors.append(order_error('quantity_digits', position,
                        product=product.rec_name, unit=unit.rec_name))
            elif template.dms_min_quantity and (
                    quantity < template.dms_min_quantity):
                errors.append(order_error('quantity_minimum', position,
                        product=product.rec_name,
                        minimum=format_quantity(template.dms_min_quantity)))
            elif template.dms_quantity_multiple:
                ratio = quantity / template.dms_quantity_multiple
                if abs(ratio - round(ratio)) > 1e-9:
                    errors.append(order_error('quantity_multiple', position,
                            product=product.rec_name,
                            multiple=format_quantity(
                                template.dms_quantity_multiple)))
        return errors, quantity, product

    @classmethod
    def _new_sale(cls, dealer, warehouse):
        pool = Pool()
        Sale = pool.get('sale.sale')
        sale = Sale(
            company=dealer.company, currency=dealer.company.currency,
            party=dealer.party, dealer=dealer, warehouse=warehouse,
            lines=[])
        sale.on_change_party()
        return sale

    @classmethod
    def _new_line(cls, sale, product, quantity):
        """A sale line priced by the dealer's price list, as the client does

        The quantity is set before on_change_product, which prices it for
        that quantity: on_change_quantity would compute the same price."""
        pool = Pool()
        Line = pool.get('sale.line')
        line = Line(sale=sale, type='line', product=product,
            quantity=quantity, unit=product.sale_uom)
        line.on_change_product()
        return line

    @classmethod
    def _fill_draft(cls, draft, sale):
        """Give the draft sale the values of the validated sale built for
        the order of its lines

        The lines of the order are the lines of the draft, in their order:
        each keeps its record and takes the values computed for it (the
        price of today, ...); only what differs is written."""
        pool = Pool()
        Line = pool.get('sale.line')
        old_lines = [l for l in draft.lines if l.type == 'line']
        if (len(old_lines) == len(sale.lines)
                and all(o.product == n.product
                    for o, n in zip(old_lines, sale.lines))):
            for old_line, line in zip(old_lines, sale.lines):
                cls._set_changed(old_line, line, exclude={'sale'})
            Line.save([l for l in old_lines if l._values])
        else:
            # A code that now names another product: the lines of the
            # order replace those of the draft
            Line.delete(old_lines)
            for line in sale.lines:
                line.sale = draft
            Line.save(list(sale.lines))
        cls._set_changed(draft, sale, exclude={'lines'})
        return draft

    @staticmethod
    def _set_changed(record, new, exclude):
        "Set on record the stored values of new that differ from its own"
        for name, value in new._values._items():
            field = record._fields[name]
            if name in exclude or (
                    isinstance(field, fields.Function) and not field.setter):
                continue
            old = getattr(record, name)
            if field._type in {'one2many', 'many2many'}:
                changed = [r.id for r in old] != [r.id for r in value]
            else:
                changed = old != value
            if changed:
                setattr(record, name, value)

    @classmethod
    def _copy_line(cls, sale, line):
        """A line of sale with the values of line, a line of another sale
        of the same dealer built by _new_line"""
        pool = Pool()
        Line = pool.get('sale.line')
        return Line(sale=sale, **{
                name: value for name, value in line._values._items()
                if name != 'sale'})

    @staticmethod
    def _parse_date(value):
        "A date, None when missing, False when invalid"
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

    @staticmethod
    def _address(dealer, value):
        "The delivery address of the dealer, None for the default, False"
        pool = Pool()
        Address = pool.get('party.address')
        if value in (None, ''):
            return None
        try:
            address_id = int(value)
        except (TypeError, ValueError, OverflowError):
            return False
        if not 0 < address_id < 2 ** 31:
            return False
        # Only an active address of the dealer's party (unknown ids too)
        addresses = Address.search([
                ('id', '=', address_id),
                ('party', '=', dealer.party.id),
                ], limit=1)
        return addresses[0] if addresses else False

    @classmethod
    def _credit_exposure(cls, dealers):
        """The amount each dealer owes plus its open orders, for dealers
        with a credit limit

        The check costs a few queries however many open orders a dealer
        has: the database sums the amounts stored on open orders (confirmed
        and later, and the quotations of the intake and the portal) and
        returns the lines of the others, whose amounts are computed as
        Sale.total_amount does (the rare orders with taxes through it)."""
        pool = Pool()
        Currency = pool.get('currency.currency')
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        LineTax = pool.get('sale.line-account.tax')
        exposure = {}
        dealers = [
            d for d in dealers if d.party.credit_limit_amount is not None]
        if not dealers:
            return exposure
        by_party = {d.party.id: d for d in dealers}
        for dealer in dealers:
            exposure[dealer] = dealer.party.credit_amount or Decimal(0)
        open_sales = Sale.search([
                ('party', 'in', list(by_party)),
                ['OR',
                    ('state', 'in', ['quotation', 'confirmed']),
                    [('state', '=', 'processing'),
                        ('invoice_state', 'in', ['none', 'pending'])],
                    ],
                ], order=[], query=True)
        sale = Sale.__table__()
        line = Line.__table__()
        line_tax = LineTax.__table__()
        cursor = Transaction().connection.cursor()

        def decimal(value):
            # SQLite gives sums as floats
            if not isinstance(value, Decimal):
                value = Decimal(str(value or 0))
            return value

        cursor.execute(*sale.select(
                sale.party, Sum(sale.total_amount_cache),
                where=sale.id.in_(open_sales)
                & (sale.total_amount_cache != Null),
                group_by=[sale.party]))
        for party_id, amount in cursor:
            dealer = by_party[party_id]
            exposure[dealer] += dealer.company.currency.round(decimal(amount))

        computed = sale.id.in_(open_sales) & (sale.total_amount_cache == Null)
        taxed = line.join(line_tax, condition=line_tax.line == line.id
            ).select(line.sale)
        cursor.execute(*sale.select(sale.id,
                where=computed & sale.id.in_(taxed)))
        with_taxes = [s for s, in cursor]
        cursor.execute(*line.join(sale, condition=line.sale == sale.id
                ).select(sale.party, sale.currency, line.quantity,
                line.unit_price,
                where=computed & (line.type == 'line')
                & ~sale.id.in_(taxed)))
        currencies = {}
        for party_id, currency_id, quantity, unit_price in cursor:
            if currency_id not in currencies:
                currencies[currency_id] = Currency(currency_id)
            # As SaleLine.on_change_with_amount
            exposure[by_party[party_id]] += currencies[currency_id].round(
                Decimal(str(quantity or 0)) * decimal(unit_price))
        for sub_sales in grouped_slice(with_taxes, backend.MAX_QUERY_PARAMS):
            for order in Sale.browse(sub_sales):
                exposure[by_party[order.party.id]] += order.total_amount
        return exposure
