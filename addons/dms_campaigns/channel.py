# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""The channels campaigns are published to (e-commerce sites, store
systems, social accounts, any webhook receiver)"""
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.transaction import Transaction

CHANNEL_KINDS = [
    ('ecommerce', "E-commerce Site"),
    ('store', "Store System"),
    ('social', "Social Account"),
    ('webhook', "Webhook Receiver"),
    ]


class Channel(DeactivableMixin, ModelSQL, ModelView):
    __string__ = "Channel"
    __name__ = 'dms.channel'
    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='RESTRICT')
    name = fields.Char("Name", required=True)
    kind = fields.Selection(CHANNEL_KINDS, "Kind", required=True)
    kind_string = kind.translated('kind')
    url = fields.Char(
        "URL", help="Where the channel receives the campaigns' webhooks.")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_kind(cls):
        return 'webhook'

    @classmethod
    def publish(cls, campaigns, event):
        "Write the deliveries of the campaigns' event to the outbox"
        pass
