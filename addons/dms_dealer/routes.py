# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"Dealer portal: sign in and out, password reset, language, home page"
import mimetypes

from werkzeug.utils import send_file

from trytond.exceptions import UserError
from trytond.transaction import Transaction

from .portal import (
    LANG_COOKIE, LANGUAGES, SESSION_COOKIE, NotFound, route, static_file)


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
        key = WebUser.dms_portal_login(
            email, request.form.get('password', '')[:1024])
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
