# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Dealer portal: sign in and out, password reset, language, home page; the
inbox; the dealer administrator's pages for its portal users and delivery
addresses (other users get a 404 for them)"""
import mimetypes

from werkzeug.utils import send_file

from trytond.exceptions import UserError
from trytond.transaction import Transaction

from .exceptions import PortalAccountError
from .portal import (
    LANG_COOKIE, LANGUAGES, SESSION_COOKIE, N_, NotFound, register_flash,
    register_nav, route, static_file, to_int)

PAGE_SIZE = 25

register_nav('inbox', N_("Inbox"), sequence=50)
register_flash('message_sent', N_("Your message is sent."))
register_flash('preferences_saved', N_("Your e-mail preferences are saved."))
register_flash('inbox_read', N_("All notifications are marked as read."))
register_nav('account/users', N_("Users"), sequence=80, admin=True)
register_nav('account/addresses', N_("Addresses"), sequence=85, admin=True)
register_flash('user_invited', N_(
        "The invitation is sent: the new user chooses a password from the "
        "link in the e-mail."))
register_flash('user_changed', N_("The user is updated."))
register_flash('address_saved', N_("The address is saved."))
register_flash('address_archived', N_("The address is removed."))


def sale_states(_):
    "The dealer's words for Tryton's sale states"
    return {
        'draft': _("Cart"),
        'quotation': _("Received"),
        'confirmed': _("Confirmed"),
        'processing': _("In progress"),
        'done': _("Done"),
        'cancelled': _("Cancelled"),
        }


@route('/static/<path:filename>', login=False)
def static(request, portal, filename):
    path = static_file(filename)
    if not path:
        raise NotFound()
    response = send_file(
        path, request.environ, max_age=3600,
        mimetype=mimetypes.guess_type(path)[0] or 'application/octet-stream')
    response.headers['Cache-Control'] = 'public, max-age=3600'
    return response


@route('/login', methods=('GET', 'POST'), login=False)
def login(request, portal):
    _ = portal._
    if request.method == 'POST':
        WebUser = portal.pool.get('web.user')
        email = request.form.get('email', '')[:320]
        # The language chosen before signing in becomes the user's
        lang = request.cookies.get(LANG_COOKIE)
        key = WebUser.dms_portal_login(
            email, request.form.get('password', '')[:1024],
            language=lang if lang in dict(LANGUAGES) else None)
        if key:
            # A new session and CSRF token at each login
            portal.set_cookie(SESSION_COOKIE, key)
            portal.new_csrf_token()
            return portal.redirect(portal.safe_next())
        # Answer normally (no abort) so the failed attempt is committed and
        # counts for the rate limit
        return portal.render('login.html', email=email,
            next=request.form.get('next', ''),
            error=_("Wrong e-mail or password."))
    if portal.user:
        return portal.redirect(portal.safe_next())
    return portal.render(
        'login.html', email='', next=request.args.get('next', ''),
        error=None)


@route('/logout', methods=('POST',), login=False)
def logout(request, portal):
    if portal.session:
        WebUser = portal.pool.get('web.user')
        WebUser.dms_portal_logout(portal.session)
    portal.set_cookie(SESSION_COOKIE, '', max_age=0)
    portal.new_csrf_token()
    portal.flash('logged_out')
    return portal.redirect('login')


@route('/language', methods=('POST',), login=False)
def language(request, portal):
    lang = request.form.get('lang')
    if lang in dict(LANGUAGES):
        portal.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 60 * 60)
        if portal.user:
            # The user's language: its notifications and e-mails follow it
            WebUser = portal.pool.get('web.user')
            WebUser.dms_set_language(portal.user, lang)
    return portal.redirect(portal.safe_next())


@route('/reset-password', methods=('GET', 'POST'), login=False)
def reset_password(request, portal):
    if request.method == 'POST':
        WebUser = portal.pool.get('web.user')
        WebUser.dms_portal_request_reset(
            request.form.get('email', '')[:320])
        # The same answer for known and unknown e-mails
        portal.flash('reset_sent')
        return portal.redirect('login')
    return portal.render('reset_request.html')


@route('/reset-password/confirm', methods=('GET', 'POST'), login=False)
def reset_password_confirm(request, portal):
    _ = portal._
    email = request.values.get('email', '')[:320]
    token = request.values.get('token', '')[:128]
    error = None
    if request.method == 'POST':
        WebUser = portal.pool.get('web.user')
        password = request.form.get('password', '')[:1024]
        if password != request.form.get('password2', '')[:1024]:
            error = _("The two passwords are different.")
        elif email and token:
            try:
                done = WebUser.dms_portal_set_password(
                    email, token, password)
            except UserError as exception:
                # The password is refused (too short...): keep the token
                Transaction().rollback()
                error = exception.message
            else:
                portal.flash('password_set' if done else 'reset_invalid')
                return portal.redirect('login' if done else 'reset-password')
        else:
            portal.flash('reset_invalid')
            return portal.redirect('reset-password')
    return portal.render(
        'reset_confirm.html', email=email, token=token, error=error)


@route('/<path:path>', methods=('GET', 'POST'), login=False)
def not_found(request, portal, path):
    raise NotFound()


@route('/')
def home(request, portal):
    return portal.render('home.html', sections=portal.home_sections(),
        cards=portal.home_sections(cards=True),
        unread_notifications=portal.user.dms_unread_notifications())


# Inbox

@route('/inbox')
def inbox(request, portal):
    pool = portal.pool
    Notification = pool.get('dms.dealer.notification')
    _ = portal._
    kinds = portal.notification_kinds()
    kind = request.args.get('kind')
    if kind not in kinds:
        kind = None
    page = to_int(request.args.get('page'), 1, minimum=1)
    domain = [('user', '=', portal.user.id)]
    if kind:
        domain.append(('kind', '=', kind))
    records = Notification.search(domain,
        offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    more = len(records) > PAGE_SIZE
    return portal.render('inbox.html', notifications=records[:PAGE_SIZE],
        kinds=kinds, kind=kind, page=page, more=more,
        email_off=set(portal.user.dms_email_off or ()),
        unread=Notification.unread_count(portal.user))


@route('/inbox/<int:notification_id>/open', methods=('POST',))
def inbox_open(request, portal, notification_id):
    "Mark the notification read and go to what it is about"
    pool = portal.pool
    Notification = pool.get('dms.dealer.notification')
    records = Notification.search([
            ('id', '=', notification_id),
            ('user', '=', portal.user.id),
            ], limit=1)
    if not records:
        raise NotFound()
    notification, = records
    Notification.mark_read(portal.user, notifications=[notification])
    return portal.redirect(notification.portal_path or 'inbox')


@route('/inbox/read', methods=('POST',))
def inbox_read(request, portal):
    pool = portal.pool
    Notification = pool.get('dms.dealer.notification')
    Notification.mark_read(portal.user)
    portal.flash('inbox_read')
    return portal.redirect('inbox')


@route('/inbox/preferences', methods=('POST',))
def inbox_preferences(request, portal):
    pool = portal.pool
    WebUser = pool.get('web.user')
    kinds = [k for k in request.form.getlist('email')
        if k in portal.notification_kinds()]
    WebUser.dms_set_email_kinds(portal.user, kinds)
    portal.flash('preferences_saved')
    return portal.redirect('inbox')


# The dealer administrator's users and addresses
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
