# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
import datetime as dt
import hmac
from email.message import EmailMessage
import re
import secrets
from functools import cache

from sql.aggregate import Count

from trytond import backend
from trytond.config import config
from trytond.exceptions import RateLimitException
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.report import get_email
from trytond.sendmail import send_message_transactional
from trytond.tools.email_ import set_from_header
from trytond.transaction import Transaction, without_check_access

from trytond.modules.web_user.user import EmailResetPassword

from .exceptions import PortalAccountError

# The shape of an e-mail address; whether it receives mail is told by the
# invitation reaching it
EMAIL = re.compile(r'^[^@\s<>()\[\]"\',;:\\]+@[^@\s<>()\[\]"\',;:\\]+'
    r'\.[^@\s<>()\[\]"\',;:\\.]+$')
ADDRESS_SIZES = {
    'party_name': 100,
    'street': 500,
    'postal_code': 20,
    'city': 100,
    'district': 100,
    }

ROLES = [
    ('admin', "Administrator"),
    ('buyer', "Buyer"),
    ('viewer', "Viewer"),
    ]


class User(metaclass=PoolMeta):
    __name__ = 'web.user'
    dealer = fields.Many2One(
        'dms.dealer', "Dealer", ondelete='RESTRICT',
        help="The dealer this portal account works for.")
    dealer_role = fields.Selection(
        [(None, "")] + ROLES, "Dealer Role",
        states={
            'required': Bool(Eval('dealer')),
            'invisible': ~Eval('dealer'),
            },
        help="Administrator: manages the dealer's users and addresses "
        "and orders.\n"
        "Buyer: browses the catalogue and orders.\n"
        "Viewer: sees but cannot order.")

    dms_email_off = fields.MultiSelection(
        'get_dms_notification_kinds', "No E-mail For",
        states={
            'invisible': ~Eval('dealer'),
            },
        help="The kinds of notifications the user reads only in the "
        "portal's inbox.")
    dms_language = fields.Many2One(
        'ir.lang', "Portal Language", ondelete='SET NULL',
        states={
            'invisible': ~Eval('dealer'),
            },
        help="The language the user chose in the portal: its pages, "
        "its notifications and its e-mails are in it.")

    @classmethod
    def get_dms_notification_kinds(cls):
        "The kinds of the inbox's notifications (each module adds its own)"
        pool = Pool()
        Notification = pool.get('dms.dealer.notification')
        return Notification.fields_get(['kind'])['kind']['selection']

    @fields.depends('dealer', 'dealer_role', 'party', '_parent_dealer.party')
    def on_change_dealer(self):
        if self.dealer:
            if not self.dealer_role:
                self.dealer_role = 'buyer'
            if not self.party:
                self.party = self.dealer.party

    @classmethod
    def dms_current_id(cls):
        "The id of the web user the portal's transaction works for, or None"
        pool = Pool()
        User = pool.get('res.user')
        transaction = Transaction()
        # Only the portal's user (and root) speak for a web user: RPC drops
        # private context keys, but Tryton's REST API keeps them
        if transaction.user and not User.dms_is_portal():
            return None
        return transaction.context.get('_dms_web_user')

    @property
    def languages(self):
        "The language the user chose in the portal, before its party's"
        if self.dms_language:
            return [self.dms_language]
        return super().languages

    @classmethod
    def dms_set_language(cls, user, code):
        """Keep the language code chosen in the portal for user (its
        notifications and e-mails follow it); the codes are those of the
        portal"""
        pool = Pool()
        Lang = pool.get('ir.lang')
        languages = Lang.search([('code', '=', code)], limit=1)
        language = languages[0] if languages else None
        if language and user.dms_language != language:
            cls.write([user], {'dms_language': language.id})

    @property
    def dms_can_order(self):
        return (bool(self.dealer) and self.dealer.state == 'active'
            and self.dealer_role in {'admin', 'buyer'})

    @property
    def dms_is_admin(self):
        return bool(self.dealer) and self.dealer_role == 'admin'

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        values = super().preprocess_values(mode, values)
        if values.get('dealer'):
            if not values.get('dealer_role') and mode == 'create':
                values['dealer_role'] = 'buyer'
            if mode == 'create' and not values.get('party'):
                values['party'] = Dealer(values['dealer']).party.id
        return values

    def dms_unread_notifications(self):
        "The number of unread notifications of the user's inbox"
        pool = Pool()
        Notification = pool.get('dms.dealer.notification')
        return Notification.unread_count(self)

    @classmethod
    def dms_set_email_kinds(cls, user, kinds):
        "Keep e-mails only for kinds of the portal user's notifications"
        kinds = set(kinds)
        cls.write([user], {
                'dms_email_off': sorted(
                    k for k, _ in cls.get_dms_notification_kinds()
                    if k not in kinds),
                })

    @property
    def dms_can_login(self):
        "Whether the account may use the dealer portal"
        return (self.active and bool(self.dealer)
            and self.dealer.state in {'active', 'suspended'})

    # Authentication (sign-in, sessions, password reset) runs without the
    # access checks of the portal's user (without_check_access): it reads
    # and writes the secrets and sign-in attempts that no user may read, and
    # it looks for an account by e-mail before any dealer is known.
    #
    # Sign-in and password reset share one limit of failed attempts, per
    # e-mail and client address: a stranger elsewhere cannot lock a dealer
    # out, and nothing sleeps (Tryton's web.user.authenticate and
    # set_password_token hold the request for up to 2^n seconds, so a few
    # wrong tokens would freeze every worker of the server)

    @classmethod
    def _dms_client(cls):
        "The key of the client address in the attempts"
        ip_address, _ = Transaction().remote_address()
        return 'dms-portal:%s' % (ip_address or '')

    @classmethod
    @without_check_access
    def dms_check_attempts(cls, email):
        """Raise RateLimitException at once when the client address has
        [dms_portal] max_attempt (default 5) failed attempts for email
        within [dms_portal] attempt_window seconds (default 900), or its
        network more than Tryton's [session] max_attempt_ip_network"""
        pool = Pool()
        Attempt = pool.get('web.user.authenticate.attempt')
        count = cls._dms_count_attempts(email, cls._dms_client())
        if (count >= config.getint('dms_portal', 'max_attempt', default=5)
                or Attempt.count_ip() > config.getint(
                    'session', 'max_attempt_ip_network', default=300)):
            raise RateLimitException()

    @classmethod
    def _dms_count_attempts(cls, email, key):
        "The attempts of key for email within [dms_portal] attempt_window"
        pool = Pool()
        Attempt = pool.get('web.user.authenticate.attempt')
        table = Attempt.__table__()
        cursor = Transaction().connection.cursor()
        since = dt.datetime.now() - dt.timedelta(seconds=config.getint(
                'dms_portal', 'attempt_window', default=15 * 60))
        cursor.execute(*table.select(Count(),
                where=(table.login == email[:Attempt.login.size])
                & (table.device_cookie == key)
                & (table.create_date >= since)))
        count, = cursor.fetchone()
        return count

    @classmethod
    def _dms_attempt(cls, email, success):
        pool = Pool()
        Attempt = pool.get('web.user.authenticate.attempt')
        if success:
            Attempt.remove(email, cls._dms_client())
        else:
            Attempt.add(email, cls._dms_client())

    @classmethod
    @without_check_access
    def dms_portal_login(cls, email, password, language=None):
        """Authenticate for the dealer portal and return a new session key

        Return None for a wrong e-mail or password and for accounts that may
        not use the portal: the caller cannot tell them apart.  Raises
        RateLimitException at once past the limit of failed attempts (see
        dms_check_attempts).  The language code (chosen in the portal before
        signing in) becomes the user's."""
        email = (email or '').strip().lower()
        cls.dms_check_attempts(email)
        users = cls.search([('email', '=', email)], limit=1)
        user = users[0] if users else None
        if user and user.password_hash:
            valid, new_hash = cls.check_password(
                password or '', user.password_hash)
        else:
            # The same work as for an account: the time tells nothing
            cls.check_password(password or '', _dummy_hash())
            valid = new_hash = False
        if valid and user.dms_can_login:
            if new_hash:
                cls.write([user], {'password_hash': new_hash})
            cls._dms_attempt(email, True)
            if language:
                cls.dms_set_language(user, language)
            return user.new_session()
        cls._dms_attempt(email, False)

    @classmethod
    @without_check_access
    def dms_portal_session(cls, key, touch=True):
        """The account of the portal session key, or None

        touch: whether the request is the user's activity (a page polled by
        the browser on its own is not: it does not keep the session open)

        A session ends when idle for [dms_portal] session_idle_timeout
        seconds (default 2 hours) and at the latest [dms_portal]
        session_max_age seconds (default 12 hours) after the sign-in,
        whatever its activity; an ended session is deleted.  The activity of
        a session is recorded at most once a minute."""
        pool = Pool()
        Session = pool.get('web.user.session')
        sessions = Session.search([('key', '=', key)], limit=1)
        if not sessions:
            return None
        session, = sessions
        now = dt.datetime.now()
        idle = dt.timedelta(seconds=config.getint(
                'dms_portal', 'session_idle_timeout', default=2 * 60 * 60))
        max_age = dt.timedelta(seconds=config.getint(
                'dms_portal', 'session_max_age', default=12 * 60 * 60))
        last = session.write_date or session.create_date
        ended = (session.expired or now - last > idle
            or now - session.create_date > max_age)
        if ended or (touch and now - last > dt.timedelta(minutes=1)):
            cls._dms_session_write(session.id, delete=ended)
        return None if ended else session.user

    @classmethod
    def _dms_session_write(cls, session_id, delete=False):
        """Delete or touch the session: in the request's transaction, or in
        a transaction of its own for a read-only request"""
        pool = Pool()
        Session = pool.get('web.user.session')

        def write():
            sessions = Session.browse([session_id])
            if delete:
                Session.delete(sessions)
            else:
                Session.write(sessions, {})
        transaction = Transaction()
        if not transaction.readonly:
            write()
            return
        try:
            with transaction.new_transaction():
                write()
        except backend.DatabaseOperationalError:
            # Busy: the next request records it
            pass

    @classmethod
    @without_check_access
    def dms_portal_logout(cls, key):
        pool = Pool()
        Session = pool.get('web.user.session')
        Session.remove(key)

    @classmethod
    @without_check_access
    def dms_portal_request_reset(cls, email):
        """Send a reset link to the portal account with this e-mail, if any

        A client address asks at most [dms_portal] max_attempt resets of an
        e-mail within attempt_window seconds (nobody floods an address with
        resets): past it, RateLimitException, for known and unknown e-mails
        alike."""
        pool = Pool()
        Attempt = pool.get('web.user.authenticate.attempt')
        email = (email or '').strip().lower()
        key = 'dms-reset:%s' % cls._dms_client()
        if cls._dms_count_attempts(email, key) >= config.getint(
                'dms_portal', 'max_attempt', default=5):
            raise RateLimitException()
        Attempt.add(email, key)
        users = cls.search([('email', '=', email)])
        users = [u for u in users if u.dms_can_login]
        if users:
            # As root: Tryton's reports check the access of their reader
            # whatever the context, and the account is found by its e-mail,
            # before any session
            with Transaction().set_user(0):
                cls.reset_password(cls.browse(users))

    def get_email_reset_password_url(self, url=None):
        pool = Pool()
        Configuration = pool.get('dms.configuration')
        if url is None and self.dealer:
            url = Configuration.get_portal_url('reset-password/confirm')
        return super().get_email_reset_password_url(url=url)

    @classmethod
    @without_check_access
    def dms_portal_set_password(cls, email, token, password):
        """Set the password of the account with a reset token and end its
        sessions

        Return whether the token was valid.  The password rules of Tryton
        apply (checked here: web.user skips them without access checks, as
        authentication runs).  Raises
        RateLimitException at once past the limit of failed attempts (see
        dms_check_attempts)."""
        pool = Pool()
        User = pool.get('res.user')
        Session = pool.get('web.user.session')
        email = (email or '').strip().lower()
        cls.dms_check_attempts(email)
        User.validate_password(password, [])
        users = cls.search([('email', '=', email)], limit=1)
        user = users[0] if users else None
        if (user and user.reset_password_token and token
                and hmac.compare_digest(str(token).encode(),
                    user.reset_password_token.encode())):
            expire = user.reset_password_token_expire
            user.clear_reset_password_token()
            if expire and expire > dt.datetime.now():
                user.password = password
                user.save()
                Session.delete(Session.search([('user', '=', user.id)]))
                cls._dms_attempt(email, True)
                return True
            user.save()
        cls._dms_attempt(email, False)
        return False

    # A dealer administrator manages the dealer's portal users and addresses.
    # The portal calls these methods as its user, under the record rules of
    # the dealer; each also checks that self is an administrator and that
    # the record belongs to its dealer.

    def _dms_check_admin(self):
        if not self.dms_is_admin or not self.dms_can_login:
            raise PortalAccountError(gettext('dms_portal.msg_portal_admin_only'))

    def dms_dealer_users(self):
        "The portal accounts of the administrator's dealer, active or not"
        self._dms_check_admin()
        with Transaction().set_context(active_test=False):
            return self.search([('dealer', '=', self.dealer.id)],
                order=[('email', 'ASC'), ('id', 'ASC')])

    def dms_invite(self, email, role):
        """Create a portal account of the dealer for email with role and
        send it an invitation to choose its password"""
        self._dms_check_admin()
        email = (email or '').strip().lower()
        if role not in dict(ROLES):
            raise PortalAccountError(
                gettext('dms_portal.msg_portal_role_invalid'))
        if len(email) > 254 or not EMAIL.match(email):
            raise PortalAccountError(gettext(
                    'dms_portal.msg_portal_email_invalid', email=email[:254]))
        # The e-mail of an account is unique among every dealer's accounts,
        # which the record rules of the portal's user hide
        with without_check_access(), \
                Transaction().set_context(active_test=False):
            existing = self.search([('email', '=', email)], limit=1)
        if existing:
            existing, = existing
            if existing.dealer == self.dealer:
                raise PortalAccountError(gettext(
                        'dms_portal.msg_portal_email_taken', email=email))
            # An account elsewhere: the inviter is answered as for a new
            # address (the form does not tell who has an account) and the
            # address is told why nothing changed
            existing.dms_send_invitation_notice(self)
            return None
        # The new account and its reset token (a secret no user writes) are
        # created for the administrator's own dealer only
        with without_check_access():
            user = self.__class__(
                email=email, dealer=self.dealer, dealer_role=role,
                party=self.dealer.party)
            user.set_reset_password_token()
            user.save()
            user.dms_send_invitation(self)
        return self.__class__(user.id)

    def dms_send_invitation(self, inviter):
        "E-mail the invitation with the link to choose a password"
        msg, title = get_email(
            'dms.web.user.email_invitation', self, self.languages)
        from_cfg = config.get('email', 'from')
        set_from_header(msg, from_cfg, from_cfg)
        msg['To'] = self.email
        msg['Subject'] = title
        send_message_transactional(msg)

    def dms_send_invitation_notice(self, inviter):
        """E-mail the holder of an existing account that inviter invited its
        address again (nothing is changed)"""
        pool = Pool()
        Lang = pool.get('ir.lang')
        languages = self.languages or [Lang.get()]
        with Transaction().set_context(language=languages[0].code):
            subject = gettext('dms_portal.msg_portal_invitation_notice_subject',
                dealer=inviter.dealer.rec_name)
            body = gettext('dms_portal.msg_portal_invitation_notice_body',
                inviter=inviter.email, email=self.email,
                dealer=inviter.dealer.rec_name)
        msg = EmailMessage()
        from_cfg = config.get('email', 'from')
        set_from_header(msg, from_cfg, from_cfg)
        msg['To'] = self.email
        msg['Subject'] = subject
        msg.set_content(body)
        send_message_transactional(msg)

    def dms_manage_user(self, user, action, role=None):
        """Change the role of a user of the dealer, deactivate or reactivate
        it (action: 'role', 'deactivate', 'activate')"""
        pool = Pool()
        Session = pool.get('web.user.session')
        self._dms_check_admin()
        if user.dealer != self.dealer:
            raise PortalAccountError(
                gettext('dms_portal.msg_portal_user_other_dealer'))
        if user == self:
            raise PortalAccountError(
                gettext('dms_portal.msg_portal_user_self'))
        if action == 'role':
            if role not in dict(ROLES):
                raise PortalAccountError(
                    gettext('dms_portal.msg_portal_role_invalid'))
            user.dealer_role = role
        elif action in {'deactivate', 'activate'}:
            user.active = action == 'activate'
            if not user.active:
                # Signed out at once (sessions are secrets no user reads)
                with without_check_access():
                    Session.delete(Session.search([('user', '=', user.id)]))
        else:
            raise PortalAccountError(
                gettext('dms_portal.msg_portal_role_invalid'))
        user.save()

    def dms_delivery_addresses(self):
        """The active addresses of the dealer where orders can be delivered,
        the delivery ones first (as the intake accepts)"""
        addresses = list(self.dealer.party.addresses)
        return sorted(addresses, key=lambda a: not a.delivery)

    def dms_save_address(self, address, values):
        """Create (address None) or change a delivery address of the dealer
        from the form values: party_name, street, postal_code, city, district,
        country (id), subdivision (id)"""
        pool = Pool()
        Address = pool.get('party.address')
        Country = pool.get('country.country')
        Subdivision = pool.get('country.subdivision')
        Types = pool.get('party.address.subdivision_type')
        self._dms_check_admin()
        party = self.dealer.party
        if address is not None and address.party != party:
            raise PortalAccountError(
                gettext('dms_portal.msg_portal_address_other_dealer'))
        texts = {}
        for name, size in ADDRESS_SIZES.items():
            text = (values.get(name) or '').strip()
            if len(text) > size:
                raise PortalAccountError(gettext(
                        'dms_portal.msg_portal_address_too_long',
                        field=Address.fields_get([name])[name]['string'],
                        size=size))
            texts[name] = text
        if not texts['street']:
            raise PortalAccountError(
                gettext('dms_portal.msg_portal_address_street_required'))
        if not texts['city']:
            raise PortalAccountError(
                gettext('dms_portal.msg_portal_address_city_required'))
        countries = Country.search(
            [('id', '=', _id(values.get('country')))], limit=1)
        if not countries:
            raise PortalAccountError(
                gettext('dms_portal.msg_portal_address_country_invalid'))
        country, = countries
        subdivision = None
        if values.get('subdivision'):
            domain = [
                ('id', '=', _id(values.get('subdivision'))),
                ('country', '=', country.id),
                ]
            types = Types.get_types(country)
            if types:
                domain.append(('type', 'in', types))
            subdivisions = Subdivision.search(domain, limit=1)
            if not subdivisions:
                raise PortalAccountError(gettext(
                        'dms_portal.msg_portal_address_subdivision_invalid'))
            subdivision, = subdivisions
        if address is None:
            address = Address(party=party, delivery=True)
        address.party_name = texts['party_name'] or None
        address.street = texts['street']
        address.postal_code = texts['postal_code'] or None
        address.city = texts['city']
        address.district = texts['district'] or None
        address.country = country
        address.subdivision = subdivision
        address.save()
        return address

    def dms_archive_address(self, address):
        "Remove a delivery address from the dealer's addresses"
        self._dms_check_admin()
        if address.party != self.dealer.party:
            raise PortalAccountError(
                gettext('dms_portal.msg_portal_address_other_dealer'))
        if self.dms_delivery_addresses() == [address]:
            raise PortalAccountError(
                gettext('dms_portal.msg_portal_address_last'))
        address.active = False
        address.save()


@cache
def _dummy_hash():
    "A password hash to check for e-mails without account"
    pool = Pool()
    return pool.get('web.user').hash_password(secrets.token_hex(16))


class EmailInvitation(EmailResetPassword):
    "The invitation of a new portal user, with its link to set a password"
    __name__ = 'dms.web.user.email_invitation'


def _id(value):
    "A record id from a form value, -1 when it is not one"
    try:
        value = int(value)
    except (TypeError, ValueError):
        return -1
    return value if 0 < value < 2 ** 31 else -1
