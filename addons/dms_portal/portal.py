# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The dealer portal's web layer: routes under /<database>/portal/, sessions
on web.user.session, CSRF tokens, languages, templates and error pages.

Routes only parse the request, check the session and the CSRF token, call a
model classmethod and render a template.  They run as the portal's user
(``dms_portal.user_portal``, see ``as_portal``), under the access rights of
the DMS Portal group and the record rules of the session's dealer; their
queries are scoped with the dealer of the session (``portal.dealer``) as
well, and anything outside that scope is a 404.
Other modules register their own templates and translations with
``register_templates`` and their routes with ``route``.
"""
import base64
import hmac
import json
import logging
import os
import secrets
import time
from contextlib import contextmanager
from functools import cache, wraps
from http import HTTPStatus
from urllib.parse import urlsplit

import jinja2
import jinja2.nodes
import markupsafe
import polib
from werkzeug import exceptions
from werkzeug.utils import redirect, safe_join
from werkzeug.wrappers import Request, Response

from trytond import backend
from trytond.exceptions import RateLimitException
from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.protocols.wrappers import with_pool, with_transaction
from trytond.transaction import Transaction, check_access
from trytond.wsgi import app

from .formats import format_date

logger = logging.getLogger(__name__)

LANGUAGES = [('en', "English"), ('zh_CN', "简体中文")]
SESSION_COOKIE = 'dms_portal_session'
CSRF_COOKIE = 'dms_portal_csrf'
LANG_COOKIE = 'dms_portal_lang'
FLASH_COOKIE = 'dms_portal_flash'
MAX_FORM_SIZE = 64 * 1024
# The largest id a portal URL may name (PostgreSQL integer columns)
MAX_ID = 2 ** 31 - 1
HERE = os.path.dirname(__file__)

_template_dirs = []
_locale_dirs = []
_catalogs = {}
_nav = []
_home_sections = []
_home_cards = []


def _register(registry, entry):
    """Add entry (sequence, name, ...) to registry once (a module may be
    imported again), in the order of sequence and name"""
    if entry not in registry:
        registry.append(entry)
        registry.sort(key=lambda e: e[:2])


def register_nav(path, label, sequence=50, admin=False, model=None):
    """Add a link to the portal's navigation (label marked with N_), for the
    dealer's administrators only when admin is set, in the databases where
    model exists"""
    _register(_nav, (sequence, path, label, admin, model))


def register_home_section(template, values, sequence=50, model=None):
    """Add a section to the home page: template is rendered with the
    values returned by values(portal), in the databases where model (of the
    module adding it) exists"""
    _register(_home_sections, (sequence, template, values, model))


def register_home_card(template, values, sequence=50, model=None):
    """Add a card to the figures at the top of the home page, as
    register_home_section"""
    _register(_home_cards, (sequence, template, values, model))



def register_templates(directory):
    "Add a module's www/ folder (templates/ and locale/) to the portal"
    templates = os.path.join(directory, 'templates')
    if templates not in _template_dirs:
        # Later modules come first so they can override templates
        _template_dirs.insert(0, templates)
        _locale_dirs.append(os.path.join(directory, 'locale'))
        _catalogs.clear()
        _environment.cache_clear()


def catalog(lang):
    "The portal translations of lang: {msgid: msgstr}"
    if lang not in _catalogs:
        messages = {}
        for directory in _locale_dirs:
            path = os.path.join(directory, '%s.po' % lang)
            if os.path.exists(path):
                messages.update(
                    (e.msgid, e.msgstr) for e in polib.pofile(path)
                    if e.msgstr and not e.fuzzy)
        _catalogs[lang] = messages
    return _catalogs[lang]


def translator(lang):
    messages = catalog(lang)

    def gettext(text, **variables):
        text = messages.get(text, text)
        return text % variables if variables else text
    return gettext


@jinja2.pass_context
def _date_filter(context, value):
    return context['portal'].format_date(value)


@jinja2.pass_context
def _datetime_filter(context, value):
    return context['portal'].format_datetime(value)


@jinja2.pass_context
def _money_filter(context, value, currency):
    return context['portal'].format_money(value, currency)


@cache
def _environment():
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(_template_dirs)),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined)
    environment.filters.update(
        date=_date_filter, datetime=_datetime_filter, money=_money_filter)
    return environment


class NotFound(exceptions.NotFound):
    "Anything outside the dealer's scope: always answered with a 404"


class CSRFError(exceptions.Forbidden):
    "A POST without the CSRF token of the browser's cookie"


def negotiate_language(request, user=None):
    codes = [c for c, _ in LANGUAGES]
    lang = request.cookies.get(LANG_COOKIE)
    if lang in codes:
        return lang
    # The language the user chose in the portal (on another browser), else
    # the one of its party
    if user:
        # Not user.languages: without a choice it falls back to the
        # transaction's language, not to the browser's
        for language in [user.dms_language,
                user.party.lang if user.party else None]:
            if language and language.code in codes:
                return language.code
    best = request.accept_languages.best_match(
        [c.replace('_', '-') for c in codes] + ['zh'])
    if best and best.lower().startswith('zh'):
        return 'zh_CN'
    return 'en'


class Portal:
    "What a route needs of the request: session, dealer, language, render"

    def __init__(self, request, pool, touch=True):
        self.request = request
        self.pool = pool
        self.database = pool.database_name
        self.base = '/%s/portal' % self.database
        self.cookies = []
        self.user = self.session = None
        key = request.cookies.get(SESSION_COOKIE)
        if key:
            WebUser = pool.get('web.user')
            user = WebUser.dms_portal_session(key, touch=touch)
            if user and user.dms_can_login:
                self.user, self.session = user, key
        self.lang = negotiate_language(request, self.user)
        self._ = translator(self.lang)
        self.csrf_token = request.cookies.get(CSRF_COOKIE)
        if not self.csrf_token:
            self.new_csrf_token()

    def reload(self):
        "Read the user again, in the context of the portal's language"
        if self.user:
            self.user = self.user.__class__(self.user.id)

    @property
    def dealer(self):
        return self.user.dealer if self.user else None

    @property
    def secure(self):
        return self.request.scheme == 'https'

    def url(self, path=''):
        return self.base + '/' + path.lstrip('/')

    def format_date(self, value):
        "A date (or the date of a timestamp) as the portal's language writes it"
        return format_date(value, self.lang)

    def format_datetime(self, value):
        if not value:
            return ''
        return f'{self.format_date(value)} {value:%H:%M}'

    def format_money(self, amount, currency):
        "An amount in currency with the language's monetary conventions"
        Lang = self.pool.get('ir.lang')
        return Lang.get(self.lang).currency(
            amount or 0, currency, grouping=True)

    def set_cookie(self, name, value, max_age=None, http_only=True):
        self.cookies.append((name, value, max_age, http_only))

    def new_csrf_token(self):
        self.csrf_token = secrets.token_urlsafe(32)
        self.set_cookie(CSRF_COOKIE, self.csrf_token)

    def check_csrf(self):
        """Refuse a POST without the token of the browser's cookie, or sent
        from another origin (the Origin header, else the Referer, when the
        browser sends one)"""
        request = self.request
        token = request.form.get('csrf_token', '')
        cookie = request.cookies.get(CSRF_COOKIE, '')
        if not (token and cookie and hmac.compare_digest(token, cookie)):
            raise CSRFError()
        # The host only: behind a proxy ending TLS, the scheme of the
        # request may differ from the browser's
        origin = request.headers.get('Origin') or request.referrer
        if origin is not None and urlsplit(origin).netloc != request.host:
            raise CSRFError()

    def flash(self, key):
        "Show a message from FLASH_MESSAGES on the next page"
        self.set_cookie(FLASH_COOKIE, key)

    def pop_flash(self):
        key = self.request.cookies.get(FLASH_COOKIE)
        if key:
            self.set_cookie(FLASH_COOKIE, '', max_age=0)
            text = FLASH_MESSAGES.get(key)
            if text:
                return self._(text)

    def safe_next(self, default=''):
        "The next URL if it stays inside this portal (no open redirect)"
        target = self.request.values.get('next', '')
        if not target.isprintable():
            # CR/LF and other controls: never into a Location header
            return self.url(default)
        parts = urlsplit(target)
        if (not parts.scheme and not parts.netloc
                and (parts.path + '/').startswith(self.base + '/')
                and '\\' not in target):
            return target
        return self.url(default)

    def rollback(self):
        "Undo the writes of the request (the page still answers)"
        Transaction().rollback()

    def redirect(self, path=''):
        location = path if path.startswith(self.base) else self.url(path)
        return redirect(location, code=HTTPStatus.SEE_OTHER)

    def _render(self, template, **values):
        return _environment().get_template(template).render(
            _=self._, portal=self, user=self.user, dealer=self.dealer,
            nav=[(self.url(path), self._(label))
                for _, path, label, admin, model in _nav
                if (not admin or (self.user and self.user.dms_is_admin))
                and (not model or self.has_model(model))],
            lang=self.lang, languages=LANGUAGES, csrf_token=self.csrf_token,
            **values)

    def render(self, template, status=HTTPStatus.OK, **values):
        content = self._render(template, flash=self.pop_flash(), **values)
        return Response(
            content, status=status, content_type='text/html; charset=utf-8')

    def home_sections(self, cards=False):
        """The HTML of the sections (or cards) other modules add to the home
        page"""
        return [markupsafe.Markup(self._render(template, **values(self)))
            for _, template, values, model in (
                _home_cards if cards else _home_sections)
            if not model or self.has_model(model)]

    def notification_kinds(self):
        """{kind: label} of the inbox's notifications: the kind selection of
        dms.dealer.notification (each module adds its kinds in its own
        __setup__) in the words of the portal's language"""
        Notification = self.pool.get('dms.dealer.notification')
        with Transaction().set_context(language=self.lang):
            return dict(
                Notification.fields_get(['kind'])['kind']['selection'])

    def has_model(self, model):
        "Whether the module of model is activated in the database"
        try:
            self.pool.get(model)
        except KeyError:
            return False
        return True

    def finish(self, response):
        for name, value, max_age, http_only in self.cookies:
            response.set_cookie(
                name, value, max_age=max_age, path=self.base + '/',
                secure=self.secure, httponly=http_only, samesite='Lax')
        response.headers.setdefault('Cache-Control', 'no-store')
        response.headers.setdefault('X-Frame-Options', 'DENY')
        response.headers.setdefault('X-Content-Type-Options', 'nosniff')
        response.headers.setdefault(
            'Content-Security-Policy',
            "default-src 'self'; img-src 'self' data:; "
            "frame-ancestors 'none'; form-action 'self'")
        response.headers.setdefault('Referrer-Policy', 'same-origin')
        return response


