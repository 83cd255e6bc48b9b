# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

# The dealer of the portal's user outside a session (sign-in page, password
# reset): no dealer, so that the record rules of dealers match no record
NO_DEALER = -1


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def dms_portal_user(cls):
        "The id of the technical user the portal's pages run as"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        return ModelData.get_id('dms_portal', 'user_portal')

    @classmethod
    def dms_is_portal(cls):
        "Whether the transaction runs as the portal's user"
        # as_portal names the portal's user in a private context key (queue
        # tasks keep it with their user): the transactions of other users,
        # nearly all, are told without a lookup; the id is still checked
        # (a deployment without the RESTContext middleware would let a
        # caller of the REST API set the key)
        transaction = Transaction()
        user_id = transaction.user
        return (bool(user_id)
            and transaction.context.get('_dms_portal_user') == user_id
            and user_id == cls.dms_portal_user())

    @classmethod
    def dms_check_domains(cls):
        # The portal's user searches with the domains of the portal's own
        # code (a dealer sends none), under the record rules of its dealer
        return not cls.dms_is_portal() and super().dms_check_domains()

    @classmethod
    def get_dealer(cls):
        # The portal's user works for the dealer of the session's web user,
        # which the portal sets in a private context key (RPC callers cannot
        # set it, and no one signs in as the portal's user)
        if cls.dms_is_portal():
            return (Transaction().context.get('_dms_portal_dealer')
                or NO_DEALER)
        return super().get_dealer()

    @classmethod
    def read(cls, ids, fields_names):
        result = super().read(ids, fields_names)
        # The portal's user belongs to no company (it serves the dealers of
        # every company): its current company is the company of the
        # session's dealer, which the portal sets in the context
        company_id = Transaction().context.get('company')
        if (fields_names and 'company' in fields_names and company_id
                and cls.dms_is_portal()):
            user_id = Transaction().user
            for values in result:
                if values['id'] == user_id:
                    values['company'] = company_id
        return result
