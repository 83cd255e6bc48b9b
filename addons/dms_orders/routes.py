# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"Dealer portal: the catalogue"
import os

from dms_dealer.portal import N_, register_nav, register_templates, route

PAGE_SIZE = 24

register_templates(os.path.join(os.path.dirname(__file__), 'www'))
register_nav('catalogue', N_("Catalogue"), sequence=10)


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