def N_(text):
    "Mark a portal string for translation; it is translated where shown"
    return text


FLASH_MESSAGES = {
    'logged_out': N_("You are signed out."),
    'reset_sent': N_("If an account exists for this e-mail, a message with "
        "a link to choose a new password is on its way."),
    'password_set': N_("Your new password is set: sign in with it."),
    'reset_invalid': N_("This link to reset your password is invalid or has "
        "expired. Ask for a new one."),
    }


def register_flash(key, text):
    "Add a message that routes can show with portal.flash(key)"
    FLASH_MESSAGES[key] = text


def error_page(request, status, database=None):
    "An error page without any detail of the failure"
    codes = [c for c, _ in LANGUAGES]
    lang = request.cookies.get(LANG_COOKIE)
    if lang not in codes:
        lang = negotiate_language(request)
    _ = translator(lang)
    titles = {
        HTTPStatus.BAD_REQUEST: _("The request is not valid"),
        HTTPStatus.NOT_FOUND: _("Page not found"),
        HTTPStatus.FORBIDDEN: _("This form has expired"),
        HTTPStatus.TOO_MANY_REQUESTS: _("Too many attempts"),
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE: _("The request is too large"),
        HTTPStatus.SERVICE_UNAVAILABLE: _("The system is busy"),
        }
    texts = {
        HTTPStatus.BAD_REQUEST: _(
            "It contains characters that cannot be stored. "
            "Go back, correct it and send it again."),
        HTTPStatus.NOT_FOUND: _(
            "The page does not exist or is not available to you."),
        HTTPStatus.FORBIDDEN: _(
            "Go back, reload the page and send the form again."),
        HTTPStatus.TOO_MANY_REQUESTS: _(
            "Wait a few minutes before you try again."),
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE: _(
            "Send a smaller form or file."),
        HTTPStatus.SERVICE_UNAVAILABLE: _(
            "Please try again in a moment."),
        }
    status = HTTPStatus(status)
    content = _environment().get_template('error.html').render(
        _=_, lang=lang, title=titles.get(status, _("Something went wrong")),
        text=texts.get(status, _(
                "The error has been recorded. Please try again later.")),
        home='/%s/portal/' % database if database else None)
    return Response(
        content, status=status, content_type='text/html; charset=utf-8',
        headers={'Cache-Control': 'no-store'})


