# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from urllib.parse import quote

from trytond.config import config
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.pyson import Id
from trytond.transaction import Transaction
from trytond.url import HOSTNAME


class Configuration(ModelSingleton, ModelSQL, ModelView):
    __string__ = "DMS Configuration"
    __name__ = 'dms.configuration'
    dealer_sequence = fields.Many2One(
        'ir.sequence', "Dealer Sequence",
        domain=[
            ('sequence_type', '=', Id('dms_dealer', 'sequence_type_dealer')),
            ],
        help="Used to number new dealers created without a code.")
    default_tier = fields.Many2One(
        'dms.dealer.tier', "Default Tier",
        help="The tier proposed for new dealers.")
    portal_url = fields.Char(
        "Portal Address",
        help="The address of the dealer portal for the links of the "
        "e-mails, e.g. https://dms.example.com/dms/portal/\n"
        "Leave empty to use the base_url of the [dms_portal] section of "
        "the server's configuration.")

    @classmethod
    def get_portal_url(cls, path=''):
        """The address of a page of the dealer portal for the links of the
        e-mails: from the Portal Address of the configuration, else from
        [dms_portal] base_url of the server's configuration (e.g.
        https://dms.example.com), else from Tryton's host name; never from
        the request, so that a stranger's Host header never leads a link
        elsewhere"""
        portal_url = cls(1).portal_url
        if not portal_url:
            base = config.get('dms_portal', 'base_url') or (
                'http://%s' % HOSTNAME)
            portal_url = '%s/%s/portal/' % (base.rstrip('/'),
                quote(Transaction().database.name, safe=''))
        return portal_url.rstrip('/') + '/' + path.lstrip('/')
