# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'dms.configuration'
    backorder_policy = fields.Selection([
            ('refuse', "Refuse"),
            ('accept', "Accept as back-order"),
            ], "Back-order Policy", required=True,
        help="What to do with an order line when the stock available to "
        "promise is short.")
    max_line_quantity = fields.Float(
        "Maximum Line Quantity", required=True,
        domain=[('max_line_quantity', '>', 0)],
        help="The largest quantity a dealer may order on one line.")
    max_order_lines = fields.Integer(
        "Maximum Order Lines", required=True,
        domain=[('max_order_lines', '>', 0)],
        help="The largest number of lines of one dealer order.")
    check_credit_limit = fields.Boolean(
        "Check Credit Limit",
        help="Refuse dealer orders that take the dealer over its credit "
        "limit.")

    @classmethod
    def default_backorder_policy(cls):
        return 'refuse'

    @classmethod
    def default_max_line_quantity(cls):
        return 10_000

    @classmethod
    def default_max_order_lines(cls):
        return 200

    @classmethod
    def default_check_credit_limit(cls):
        return True