def to_int(value, default=None, minimum=None, maximum=MAX_ID):
    "The integer of a request parameter, or default when it is not one"
    try:
        value = int(value)
    except (TypeError, ValueError):
        return default
    if ((minimum is not None and value < minimum)
            or (maximum is not None and value > maximum)):
        return default
    return value


@contextmanager
def as_portal(pool, web_user=None, language=None):
    """Run as the portal's user for web_user (None outside a session): with
    the access rights of the DMS Portal group and the record rules of the
    web user's dealer (no dealer at all outside a session)"""
    User = pool.get('res.user')
    dealer = web_user.dealer if web_user else None
    user_id = User.dms_portal_user()
    context = {
        # Tells res.user.dms_is_portal without a lookup
        '_dms_portal_user': user_id,
        '_dms_web_user': web_user.id if web_user else None,
        # The dealer of the record rules (res.user.get_dealer)
        '_dms_portal_dealer': dealer.id if dealer else None,
        # Prices, sequences and stock are per company; the company rules of
        # the portal's user are those of the dealer's company (a tuple: it is
        # in the key of the record rules' cache)
        '_companies': (dealer.company.id,) if dealer else (),
        }
    if dealer:
        context['company'] = dealer.company.id
    if language:
        context['language'] = language
    with Transaction().set_user(user_id), \
            Transaction().set_context(**context), check_access():
        yield


