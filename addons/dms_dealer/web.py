# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction
from trytond.pyson import Bool, Eval

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

    @fields.depends('dealer', 'dealer_role', 'party', '_parent_dealer.party')
    def on_change_dealer(self):
        if self.dealer:
            if not self.dealer_role:
                self.dealer_role = 'buyer'
            if not self.party:
                self.party = self.dealer.party

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

    @property
    def dms_can_login(self):
        "Whether the account may use the dealer portal"
        return (self.active and bool(self.dealer)
            and self.dealer.state in {'active', 'suspended'})

    @classmethod
    def dms_portal_login(cls, email, password):
        """Authenticate for the dealer portal and return a new session key

        Return None for a wrong e-mail or password and for accounts that may
        not use the portal: the caller cannot tell them apart.  Raises
        RateLimitException after too many attempts."""
        user = cls.authenticate(email or '', password or '')
        if user and user.dms_can_login:
            return user.new_session()

    @classmethod
    def dms_portal_logout(cls, key):
        pool = Pool()
        Session = pool.get('web.user.session')
        Session.remove(key)

    @classmethod
    def dms_portal_request_reset(cls, email):
        "Send a reset link to the portal account with this e-mail, if any"
        users = cls.search([('email', '=', (email or '').strip().lower())])
        users = [u for u in users if u.dms_can_login]
        if users:
            cls.reset_password(users)

    def get_email_reset_password_url(self, url=None):
        portal_url = Transaction().context.get('dms_portal_url')
        if url is None and portal_url:
            url = portal_url + 'reset-password/confirm'
        return super().get_email_reset_password_url(url=url)

    @classmethod
    def dms_portal_set_password(cls, email, token, password):
        """Set the password of the account with a reset token

        Return whether the token was valid.  The password rules of Tryton
        apply (the portal runs as root, where web.user skips them)."""
        pool = Pool()
        User = pool.get('res.user')
        User.validate_password(password, [])
        return cls.set_password_token(email, token, password)
