# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"Dealer portal: catalogue, cart, quick order, checkout, orders"
import datetime as dt
import os
import re
import unicodedata

from werkzeug.wrappers import Response

from trytond.tools import escape_wildcard
from trytond.tools.timezone import UTC, get_tzinfo

from dms_portal.conversation import (
    chat_values, register_conversation, shared_file)
from dms_portal.routes import sale_states
from dms_portal.portal import (
    N_, NotFound, register_flash, register_home_section, register_nav,
    register_templates, route, to_int)

from .upload import MAX_UPLOAD_SIZE, UploadError, read_rows
from .xlsx import order_xlsx, orders_xlsx

PAGE_SIZE = 24
STAGE_PROGRESS = [
    'received', 'confirmed', 'in_production', 'ready', 'shipped',
    'delivered']

register_templates(os.path.join(os.path.dirname(__file__), 'www'))
register_nav('catalogue', N_("Catalogue"), sequence=10,
    model='dms.order.intake')
register_flash('cart_added', N_("The product is in your cart."))
register_flash('cart_added_short', N_(
        "The product is in your cart, but the factory cannot promise that "
        "quantity now: see your cart."))
register_flash('order_submitted', N_(
        "Your order is submitted: the factory will confirm it."))
register_flash('order_received', N_(
        "Thank you: the order is marked as delivered."))
register_nav('suggestions', N_("Suggestions"), sequence=25,
    model='dms.order.suggestion')


def stage_names(_):
    "The dealer's words for the stages of an order"
    return {
        'received': _("Received"),
        'confirmed': _("Confirmed"),
        'in_production': _("In production"),
        'ready': _("Ready to ship"),
        'shipped': _("Shipped"),
        'delivered': _("Delivered"),
        'cancelled': _("Cancelled"),
        }


def alert_kinds(_):
    "The dealer's words for the kinds of alerts"
    return {
        'late': _("Late"),
        'stalled': _("No progress"),
        'exception': _("Delivery problem"),
        'unallocated': _("Waiting for stock"),
        }


@route('/catalogue')
def catalogue(request, portal):
    pool = portal.pool
    Product = pool.get('product.product')
    Category = pool.get('product.category')
    Sale = pool.get('sale.sale')
    Location = pool.get('stock.location')
    dealer = portal.dealer
    text = request.args.get('q', '').strip()[:100]
    category = to_int(request.args.get('category'), minimum=1)
    # A page past the last shows the last
    page = to_int(request.args.get('page'), 1, minimum=1, maximum=None)

    total, page, products = Product.dms_catalogue_page(
        dealer, text, category, page=page, size=PAGE_SIZE)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    prices = Product.dms_sale_prices(products, dealer)
    warehouse = Sale.default_warehouse()
    available = (Product.dms_available_quantities(
            products, Location(warehouse))
        if warehouse and products else {})
    categories = Category.search(
        [('accounting', '=', False), ('parent', '=', None)],
        order=[('name', 'ASC')])
    return portal.render('catalogue.html',
        products=products, prices=prices, available=available,
        offers=Product.dms_offers(products, dealer, prices),
        pictured=Product.dms_pictured(products),
        categories=categories, category=category, text=text,
        page=page, pages=pages, total=total,
        currency=dealer.company.currency)


@route('/catalogue/<int:product_id>')
def product(request, portal, product_id):
    pool = portal.pool
    Product = pool.get('product.product')
    Sale = pool.get('sale.sale')
    Location = pool.get('stock.location')
    dealer = portal.dealer
    products = Product.search(
        [('id', '=', product_id)]
        + Product.dms_catalogue_domain(dealer), limit=1)
    if not products:
        raise NotFound()
    product, = products
    warehouse = Sale.default_warehouse()
    available = (Product.dms_available_quantities(
            products, Location(warehouse))
        if warehouse else {})
    prices = Product.dms_sale_prices(products, dealer)
    return portal.render('product.html', product=product,
        pictured=bool(Product.dms_pictured(products)),
        price=prices[product.id],
        offer=Product.dms_offers(products, dealer, prices).get(product.id),
        available=available.get(product.id, 0),
        currency=dealer.company.currency)