def route(rule, methods=('GET',), login=True, max_size=MAX_FORM_SIZE,
        touch=True):
    """Register a portal route; the view is called as view(request, portal,
    **arguments) inside a transaction, with the web user and the language in
    the context.  touch=False for the requests a page sends on its own
    (polling): they do not count as the user's activity."""
    def decorator(func):
        # The module of the view: its pages exist only in the databases
        # where it is activated
        module = func.__module__.split('.')
        module = module[2] if module[:2] == ['trytond', 'modules'] \
            else module[0]

        @wraps(func)
        def in_transaction(request, pool, **kwargs):
            if module not in pool._modules:
                # Database without the module of the page
                raise NotFound()
            portal = Portal(request, pool, touch=touch)
            if any('\0' in v for _, v in request.args.items(multi=True)):
                # PostgreSQL refuses NUL in texts
                raise exceptions.BadRequest()
            if request.method == 'POST':
                if (request.content_length or 0) > max_size:
                    raise exceptions.RequestEntityTooLarge()
                # Also bounds a body sent without a length (chunked)
                request.max_content_length = max_size
                portal.check_csrf()
                if any('\0' in v
                        for _, v in request.form.items(multi=True)):
                    raise exceptions.BadRequest()
            if login and not portal.user:
                next_ = request.full_path if request.method == 'GET' else ''
                return portal.finish(redirect(
                        portal.url('login') + (
                            '?' + _urlencode(next=next_.rstrip('?'))
                            if next_ else ''), code=HTTPStatus.SEE_OTHER))
            # The session was read above as root (its keys are secrets that
            # no user reads); the page runs as the portal's user
            with as_portal(pool, portal.user, language=portal.lang):
                portal.reload()
                try:
                    response = func(request, portal, **kwargs)
                except (AccessError, AccessButtonError) as exception:
                    # Never tell what exists outside the dealer's scope
                    logger.debug("portal: access refused on %s: %s",
                        request.path, exception.message)
                    raise NotFound()
                except RateLimitException:
                    raise exceptions.TooManyRequests()
            return portal.finish(response)

        view = with_pool(with_transaction()(in_transaction))

        @app.route('/<database_name>/portal' + rule, methods=set(methods))
        @wraps(func)
        def endpoint(request, database_name, **kwargs):
            failure = None
            if any(isinstance(v, int) and v > MAX_ID
                    for v in kwargs.values()):
                # No such record: the database's integers would overflow
                return error_page(request, HTTPStatus.NOT_FOUND,
                    database_name)
            # A page is read again when the database connection was lost
            # (database restarted): Tryton retries only the transactions
            # that write, and not when the rollback fails on the lost
            # connection
            for delay in [0.1, 0.5, 1, None]:
                try:
                    return view(request, database_name, **kwargs)
                except exceptions.HTTPException as exception:
                    code = exception.code or HTTPStatus.INTERNAL_SERVER_ERROR
                    # with_pool/with_transaction turn errors into HTTP ones
                    failure = exception.__context__ or exception
                except Exception as exception:
                    code = HTTPStatus.INTERNAL_SERVER_ERROR
                    failure = exception
                if not isinstance(failure, backend.DatabaseOperationalError):
                    break
                # The database is unavailable or busy: try again later
                code = HTTPStatus.SERVICE_UNAVAILABLE
                if request.method != 'GET' or delay is None:
                    logger.warning("portal: database unavailable on %s: %s",
                        request.path, failure)
                    break
                time.sleep(delay)
            if code >= HTTPStatus.INTERNAL_SERVER_ERROR and (
                    code != HTTPStatus.SERVICE_UNAVAILABLE):
                logger.error("portal: error on %s", request.path,
                    exc_info=failure)
            return error_page(request, code, database_name)
        return endpoint
    return decorator


