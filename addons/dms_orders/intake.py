# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The order intake API: a thin adapter from the JSON of integrators to
dealer orders and back

Each order sent becomes an unsaved sale of its dealer, checked with the
other orders of the batch by the rules of every dealer order
(Sale.dms_check, see sale.py), as the portal checks its cart; the valid
ones are created together and quoted (Sale.dms_quote).  What is the
intake's own is the contract: reading the JSON, the idempotency per dealer
and external reference, and the result of each order."""
from collections import defaultdict

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Model
from trytond.pool import Pool
from trytond.rpc import RPC
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from .exceptions import IntakeError
from .sale import order_error, parse_quantity, payload_digest

MAX_BATCH = 500


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
                            [orders[i] for i in indexes], dealers)):
                    results[index] = result
        return results

    @classmethod
    def process(cls, orders, dealers):
        """Check the orders and create the valid ones as quotations

        dealers maps the codes allowed to their dealer.  Return the result
        dicts of submit."""
        pool = Pool()
        Sale = pool.get('sale.sale')

        products = cls._products(orders)
        # Serialize the orders of a dealer so the same reference sent
        # concurrently creates only one order
        Sale.dms_lock(dealers.values(), products.values())
        # The reference is kept without surrounding spaces
        orders = [{**o, 'external_reference': o['external_reference'].strip()}
            if isinstance(o.get('external_reference'), str) else o
            for o in orders]
        existing = Sale.dms_by_reference(
            (dealers.get(o.get('dealer_code')), o.get('external_reference'))
            for o in orders)

        results, pending, firsts, repeats = [], [], {}, []
        for order in orders:
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
                if (sale.dms_payload_digest
                        and sale.dms_payload_digest != digest):
                    result['errors'] = [order_error('reference_conflict',
                            reference=reference).as_dict()]
                else:
                    result.update(status='duplicate', sale=sale.id,
                        number=sale.number)
            elif key in firsts:
                # Repeated in the same batch: answered like the first one
                repeats.append((result, firsts[key], digest))
            elif not dealer:
                result['errors'] = [order_error('dealer_unknown',
                        code=str(order.get('dealer_code') or '')[:32]
                        ).as_dict()]
            else:
                pending.append((order, dealer, result, digest))
                if key:
                    firsts[key] = (result, digest)

        sales, positions, errors = cls._sales(
            [(o, d) for o, d, _, _ in pending], products)
        checked = Sale.dms_check(sales, errors)
        to_quote = []
        for (_, _, result, digest), sale, sale_positions, read_errors, \
                sale_errors in zip(pending, sales, positions, errors, checked):
            if sale_errors:
                # The positions of the checked lines in the order sent
                read = set(map(id, read_errors))
                for error in sale_errors:
                    if error.line is not None and id(error) not in read:
                        error.line = sale_positions[error.line - 1]
                result['errors'] = [e.as_dict() for e in sale_errors]
            else:
                sale.dms_source = 'intake'
                sale.dms_payload_digest = digest
                result['status'] = 'accepted'
                to_quote.append((sale, result))
        if to_quote:
            Sale.dms_quote([s for s, _ in to_quote])
        for sale, result in to_quote:
            result.update(sale=sale.id, number=sale.number)
        for result, (first, first_digest), digest in repeats:
            if digest != first_digest:
                result['errors'] = [order_error('reference_conflict',
                        reference=result['external_reference']).as_dict()]
            else:
                result.update(first, status='duplicate'
                    if first['status'] == 'accepted' else first['status'])
        return results

    @classmethod
    def _products(cls, orders):
        "The products of the codes of the orders' lines by code"
        pool = Pool()
        Product = pool.get('product.product')
        codes = {
            line.get('product_code') for order in orders
            for line in cls._lines(order)
            if isinstance(line.get('product_code'), str)}
        products = {}
        # One search for all: the products then read their fields together
        for sub_codes in grouped_slice(
                sorted(codes), backend.MAX_QUERY_PARAMS):
            for product in Product.search(
                    [('code', 'in', list(sub_codes))], order=[]):
                products[product.code] = product
        return products

    @classmethod
    def _sales(cls, orders, products):
        """An unsaved sale of its dealer for each (order, dealer)

        Return the sales, the position in the order sent of each sale's
        line and the errors of what cannot be read (a line that is not a
        line, an unknown product, a date that is not a date...)"""
        pool = Pool()
        Line = pool.get('sale.line')
        Location = pool.get('stock.location')
        Sale = pool.get('sale.sale')
        warehouse = Sale.default_warehouse()
        warehouse = Location(warehouse) if warehouse else None
        sales = Sale.dms_new([d for _, d in orders], warehouse=warehouse)
        all_positions, all_errors = [], []
        for (order, _), sale in zip(orders, sales):
            errors = sale.dms_set_order(
                order.get('external_reference'), order.get('requested_date'),
                order.get('delivery_address'), order.get('note'))
            lines, positions = [], []
            order_lines = order.get('lines')
            if not isinstance(order_lines, (list, tuple)):
                order_lines = []
            for position, line in enumerate(order_lines, 1):
                if not isinstance(line, dict):
                    errors.append(order_error('line_invalid', position))
                    continue
                code = line.get('product_code')
                product = products.get(code) if isinstance(code, str) else None
                if not product:
                    errors.append(order_error('product_unknown', position,
                            code=str(code or '')[:64]))
                lines.append(Line.dms_new(
                        sale, product, parse_quantity(line.get('quantity'))))
                positions.append(position)
            sale.lines = lines
            all_positions.append(positions)
            all_errors.append(errors)
        return sales, all_positions, all_errors

    @staticmethod
    def _lines(order):
        lines = order.get('lines')
        if isinstance(lines, (list, tuple)):
            return [l for l in lines if isinstance(l, dict)]
        return []