# The sizes of the pictures: in the catalogue's list, on the product's page
PICTURE_SIZES = {'small': 100, 'large': 400}


@route('/catalogue/<int:product_id>/picture.jpg')
def product_picture(request, portal, product_id):
    "The picture of a product the dealer may see (Tryton's product image)"
    pool = portal.pool
    Product = pool.get('product.product')
    size = PICTURE_SIZES.get(request.args.get('size'), PICTURE_SIZES['large'])
    products = Product.search(
        [('id', '=', product_id)]
        + Product.dms_catalogue_domain(portal.dealer), limit=1)
    picture = products[0].dms_picture(size) if products else None
    if not picture:
        raise NotFound()
    response = Response(picture, mimetype='image/jpeg')
    # Only for the dealer's browser: another dealer may not see the product
    response.headers['Cache-Control'] = 'private, max-age=3600'
    return response


MAX_QUICK_ROWS = 200
QUICK_SEPARATORS = re.compile(r'[\s,;]+')

register_nav('cart', N_("Cart"), sequence=20, model='dms.order.intake')
register_nav('orders', N_("Orders"), sequence=30,
    model='dms.order.intake')


def _home_values(portal):
    "Open orders, recent orders to reorder and the cart for the home page"
    pool = portal.pool
    Sale = pool.get('sale.sale')
    Line = pool.get('sale.line')
    dealer = portal.dealer
    open_domain = [
        ('dealer', '=', dealer.id),
        ('state', 'in', ORDER_FILTERS['open']),
        ]
    Alert = pool.get('dms.order.alert')
    Suggestion = pool.get('dms.order.suggestion')
    cart = Sale.dms_cart(portal.user) if portal.user.dms_can_order else None
    return {
        'alerts': Alert.search([
                ('dealer', '=', dealer.id),
                ('state', '=', 'open'),
                ], limit=10),
        'kinds': alert_kinds(portal._),
        'stages': stage_names(portal._),
        'suggestion_count': Suggestion.search_count([
                ('dealer', '=', dealer.id),
                ]),
        'open_count': Sale.search_count(open_domain),
        'open_orders': Sale.search(open_domain, order=ORDERS_ORDER, limit=5),
        'recent': Sale.search([
                ('dealer', '=', dealer.id),
                ('state', '!=', 'draft'),
                ], order=ORDERS_ORDER, limit=5),
        'cart_lines': Line.search_count([
                ('sale', '=', cart.id), ('type', '=', 'line'),
                ]) if cart else 0,
        'states': sale_states(portal._),
        }


register_home_section('home_orders.html', _home_values, sequence=10,
    model='dms.order.intake')


def _buyer(portal):
    "The web user if it may order, else a 404 (viewers, suspended dealers)"
    if not portal.user.dms_can_order:
        raise NotFound()
    return portal.user


def _cart_lines(portal):
    "The cart of the user, its lines and for each line (available, short)"
    pool = portal.pool
    Sale = pool.get('sale.sale')
    Product = pool.get('product.product')
    user = portal.user
    cart = Sale.dms_cart(user) if user.dms_can_order else None
    lines = [l for l in cart.lines if l.type == 'line'] if cart else []
    promise = dict(zip([l.id for l in lines], Product.dms_promise(
                [(l.product, l.quantity) for l in lines], cart.warehouse)
            if lines else []))
    return cart, lines, promise


def _shortage(portal, available, backorder):
    "The warning of a line asking for more than can be promised"
    _ = portal._
    if available <= 0:
        if backorder:
            return _("Out of stock: the line will be back-ordered.")
        return _("Out of stock: the order cannot be submitted with this "
            "line now.")
    if backorder:
        return _("Only %(available)s can be promised now: the rest will be "
            "back-ordered.", available='{:g}'.format(available))
    return _("Only %(available)s can be promised now: lower the quantity "
        "to submit the order.", available='{:g}'.format(available))


