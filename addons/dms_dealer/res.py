# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.cache import Cache
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.transaction import Transaction


class User(metaclass=PoolMeta):
    __name__ = 'res.user'
    dealer = fields.Many2One(
        'dms.dealer', "Dealer", ondelete='RESTRICT',
        help="Restricts the user to the records of this dealer "
        "(for dealer staff and dealer-specific integrations).")
    _get_dealer_cache = Cache(__name__ + '.get_dealer', context=False)

    @classmethod
    def get_dealer(cls):
        "Return the id of the dealer of the transaction user or None"
        user_id = Transaction().user
        if not user_id:
            return None
        dealer_id = cls._get_dealer_cache.get(user_id, -1)
        if dealer_id != -1:
            return dealer_id
        user = cls(user_id)
        dealer_id = user.dealer.id if user.dealer else None
        cls._get_dealer_cache.set(user_id, dealer_id)
        return dealer_id

    @classmethod
    def dms_check_domains(cls):
        """Whether the domains of the transaction user's searches are
        checked (see domain.py)"""
        return True

    @classmethod
    def on_modification(cls, mode, users, field_names=None):
        super().on_modification(mode, users, field_names=field_names)
        if mode != 'write' or (field_names and 'dealer' in field_names):
            cls._get_dealer_cache.clear()
