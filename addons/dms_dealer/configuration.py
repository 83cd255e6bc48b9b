# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.pyson import Id


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
        "e-mails, e.g. https://dms.example.com/dms/portal/")