class HTTPErrors:
    """WSGI middleware, set in the [wsgi middleware] section of the
    configuration: the HTTP errors that Tryton raises before any route (a
    request from another origin is refused with 403) become their answer
    instead of a server error; the portal's with its own error page"""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        try:
            return self.app(environ, start_response)
        except exceptions.HTTPException as exception:
            request = Request(environ)
            parts = request.path.split('/')
            if len(parts) > 2 and parts[2] == 'portal':
                response = error_page(request,
                    exception.code or HTTPStatus.INTERNAL_SERVER_ERROR,
                    parts[1])
            else:
                response = exception.get_response(environ)
            return response(environ, start_response)


class RESTContext:
    """WSGI middleware, set in the [wsgi middleware] section of the
    configuration: the context a call of Tryton's REST API sends in its
    X-Tryton-Context header loses its private keys (starting with "_", but
    "_datetime"), as Tryton's RPC drops them: they belong to the server
    (who the portal speaks for, what the system does), and Tryton's REST API
    passes them on as they are"""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        header = environ.get('HTTP_X_TRYTON_CONTEXT')
        if header:
            environ = dict(environ)
            try:
                context = json.loads(base64.urlsafe_b64decode(header))
            except Exception:
                context = None
            if isinstance(context, dict):
                context = {k: v for k, v in context.items()
                    if not (str(k).startswith('_') and k != '_datetime')}
                environ['HTTP_X_TRYTON_CONTEXT'] = base64.urlsafe_b64encode(
                    json.dumps(context).encode()).decode()
            else:
                # Tryton would fail on it
                del environ['HTTP_X_TRYTON_CONTEXT']
        return self.app(environ, start_response)


def _urlencode(**values):
    from urllib.parse import urlencode
    return urlencode(values)


def extract_messages(directory):
    """The portal strings of a module: _() and N_() calls with a literal in
    its Python files and in the templates of its www/ folder"""
    import ast

    messages = set()
    for name in sorted(os.listdir(directory)):
        if name.endswith('.py'):
            with open(os.path.join(directory, name), encoding='utf-8') as fp:
                tree = ast.parse(fp.read())
            for node in ast.walk(tree):
                name = (node.func.id if isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name) else
                    node.func.attr if isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute) else None)
                if (name in {'_', 'N_'}
                        and node.args
                        and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[0].value, str)):
                    messages.add(node.args[0].value)
    templates = os.path.join(directory, 'www', 'templates')
    # Parsed only, never rendered
    environment = jinja2.Environment(autoescape=True)
    for name in sorted(os.listdir(templates)):
        with open(os.path.join(templates, name), encoding='utf-8') as fp:
            tree = environment.parse(fp.read())
        for call in tree.find_all(jinja2.nodes.Call):
            if (isinstance(call.node, jinja2.nodes.Name)
                    and call.node.name == '_' and call.args
                    and isinstance(call.args[0], jinja2.nodes.Const)
                    and isinstance(call.args[0].value, str)):
                messages.add(call.args[0].value)
    return sorted(messages)


def static_file(filename):
    "Path of a file of a module's www/static folder, or None"
    for templates in _template_dirs:
        path = safe_join(
            os.path.join(os.path.dirname(templates), 'static'), filename)
        if path and os.path.isfile(path):
            return path


register_templates(os.path.join(HERE, 'www'))
register_nav('', N_("Home"), sequence=0)
