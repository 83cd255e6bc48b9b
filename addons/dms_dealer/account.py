# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Dealer portal: the dealer administrator's pages for its portal users and
its delivery addresses.  Other users get a 404 for all of them."""
from trytond.transaction import Transaction

from .exceptions import PortalAccountError
from .portal import N_, NotFound, register_flash, register_nav, route

register_nav('account/users', N_("Users"), sequence=80, admin=True)
register_nav('account/addresses', N_("Addresses"), sequence=85, admin=True)
register_flash('user_invited', N_(
        "The invitation is sent: the new user chooses a password from the "
        "link in the e-mail."))
register_flash('user_changed', N_("The user is updated."))
register_flash('address_saved', N_("The address is saved."))
register_flash('address_archived', N_("The address is removed."))


def _admin(portal):
    "The web user if it administers its dealer, else a 404"
    if not portal.user.dms_is_admin:
        raise NotFound()
    return portal.user


def _roles(_):
    return [(code, _(label)) for code, label in [
            ('admin', N_("Administrator")),
            ('buyer', N_("Buyer")),
            ('viewer', N_("Viewer"))]]


def _users_page(portal, status=200, error=None, form=None):
    admin = _admin(portal)
    return portal.render('account_users.html', status=status,
        users=admin.dms_dealer_users(), roles=_roles(portal._),
        error=error, form=form or {})


@route('/account/users')
def users(request, portal):
    return _users_page(portal)


@route('/account/users/invite', methods=('POST',))
def user_invite(request, portal):
    admin = _admin(portal)
    form = {
        'email': request.form.get('email', '')[:320],
        'role': request.form.get('role', '')[:10],
        }
    try:
        admin.dms_invite(form['email'], form['role'])
    except PortalAccountError as exception:
        portal.rollback()
        return _users_page(portal, status=400, error=exception.message,
            form=form)
    portal.flash('user_invited')
    return portal.redirect('account/users')


def _user(portal, user_id):
    "A portal account of the administrator's dealer or a 404"
    WebUser = portal.pool.get('web.user')
    with Transaction().set_context(active_test=False):
        users = WebUser.search([
                ('id', '=', user_id),
                ('dealer', '=', portal.dealer.id),
                ], limit=1)
    if not users:
        raise NotFound()
    return users[0]


@route('/account/users/<int:user_id>', methods=('POST',))
def user_change(request, portal, user_id):
    admin = _admin(portal)
    user = _user(portal, user_id)
    try:
        admin.dms_manage_user(user, request.form.get('action', '')[:20],
            role=request.form.get('role', '')[:10])
    except PortalAccountError as exception:
        portal.rollback()
        return _users_page(portal, status=400, error=exception.message)
    portal.flash('user_changed')
    return portal.redirect('account/users')


ADDRESS_FIELDS = ['party_name', 'street', 'postal_code', 'city', 'district',
    'country', 'subdivision']


def _address(portal, address_id):
    "An active address of the administrator's dealer or a 404"
    Address = portal.pool.get('party.address')
    addresses = Address.search([
            ('id', '=', address_id),
            ('party', '=', portal.dealer.party.id),
            ], limit=1)
    if not addresses:
        raise NotFound()
    return addresses[0]


def _address_form(portal, address=None, form=None, status=200, error=None):
    pool = portal.pool
    Country = pool.get('country.country')
    Subdivision = pool.get('country.subdivision')
    Types = pool.get('party.address.subdivision_type')
    if form is None:
        form = {}
        if address:
            form = {
                'party_name': address.party_name or '',
                'street': address.street or '',
                'postal_code': address.postal_code or '',
                'city': address.city or '',
                'district': address.district or '',
                'country': str(address.country.id) if address.country else '',
                'subdivision': str(address.subdivision.id)
                if address.subdivision else '',
                }
        else:
            # The country of the dealer's first address by default
            first = next(iter(portal.user.dms_delivery_addresses()), None)
            if first and first.country:
                form['country'] = str(first.country.id)
        country_id = portal.request.args.get('country')
        if country_id:
            form['country'] = country_id[:12]
    countries = Country.search([], order=[('name', 'ASC')])
    country = next(
        (c for c in countries if str(c.id) == form.get('country')), None)
    subdivisions = []
    if country:
        domain = [('country', '=', country.id), ('parent', '=', None)]
        types = Types.get_types(country)
        if types:
            domain.append(('type', 'in', types))
        subdivisions = Subdivision.search(domain, order=[('name', 'ASC')])
    return portal.render('account_address.html', status=status,
        address=address, form=form, countries=countries,
        subdivisions=subdivisions, error=error)


@route('/account/addresses')
def addresses(request, portal):
    admin = _admin(portal)
    return portal.render('account_addresses.html',
        addresses=admin.dms_delivery_addresses(), error=None)


@route('/account/addresses/new', methods=('GET', 'POST'))
def address_new(request, portal):
    admin = _admin(portal)
    if request.method == 'POST':
        return _save_address(request, portal, admin, None)
    return _address_form(portal)


@route('/account/addresses/<int:address_id>', methods=('GET', 'POST'))
def address_edit(request, portal, address_id):
    admin = _admin(portal)
    address = _address(portal, address_id)
    if request.method == 'POST':
        return _save_address(request, portal, admin, address)
    return _address_form(portal, address)


def _save_address(request, portal, admin, address):
    form = {name: request.form.get(name, '')[:600] for name in ADDRESS_FIELDS}
    try:
        admin.dms_save_address(address, form)
    except PortalAccountError as exception:
        portal.rollback()
        return _address_form(portal, address, form=form, status=400,
            error=exception.message)
    portal.flash('address_saved')
    return portal.redirect('account/addresses')


@route('/account/addresses/<int:address_id>/archive', methods=('POST',))
def address_archive(request, portal, address_id):
    admin = _admin(portal)
    address = _address(portal, address_id)
    try:
        admin.dms_archive_address(address)
    except PortalAccountError as exception:
        portal.rollback()
        return portal.render('account_addresses.html', status=400,
            addresses=admin.dms_delivery_addresses(), error=exception.message)
    portal.flash('address_archived')
    return portal.redirect('account/addresses')