def _cart_page(portal, status=200, **values):
    pool = portal.pool
    Date = pool.get('ir.date')
    Configuration = pool.get('dms.configuration')
    user = portal.user
    cart, lines, promise = _cart_lines(portal)
    backorder = Configuration(1).backorder_policy != 'refuse'
    warnings = {
        line_id: _shortage(portal, available, backorder)
        for line_id, (available, short) in promise.items() if short}
    addresses = user.dms_delivery_addresses()
    values.setdefault('errors', {})
    values.setdefault('general_errors', [])
    values.setdefault('problems', [])
    values.setdefault('report', None)
    values.setdefault('reordered', None)
    values.setdefault('form', {})
    # The prices and total the checkout will charge (the offers)
    _, untaxed_amount, offers = cart.dms_offers() if lines else (0, 0, {})
    return portal.render('cart.html', status=status, cart=cart, lines=lines,
        offers={l.id: o for l, o in offers.items()},
        untaxed_amount=untaxed_amount,
        promise=promise, warnings=warnings,
        # The warnings of the products of the lines just added
        added_warnings={l.product.code: warnings[l.id]
            for l in lines if l.id in warnings},
        addresses=addresses, today=Date.today(), **values)


def _with_codes(portal, rows):
    """The rows of (code, ...) with the codes a dealer typed written as
    the products' codes (matched without regard to case)"""
    Product = portal.pool.get('product.product')
    products = Product.dms_by_code([r[0] for r in rows])
    return [((products[r[0]].code if r[0] in products else r[0]),) + r[1:]
        for r in rows]


@route('/cart')
def cart(request, portal):
    return _cart_page(portal)


@route('/cart/add', methods=('POST',))
def cart_add(request, portal):
    pool = portal.pool
    Sale = pool.get('sale.sale')
    user = _buyer(portal)
    code = request.form.get('product_code', '')[:64].strip()
    report, = Sale.dms_quick_order(user, _with_codes(portal,
            [(code, request.form.get('quantity', '')[:32])]))
    _, code, _, errors = report
    if errors:
        return _cart_page(portal, status=400,
            general_errors=[e.message for e in errors])
    _, lines, promise = _cart_lines(portal)
    short = any(promise[l.id][1] for l in lines if l.product.code == code)
    portal.flash('cart_added_short' if short else 'cart_added')
    return portal.redirect(portal.safe_next('cart'))


@route('/cart/quick', methods=('POST',))
def cart_quick(request, portal):
    user = _buyer(portal)
    rows = []
    for text in request.form.get('lines', '').splitlines():
        parts = [p for p in QUICK_SEPARATORS.split(text.strip()) if p]
        if not parts:
            continue
        rows.append((parts[0][:64], parts[1][:32] if len(parts) > 1 else ''))
    if not rows or len(rows) > MAX_QUICK_ROWS:
        return _cart_page(portal, status=400, general_errors=[portal._(
                    "Enter between 1 and %(max)s lines of a product code "
                    "and a quantity.", max=MAX_QUICK_ROWS)],
            form={'lines': request.form.get('lines', '')[:10000]})
    return _cart_page(portal, report=_order_rows(portal, user, [
                (n, code, quantity, None)
                for n, (code, quantity) in enumerate(rows, 1)]))


@route('/cart/upload', methods=('POST',),
    max_size=MAX_UPLOAD_SIZE + 64 * 1024)
def cart_upload(request, portal):
    _ = portal._
    user = _buyer(portal)
    upload = request.files.get('file')
    if not upload or not upload.filename:
        return _cart_page(portal, status=400, general_errors=[
                _("Choose a CSV or XLSX file to upload.")])
    # From the start: a transaction started again (to take the dealer's
    # lock) runs the view again on the same request
    upload.stream.seek(0)
    data = upload.stream.read(MAX_UPLOAD_SIZE + 1)
    try:
        rows = read_rows(upload.filename, data)
    except UploadError as error:
        return _cart_page(portal, status=400,
            general_errors=[_(error.message, **error.variables)])
    return _cart_page(portal, report=_order_rows(portal, user, rows))


