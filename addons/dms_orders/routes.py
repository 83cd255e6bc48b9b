# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"Dealer portal: catalogue, cart, quick order, checkout, orders"
import os
import re

from dms_dealer.routes import sale_states
from dms_dealer.portal import (
    N_, NotFound, register_flash, register_nav, register_templates, route)

PAGE_SIZE = 24

register_templates(os.path.join(os.path.dirname(__file__), 'www'))
register_nav('catalogue', N_("Catalogue"), sequence=10)
register_flash('cart_added', N_("The product is in your cart."))
register_flash('order_submitted', N_(
        "Your order is submitted: the factory will confirm it."))


def _int(value, default=None, minimum=None):
    try:
        value = int(value)
    except (TypeError, ValueError):
        return default
    if minimum is not None and value < minimum:
        return default
    return value


@route('/catalogue')
def catalogue(request, portal):
    pool = portal.pool
    Product = pool.get('product.product')
    Category = pool.get('product.category')
    Sale = pool.get('sale.sale')
    Location = pool.get('stock.location')
    dealer = portal.dealer
    text = request.args.get('q', '').strip()[:100]
    category = _int(request.args.get('category'), minimum=1)
    page = _int(request.args.get('page'), 1, minimum=1)

    domain = Product.dms_catalogue_domain(dealer, text, category)
    total = Product.search_count(domain)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(page, pages)
    products = Product.search(domain, offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE, order=[('code', 'ASC'), ('id', 'ASC')])
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
        categories=categories, category=category, text=text,
        page=page, pages=pages, total=total,
        currency=dealer.company.currency)


MAX_QUICK_ROWS = 200
QUICK_SEPARATORS = re.compile(r'[\s,;]+')

register_nav('cart', N_("Cart"), sequence=20)


def _buyer(portal):
    "The web user if it may order, else a 404 (viewers, suspended dealers)"
    if not portal.user.dms_can_order:
        raise NotFound()
    return portal.user


def _cart_page(portal, status=200, **values):
    pool = portal.pool
    Sale = pool.get('sale.sale')
    Date = pool.get('ir.date')
    user = portal.user
    cart = Sale.dms_cart(user) if user.dms_can_order else None
    lines = [l for l in cart.lines if l.type == 'line'] if cart else []
    addresses = [
        a for a in portal.dealer.party.addresses if a.delivery]
    values.setdefault('errors', {})
    values.setdefault('general_errors', [])
    values.setdefault('report', None)
    values.setdefault('form', {})
    return portal.render('cart.html', status=status, cart=cart, lines=lines,
        addresses=addresses, today=Date.today(), **values)


@route('/cart')
def cart(request, portal):
    return _cart_page(portal)


@route('/cart/add', methods=('POST',))
def cart_add(request, portal):
    pool = portal.pool
    Sale = pool.get('sale.sale')
    user = _buyer(portal)
    code = request.form.get('product_code', '')[:64]
    report, = Sale.dms_quick_order(
        user, [(code, request.form.get('quantity', '')[:32])])
    _, _, _, errors = report
    if errors:
        return _cart_page(portal, status=400,
            general_errors=[e.message for e in errors])
    portal.flash('cart_added')
    return portal.redirect(portal.safe_next('cart'))


@route('/cart/quick', methods=('POST',))
def cart_quick(request, portal):
    pool = portal.pool
    Sale = pool.get('sale.sale')
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
    report = Sale.dms_quick_order(user, rows)
    return _cart_page(portal, report=report)


@route('/cart/line', methods=('POST',))
def cart_line(request, portal):
    pool = portal.pool
    Sale = pool.get('sale.sale')
    Line = pool.get('sale.line')
    user = _buyer(portal)
    cart = Sale.dms_cart(user)
    line_id = _int(request.form.get('line'), minimum=1)
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
        cart = Sale.dms_cart(user)
        positions = [l.id for l in cart.lines if l.type == 'line'] \
            if cart else []
        errors, general = {}, []
        for error in result['errors']:
            line = error.get('line')
            if line and line <= len(positions):
                errors.setdefault(positions[line - 1], []).append(
                    error['message'])
            else:
                general.append(error['message'])
        return _cart_page(portal, status=400, errors=errors,
            general_errors=general, form=form)
    portal.flash('order_submitted')
    return portal.redirect('orders/%s' % result['sale'])


@route('/orders/<int:sale_id>')
def order(request, portal, sale_id):
    pool = portal.pool
    Sale = pool.get('sale.sale')
    sales = Sale.search([
            ('id', '=', sale_id),
            ('dealer', '=', portal.dealer.id),
            ('state', '!=', 'draft'),
            ], limit=1)
    if not sales:
        raise NotFound()
    sale, = sales
    return portal.render(
        'order.html', sale=sale, states=sale_states(portal._))
