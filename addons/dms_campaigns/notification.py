# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.pool import PoolMeta


class Notification(metaclass=PoolMeta):
    "The dealer's inbox tells of campaign invitations, answers and changes"
    __name__ = 'dms.dealer.notification'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kind.selection.append(('campaign', "Campaigns"))

    @classmethod
    def _resource_models(cls):
        return super()._resource_models() + ['dms.campaign.participation']