def _order_rows(portal, user, rows):
    """Add [(row number, code, quantity text, refusal)] to the cart; return
    the report of each row: (row number, code, quantity, [messages])"""
    pool = portal.pool
    Sale = pool.get('sale.sale')
    rows = [(row[0],) + coded for row, coded in zip(
            rows, _with_codes(portal, [row[1:] for row in rows]))]
    valid = [(code, quantity) for _, code, quantity, error in rows
        if not error]
    checked = iter(Sale.dms_quick_order(user, valid) if valid else [])
    report = []
    for number, code, quantity, error in rows:
        if error:
            report.append((number, code, quantity, [portal._(error)]))
        else:
            _, _, checked_quantity, errors = next(checked)
            if checked_quantity is not None:
                quantity = checked_quantity
            report.append(
                (number, code, quantity, [e.message for e in errors]))
    return report


@route('/cart/line', methods=('POST',))
def cart_line(request, portal):
    pool = portal.pool
    Sale = pool.get('sale.sale')
    Line = pool.get('sale.line')
    user = _buyer(portal)
    Sale.dms_lock_carts(user)
    cart = Sale.dms_cart(user)
    line_id = to_int(request.form.get('line'), minimum=1)
    lines = {l.id: l for l in cart.lines} if cart else {}
    if line_id not in lines:
        raise NotFound()
    line = lines[line_id]
    if request.form.get('action') == 'remove':
        Line.delete([line])
        return portal.redirect('cart')
    errors = Sale.dms_cart_set_quantity(
        user, line, request.form.get('quantity', '')[:32])
    if errors:
        return _cart_page(portal, status=400,
            errors={line_id: [e.message for e in errors]})
    return portal.redirect('cart')


@route('/cart/checkout', methods=('POST',))
def cart_checkout(request, portal):
    pool = portal.pool
    Sale = pool.get('sale.sale')
    user = _buyer(portal)
    form = {
        'reference': request.form.get('reference', '')[:100],
        'requested_date': request.form.get('requested_date', '')[:10],
        'delivery_address': request.form.get('delivery_address', '')[:20],
        'note': request.form.get('note', '')[:2100],
        }
    result = Sale.dms_checkout(user, form['reference'],
        requested_date=form['requested_date'] or None,
        delivery_address=form['delivery_address'] or None,
        note=form['note'])
    if result['status'] != 'accepted':
        portal.rollback()
        _, lines, _ = _cart_lines(portal)
        positions = [l.id for l in lines]
        lines = {l.id: l for l in lines}
        # The problems at the top of the page, each line's with a link to
        # the line (where its problem shows too)
        errors, problems = {}, []
        for error in result['errors']:
            line = error.get('line')
            message = error['message']
            if line and line <= len(positions):
                line_id = positions[line - 1]
                errors.setdefault(line_id, []).append(message)
                problems.append(
                    ('line-%s' % line_id, lines[line_id].product.code,
                        message))
            else:
                problems.append((None, None, message))
        return _cart_page(portal, status=400, errors=errors,
            problems=problems, form=form)
    portal.flash('order_submitted')
    return portal.redirect('orders/%s' % result['sale'])


ORDER_FILTERS = {
    'open': ['quotation', 'confirmed', 'processing'],
    'done': ['done'],
    'cancelled': ['cancelled'],
    }
ORDERS_PAGE_SIZE = 25
MAX_EXPORT = 5000


def _date(value):
    try:
        return dt.date.fromisoformat((value or '')[:10])
    except ValueError:
        return None


