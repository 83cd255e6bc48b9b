# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
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
