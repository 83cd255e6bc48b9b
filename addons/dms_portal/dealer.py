# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .exceptions import DealerAccessError


class Dealer(metaclass=PoolMeta):
    __name__ = 'dms.dealer'
    web_users = fields.One2Many(
        'web.user', 'dealer', "Portal Users",
        states={
            'readonly': Eval('state') == 'terminated',
            })

    @classmethod
    def current(cls):
        """Return the dealer of the portal's web user, else the dealer of
        the transaction user

        The portal sets ``_dms_web_user`` in the context to the id of the
        authenticated web.user."""
        pool = Pool()
        User = pool.get('res.user')
        WebUser = pool.get('web.user')
        web_user_id = WebUser.dms_current_id()
        if web_user_id is None and User.dms_is_portal():
            # Fail closed: a portal page without a session has no dealer
            raise DealerAccessError(gettext(
                    'dms_portal.msg_web_user_no_dealer'))
        if web_user_id is not None:
            web_user = WebUser(web_user_id)
            if (not web_user.active or not web_user.dealer
                    or web_user.dealer.state not in {'active', 'suspended'}):
                # Fail closed: a portal session never gets an unscoped view
                raise DealerAccessError(gettext(
                        'dms_portal.msg_web_user_no_dealer'))
            return web_user.dealer
        return super().current()

    @classmethod
    def copy(cls, dealers, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('web_users')
        return super().copy(dealers, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('terminated')
    def terminate(cls, dealers):
        pool = Pool()
        WebUser = pool.get('web.user')
        super().terminate(dealers)
        # A terminated dealer loses access to the portal
        users = [u for d in dealers for u in d.web_users if u.active]
        if users:
            WebUser.write(users, {'active': False})