def _orders_domain(portal, args):
    "The dealer's orders matching the filters of the list and the filters"
    filters = {
        'state': args.get('state', '') if args.get('state') in ORDER_FILTERS
        else '',
        'q': args.get('q', '').strip()[:100],
        'from': _date(args.get('from')),
        'to': _date(args.get('to')),
        }
    domain = [
        ('dealer', '=', portal.dealer.id),
        ('state', '!=', 'draft'),
        ]
    if filters['state']:
        domain.append(('state', 'in', ORDER_FILTERS[filters['state']]))
    if filters['q']:
        pattern = '%' + escape_wildcard(filters['q']) + '%'
        domain.append(['OR',
                ('number', 'ilike', pattern),
                ('external_reference', 'ilike', pattern),
                ('reference', 'ilike', pattern),
                ])
    if filters['from']:
        domain.append(('sale_date', '>=', filters['from']))
    if filters['to']:
        domain.append(('sale_date', '<=', filters['to']))
    return domain, filters


ORDERS_ORDER = [('sale_date', 'DESC NULLS LAST'), ('id', 'DESC')]


@route('/orders')
def orders(request, portal):
    pool = portal.pool
    Sale = pool.get('sale.sale')
    domain, filters = _orders_domain(portal, request.args)
    # A page past the last shows the last
    page = to_int(request.args.get('page'), 1, minimum=1, maximum=None)
    total = Sale.search_count(domain)
    pages = max((total + ORDERS_PAGE_SIZE - 1) // ORDERS_PAGE_SIZE, 1)
    page = min(page, pages)
    sales = Sale.search(domain, offset=(page - 1) * ORDERS_PAGE_SIZE,
        limit=ORDERS_PAGE_SIZE, order=ORDERS_ORDER)
    query = {k: (v.isoformat() if isinstance(v, dt.date) else v)
        for k, v in filters.items() if v}
    return portal.render('orders.html', sales=sales, filters=filters,
        query=query, page=page, pages=pages, total=total,
        states=sale_states(portal._))


def _download(content, filename, mimetype):
    filename = unicodedata.normalize('NFKD', filename)
    filename = re.sub(r'[^A-Za-z0-9._-]+', '-', filename).strip('-') \
        or 'download'
    return Response(content, mimetype=mimetype, headers={
            'Content-Disposition': 'attachment; filename="%s"' % filename,
            })


XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'


@route('/orders/export.xlsx')
def orders_export(request, portal):
    pool = portal.pool
    Sale = pool.get('sale.sale')
    domain, _ = _orders_domain(portal, request.args)
    sales = Sale.search(domain, limit=MAX_EXPORT, order=ORDERS_ORDER)
    return _download(orders_xlsx(sales, portal._, sale_states(portal._)),
        'orders-%s.xlsx' % portal.dealer.code, XLSX)


def _order(portal, sale_id):
    "The order of the dealer or a 404"
    pool = portal.pool
    Sale = pool.get('sale.sale')
    sales = Sale.search([
            ('id', '=', sale_id),
            ('dealer', '=', portal.dealer.id),
            ('state', '!=', 'draft'),
            ], limit=1)
    if not sales:
        raise NotFound()
    return sales[0]


def shipment_states(_):
    "The dealer's words for the states of shipments and returns"
    return {
        'request': _("Requested"),
        'draft': _("Planned"),
        'waiting': _("Waiting for stock"),
        'assigned': _("Stock reserved"),
        'picked': _("Picked"),
        'packed': _("Packed"),
        'shipped': _("Shipped"),
        'done': _("Shipped"),
        'received': _("Returned"),
        'cancelled': _("Cancelled"),
        }


def _order_page(portal, sale, status=200, errors=(), chat_error=None,
        form=None):
    pool = portal.pool
    Alert = pool.get('dms.order.alert')
    return portal.render('order.html', status=status, sale=sale,
        **chat_values(portal, sale, 'orders/%s/chat' % sale.id,
            'orders/%s/files/' % sale.id, error=chat_error, form=form),
        states=sale_states(portal._),
        shipment_states=shipment_states(portal._),
        stages=stage_names(portal._), kinds=alert_kinds(portal._),
        progress=STAGE_PROGRESS,
        alerts=Alert.search([
                ('sale', '=', sale.id), ('state', '=', 'open')]),
        events=sorted(sale.dms_events,
            key=lambda e: (e.date, e.id), reverse=True),
        local=_local_time(sale.company), errors=list(errors))


def _local_time(company):
    "Tryton stores UTC times: shown in the company's time zone"
    zone = get_tzinfo(company.timezone) if company.timezone else UTC

    def local(value):
        return value.replace(tzinfo=UTC).astimezone(zone)
    return local


@route('/orders/<int:sale_id>')
def order(request, portal, sale_id):
    return _order_page(portal, _order(portal, sale_id))


@route('/orders/<int:sale_id>/received', methods=('POST',))
def order_received(request, portal, sale_id):
    "The dealer confirms it received a shipped order"
    pool = portal.pool
    Sale = pool.get('sale.sale')
    _buyer(portal)
    sale = _order(portal, sale_id)
    if sale.dms_stage != 'shipped':
        return _order_page(portal, sale, status=400, errors=[portal._(
                    "Only a shipped order can be confirmed as received.")])
    Sale.dms_deliver([sale])
    portal.flash('order_received')
    return portal.redirect(portal.url('orders/%s' % sale.id))


register_conversation('orders/<int:sale_id>', _order,
    lambda portal, sale_id, error=None, **values: _order_page(
        portal, _order(portal, sale_id), chat_error=error, **values))


@route('/orders/<int:sale_id>/files/<int:attachment_id>')
def order_file(request, portal, sale_id, attachment_id):
    "A file of the order shared with the dealer"
    return shared_file(portal, _order(portal, sale_id), attachment_id)


@route('/orders/<int:sale_id>/order.pdf')
def order_pdf(request, portal, sale_id):
    pool = portal.pool
    Report = pool.get('dms.sale.dealer_order', type='report')
    sale = _order(portal, sale_id)
    _, content, _, _ = Report.execute([sale.id], {})
    return _download(content, '%s.pdf' % (sale.number or sale.id),
        'application/pdf')


@route('/orders/<int:sale_id>/order.xlsx')
def order_xlsx_download(request, portal, sale_id):
    sale = _order(portal, sale_id)
    return _download(order_xlsx(sale, portal._, sale_states(portal._)),
        '%s.xlsx' % (sale.number or sale.id), XLSX)


@route('/orders/<int:sale_id>/reorder', methods=('POST',))
def order_reorder(request, portal, sale_id):
    pool = portal.pool
    Sale = pool.get('sale.sale')
    user = _buyer(portal)
    sale = _order(portal, sale_id)
    rows = Sale.dms_reorder_rows(sale)
    if not rows:
        return _cart_page(portal, status=400, general_errors=[portal._(
                    "This order has no products to order again.")])
    return _cart_page(portal, report=_order_rows(portal, user, rows),
        reordered=sale)


@route('/suggestions')
def suggestions(request, portal):
    pool = portal.pool
    Suggestion = pool.get('dms.order.suggestion')
    return portal.render('suggestions.html',
        suggestions=Suggestion.of_dealer(portal.dealer))


@route('/suggestions/cart', methods=('POST',))
def suggestions_cart(request, portal):
    "Put the dealer's suggested products in the cart (checked as any line)"
    pool = portal.pool
    Suggestion = pool.get('dms.order.suggestion')
    user = _buyer(portal)
    suggestions = Suggestion.of_dealer(portal.dealer)
    if not suggestions:
        return _cart_page(portal, status=400, general_errors=[portal._(
                    "There is no suggestion to put in the cart.")])
    return _cart_page(portal, report=_order_rows(portal, user, [
                (n, s.product.code or '', '{:g}'.format(s.quantity), None)
                for n, s in enumerate(suggestions, 1)]))
